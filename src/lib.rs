//! carve: analyze a monolith's schema and code, plan its services, scaffold them.

pub mod analysis;
pub mod cli;
pub mod commands;
pub mod exit;
pub mod fsutil;
pub mod ingest;
pub mod memory;
pub mod model;
pub mod plan;
pub mod printer;
pub mod report;
pub mod scaffold;

use cli::{Cli, Command};
use exit::ExitStatus;
use printer::Printer;

/// Runs carve with parsed arguments.
pub fn run(cli: Cli) -> ExitStatus {
    let printer = Printer::new(cli.color, cli.quiet);
    match &cli.command {
        Command::Analyze(args) => commands::analyze::run(args, &printer),
        Command::Plan(args) => commands::plan::run(args, &printer),
        Command::Scaffold(args) => commands::scaffold::run(args, &printer),
        Command::Check(args) => commands::check::run(args, &printer),
    }
}
