//! The `carve` binary: parse the arguments, run, map the exit status.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Usage errors exit 2, like every other input error.
    let cli = match carve::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    carve::run(cli).into()
}
