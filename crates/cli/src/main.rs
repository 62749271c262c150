//! The `starl` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// starl: face, learn from and talk about failure.
#[derive(Debug, Parser)]
#[command(name = "starl", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the Language Server Protocol on standard input/output, for editors.
    Lsp,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Lsp => starl_lsp::run_stdio(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("starl: {e:#}");
            ExitCode::from(2)
        }
    }
}
