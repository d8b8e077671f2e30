//! `carepath`: run tier 4 pathway scenarios and write CSV, JSON, charts and a report.
//!
//! Only the command line lives here: parse it, call the library's command, and turn its
//! [`Failure`] into a message and an exit code.

use carepath_runner::cli::{Cli, Command};
use carepath_runner::{config, interrupt, publish, say, Failure, Invalid};
use carepath_serve as serve;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The workshop server stops on Ctrl-C itself; every other command finishes its outputs
    // or abandons them whole.
    if !matches!(cli.command, Command::Serve(_)) {
        interrupt::install();
    }
    let result = match cli.command {
        Command::Run(args) => carepath_runner::run(args),
        Command::Validate { files } => carepath_runner::validate(&files),
        Command::Compare(args) => carepath_runner::compare(args),
        Command::Merge(args) => carepath_runner::merge(args),
        Command::Serve(args) => serve::serve(args.request()).map_err(|e| match e {
            serve::Failure::Invalid(errors) => Failure::Invalid(Invalid::Files(errors)),
            serve::Failure::Io(message) => Failure::Io(message),
        }),
        Command::Solve(args) => carepath_runner::solve::solve(args),
        Command::Advise(args) => carepath_runner::advise::advise(args),
        Command::Schema { markdown, output } => {
            if markdown {
                say(&config::key_reference())
            } else if output {
                say(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&publish::output_schema()).unwrap_or_default()
                ))
            } else {
                say(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&config::published_schema()).unwrap_or_default()
                ))
            }
        }
    };
    // Whatever failed after Ctrl-C failed because of it.
    let result = match result {
        Err(_) if interrupt::requested() => Err(Failure::Interrupted),
        r => r,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Interrupted) => {
            eprintln!("interrupted, previous outputs kept");
            ExitCode::from(interrupt::EXIT_CODE)
        }
        Err(Failure::Checks) => ExitCode::from(1),
        Err(Failure::Invalid(problem)) => {
            eprintln!("{problem}");
            ExitCode::from(2)
        }
        Err(Failure::Io(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(3)
        }
    }
}
