//! The one place that prints: results to stdout, notes and errors to
//! stderr, colour decided once.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::cli::ColorChoice;
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// Colour on stdout.
    pub color: bool,
    /// Colour on stderr.
    pub color_stderr: bool,
    pub quiet: bool,
}

/// `--color`, then `NO_COLOR`, then `FORCE_COLOR`, then whether the stream is a terminal.
fn resolve(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if std::env::var_os("FORCE_COLOR").is_some_and(|v| !v.is_empty()) {
                true
            } else {
                is_terminal
            }
        }
    }
}

impl Printer {
    pub fn new(choice: ColorChoice, quiet: bool) -> Self {
        Printer {
            color: resolve(choice, std::io::stdout().is_terminal()),
            color_stderr: resolve(choice, std::io::stderr().is_terminal()),
            quiet,
        }
    }

    /// Writes a result to stdout. A closed pipe (`carve … | head`) is not an error.
    pub fn result(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }

    /// A note for the user on stderr, unless `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// An error on stderr, always.
    pub fn error(&self, message: &str, help: Option<&str>) {
        let (red, bold, reset) = if self.color_stderr {
            ("\x1b[31;1m", "\x1b[1m", "\x1b[0m")
        } else {
            ("", "", "")
        };
        eprintln!("{red}error{reset}{bold}: {message}{reset}");
        if let Some(help) = help {
            eprintln!("  help: {help}");
        }
    }

    /// A warning on stderr, unless `--quiet`.
    pub fn warning(&self, message: &str) {
        if self.quiet {
            return;
        }
        let (yellow, reset) = if self.color_stderr {
            ("\x1b[33;1m", "\x1b[0m")
        } else {
            ("", "")
        };
        eprintln!("{yellow}warning{reset}: {message}");
    }
}
