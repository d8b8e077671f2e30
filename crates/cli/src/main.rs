//! `carepath`: run tier 4 pathway scenarios and write CSV, JSON, charts and a report.
//!
//! The command is thin: it parses the command line into a typed request (`args`), hands it to
//! the packages that do the work (scenario → experiment → report, or serve), prints the
//! terminal's tables, and turns what failed into a message and an exit code (`failure`).

mod advise;
mod args;
mod checks;
mod failure;
mod run;
mod solve;
mod tables;

use args::{Cli, Command};
use carepath_experiment::interrupt;
use carepath_report::publish;
use clap::Parser;
use failure::Failure;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The workshop server stops on Ctrl-C itself; every other command finishes its outputs
    // or abandons them whole.
    if !matches!(cli.command, Command::Serve(_)) {
        interrupt::install();
    }
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate { files } => run::validate(&files),
        Command::Compare(args) => run::compare(args),
        Command::Merge(args) => run::merge(args),
        Command::Serve(args) => carepath_serve::serve(args.request()).map_err(|e| match e {
            carepath_serve::Failure::Invalid(errors) => {
                carepath_experiment::Invalid::Files(errors).into()
            }
            carepath_serve::Failure::Io(message) => carepath_experiment::Error::Io(message).into(),
        }),
        Command::Solve(args) => solve::solve(args),
        Command::Advise(args) => advise::advise(args),
        Command::Schema { markdown, output } => schema(markdown, output),
        Command::Export { out, to } => export(&out, &to),
    };
    failure::exit(result, interrupt::requested())
}

/// `export`: one run of an output folder, copied whole.
fn export(out: &std::path::Path, to: &std::path::Path) -> Result<(), Failure> {
    let id = carepath_report::outdir::export(out, to)?;
    eprintln!("copied run {id} of {} to {}", out.display(), to.display());
    Ok(())
}

/// `schema`: the JSON Schema of scenario files, of the JSON outputs, or the key reference.
fn schema(markdown: bool, output: bool) -> Result<(), Failure> {
    if markdown {
        return say(&carepath_scenario::key_reference());
    }
    let schema = if output {
        publish::output_schema()
    } else {
        carepath_scenario::published_schema()
    };
    say(&format!(
        "{}\n",
        serde_json::to_string_pretty(&schema).unwrap_or_default()
    ))
}

/// Writes to standard output. A reader that has gone away (`carepath … | head`) ends the
/// output quietly; any other write failure is an output failure.
fn say(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Output(carepath_report::Error::Write {
                path: "standard output".into(),
                source: e,
            }))
        }
        _ => Ok(()),
    }
}
