//! The `carve` binary: parse the arguments, run, map the exit status.

use clap::Parser;
use std::process::ExitCode;

/// Code reading keeps every file's facts alive while parsing the next ones;
/// mimalloc handles that many small, long-lived allocations with less
/// fragmentation and time than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Usage errors exit 2, like every other input error.
    let cli = match carve::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    // The process ends with the command: large values need not be freed.
    carve::memory::free_nothing_before_exit();
    carve::run(cli).into()
}
