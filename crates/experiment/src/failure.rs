//! Why a command did not succeed, as every front end (the command, Python, the server) reports
//! it: the command turns each kind into its exit code.

use crate::exec;
use carepath_scenario::ConfigError;

/// Why a command did not succeed; each has its own exit code.
#[derive(Debug)]
pub enum Failure {
    /// A check failed (or, for `validate`, a file is invalid): exit 1.
    Checks,
    /// Invalid scenario files or arguments: exit 2.
    Invalid(Invalid),
    /// Outputs could not be written, or threads not started: exit 3.
    Io(String),
    /// Ctrl-C: exit 130, previous outputs kept.
    Interrupted,
}

/// What is wrong with the input, to be reported before exit 2.
#[derive(Debug)]
pub enum Invalid {
    /// Scenario files or overrides, each error located.
    Files(Vec<ConfigError>),
    /// An argument, said in one sentence.
    Usage(String),
    /// A scenario whose waiting list grew without bound, found while it ran.
    Stopped(Box<ConfigError>),
}

/// A run that gave no summaries: an overloaded scenario is invalid input found while it ran
/// (exit 2); workers that could not start, exit 3.
pub fn stopped(stop: exec::Stop) -> Failure {
    match stop {
        exec::Stop::Overload(e) => Failure::Invalid(Invalid::Stopped(e)),
        exec::Stop::Threads(message) => Failure::Io(message),
        exec::Stop::Asked => Failure::Interrupted,
    }
}

impl std::fmt::Display for Invalid {
    /// As printed on stderr: every error, then how many there were.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Files(errors) => {
                for e in errors {
                    writeln!(f, "{e}")?;
                }
                let n = errors.len();
                write!(
                    f,
                    "{n} error{} found; nothing was run",
                    if n == 1 { "" } else { "s" }
                )
            }
            Invalid::Usage(message) => write!(f, "error: {message}"),
            Invalid::Stopped(e) => write!(f, "{e}\nthe run stopped; nothing was written"),
        }
    }
}
