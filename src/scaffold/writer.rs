//! Puts generated files under `--out`: every path must stay inside it (no
//! `..`, no absolute path, no symlink leading out), nothing existing changes
//! without `--force`, unchanged files are left untouched, and each write is
//! atomic. `--dry-run` only reports.

use super::spec::GeneratedFile;
use crate::fsutil::write_atomically;
use std::path::{Component, Path, PathBuf};

/// What writing a file would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    New,
    Changed,
    Unchanged,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    pub force: bool,
    pub dry_run: bool,
}

/// The files by what happened (or, with `--dry-run`, would happen) to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub created: Vec<String>,
    pub changed: Vec<String>,
    pub unchanged: Vec<String>,
    /// False for a dry run.
    pub written: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("refusing to write `{path}`: {reason}")]
    UnsafePath { path: String, reason: String },
    #[error("{} existing file(s) would change: {}", .0.len(), .0.join(", "))]
    WouldChange(Vec<String>),
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
}

impl WriteError {
    pub fn help(&self) -> &'static str {
        match self {
            WriteError::UnsafePath { .. } => {
                "generated paths must stay inside --out; check service and table names"
            }
            WriteError::WouldChange(_) => {
                "pass --force to overwrite them, or --dry-run to see every change first"
            }
            WriteError::Io { .. } => "check that --out is writable",
        }
    }
}

fn io_error(path: &Path, error: std::io::Error) -> WriteError {
    WriteError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// Why `relative` is not a safe '/'-separated path below `--out`, if it is not.
pub fn path_problem(relative: &str) -> Option<String> {
    if relative.is_empty() {
        return Some("the path is empty".into());
    }
    if relative.starts_with('/') || relative.contains('\\') || relative.contains('\0') {
        return Some("the path must be relative and '/'-separated".into());
    }
    for part in relative.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return Some(format!("the path holds a `{part}` component"));
        }
    }
    let path = Path::new(relative);
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Some("the path must be plain directory and file names".into());
    }
    None
}

/// Follows `relative` below `root`, refusing any existing symlink on the
/// way that resolves outside `root`.
fn check_no_escape(root: &Path, relative: &str) -> Result<(), WriteError> {
    let mut current = root.to_path_buf();
    for part in relative.split('/') {
        current.push(part);
        let Ok(meta) = std::fs::symlink_metadata(&current) else {
            // Nothing exists from here on; new directories are made inside root.
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            let resolved = current
                .canonicalize()
                .unwrap_or_else(|_| PathBuf::from("/"));
            if !resolved.starts_with(root) {
                return Err(WriteError::UnsafePath {
                    path: relative.to_string(),
                    reason: format!("`{}` is a symlink leading outside --out", current.display()),
                });
            }
        }
    }
    Ok(())
}

fn classify(target: &Path, contents: &str) -> Result<FileState, WriteError> {
    match std::fs::read(target) {
        Ok(existing) if existing == contents.as_bytes() => Ok(FileState::Unchanged),
        Ok(_) => Ok(FileState::Changed),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileState::New),
        Err(e) => Err(io_error(target, e)),
    }
}

/// Shell scripts are executable; everything else is plain.
fn mode_for(path: &str) -> u32 {
    if path.ends_with(".sh") {
        0o755
    } else {
        0o644
    }
}

#[cfg(unix)]
fn set_mode(target: &Path, mode: u32) -> Result<(), WriteError> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(target)
        .map_err(|e| io_error(target, e))?
        .permissions()
        .mode()
        & 0o777;
    if current != mode {
        std::fs::set_permissions(target, std::fs::Permissions::from_mode(mode))
            .map_err(|e| io_error(target, e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_target: &Path, _mode: u32) -> Result<(), WriteError> {
    Ok(())
}

/// How many files are written at once: each write waits for its fsync,
/// and the disk completes many of those together.
const WRITERS: usize = 16;

/// Writes every new or changed file (atomically, synced) and sets modes.
fn write_in_parallel(states: &[(&GeneratedFile, PathBuf, FileState)]) -> Result<(), WriteError> {
    let chunk = states.len().div_ceil(WRITERS).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = states
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || -> Result<(), WriteError> {
                    for (file, target, state) in part {
                        if *state != FileState::Unchanged {
                            write_atomically(target, file.contents.as_bytes())
                                .map_err(|e| io_error(target, e))?;
                        }
                        set_mode(target, mode_for(&file.path))?;
                    }
                    Ok(())
                })
            })
            .collect();
        // Report the first failure in path order; the others wrote what they could.
        let mut result = Ok(());
        for worker in workers {
            let outcome = worker.join().unwrap_or_else(|_| {
                Err(WriteError::Io {
                    path: String::new(),
                    error: std::io::Error::other("a writer thread panicked"),
                })
            });
            if result.is_ok() {
                result = outcome;
            }
        }
        result
    })
}

