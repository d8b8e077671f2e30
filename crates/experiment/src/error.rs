//! Why an experiment gave no results, as every front end (the command, Python, the server)
//! reports it.

use crate::exec;
use carepath_scenario::ConfigError;

/// Why an experiment gave no results. The command turns each kind into its exit code;
/// Python raises each as its own exception.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid scenario files or arguments: exit 2.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Workers that could not start, or a part file that could not be read or written: exit 3.
    #[error("{0}")]
    Io(String),
    /// Ctrl-C: exit 130, previous outputs kept.
    #[error("interrupted")]
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
impl From<exec::Stop> for Error {
    fn from(stop: exec::Stop) -> Error {
        match stop {
            exec::Stop::Overload(e) => Error::Invalid(Invalid::Stopped(e)),
            exec::Stop::Threads(message) => Error::Io(message),
            exec::Stop::Asked => Error::Interrupted,
        }
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

impl std::error::Error for Invalid {}
