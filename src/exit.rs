//! Exit statuses: 0 success, 1 findings, 2 usage or input error, 130
//! interrupted.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    /// The command ran and found something the user asked to fail on.
    Findings,
    /// Bad usage or unusable input.
    Error,
    /// Stopped by the user (Ctrl-C): 130, as shells report SIGINT.
    Interrupted,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Findings => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
            ExitStatus::Interrupted => ExitCode::from(130),
        }
    }
}