/// Writes `files` below `out` (created when missing), or with `dry_run`
/// only says what would happen.
pub fn write_files(
    out: &Path,
    files: &[GeneratedFile],
    options: WriteOptions,
) -> Result<WriteReport, WriteError> {
    for file in files {
        if let Some(reason) = path_problem(&file.path) {
            return Err(WriteError::UnsafePath {
                path: file.path.clone(),
                reason,
            });
        }
    }
    let root = if out.exists() {
        out.canonicalize().map_err(|e| io_error(out, e))?
    } else {
        std::path::absolute(out).map_err(|e| io_error(out, e))?
    };
    if root.exists() && !root.is_dir() {
        return Err(io_error(
            out,
            std::io::Error::other("--out names a file, not a directory"),
        ));
    }
    let mut states = Vec::with_capacity(files.len());
    let mut report = WriteReport::default();
    for file in files {
        check_no_escape(&root, &file.path)?;
        let target = root.join(&file.path);
        let state = classify(&target, &file.contents)?;
        match state {
            FileState::New => report.created.push(file.path.clone()),
            FileState::Changed => report.changed.push(file.path.clone()),
            FileState::Unchanged => report.unchanged.push(file.path.clone()),
        }
        states.push((file, target, state));
    }
    if options.dry_run {
        return Ok(report);
    }
    if !options.force && !report.changed.is_empty() {
        return Err(WriteError::WouldChange(report.changed.clone()));
    }
    // Directories first, in order, so the parallel writes below never race
    // to create them.
    for (_, target, state) in &states {
        if *state != FileState::Unchanged {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
            }
        }
    }
    write_in_parallel(&states)?;
    report.written = true;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_named() {
        for bad in ["", "/etc/passwd", "a/../b", "../x", "a//b", "./a", "a\\b"] {
            assert!(path_problem(bad).is_some(), "{bad:?}");
        }
        assert!(path_problem("topics/orders.yaml").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_root_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), out.path().join("topics")).unwrap();
        let files = vec![GeneratedFile {
            path: "topics/x.yaml".into(),
            contents: "x".into(),
        }];
        let error = write_files(out.path(), &files, WriteOptions::default()).unwrap_err();
        assert!(matches!(error, WriteError::UnsafePath { .. }), "{error}");
        assert!(!outside.path().join("x.yaml").exists());
    }

    #[test]
    fn a_second_run_changes_nothing_and_changes_need_force() {
        let out = tempfile::tempdir().unwrap();
        let mut files = vec![GeneratedFile {
            path: "a/b.sh".into(),
            contents: "echo\n".into(),
        }];
        let first = write_files(out.path(), &files, WriteOptions::default()).unwrap();
        assert_eq!(first.created, ["a/b.sh"]);
        let second = write_files(out.path(), &files, WriteOptions::default()).unwrap();
        assert_eq!(second.unchanged, ["a/b.sh"]);
        files[0].contents = "echo hi\n".into();
        assert!(matches!(
            write_files(out.path(), &files, WriteOptions::default()),
            Err(WriteError::WouldChange(_))
        ));
        let forced = write_files(
            out.path(),
            &files,
            WriteOptions {
                force: true,
                dry_run: false,
            },
        )
        .unwrap();
        assert_eq!(forced.changed, ["a/b.sh"]);
        assert_eq!(
            std::fs::read_to_string(out.path().join("a/b.sh")).unwrap(),
            "echo hi\n"
        );
    }
}
