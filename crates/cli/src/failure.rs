//! Why the command did not succeed, how it is printed, and the exit code each reason gives:
//! the only place where errors become text on stderr and numbers for scripts.

use carepath_experiment::{Error, Invalid};
use carepath_report::outdir::OpenError;
use std::process::ExitCode;

/// Exit code after Ctrl-C: 128 + SIGINT, as shells report it.
const INTERRUPTED: u8 = carepath_experiment::interrupt::EXIT_CODE;

pub enum Failure {
    /// A check failed, or (`validate`) a file is invalid: exit 1.
    Checks,
    /// The experiment gave no results: invalid input (exit 2), workers or part files that
    /// failed (exit 3), or Ctrl-C (exit 130).
    Experiment(Error),
    /// Outputs could not be made or written: exit 3.
    Output(carepath_report::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Experiment(e)
    }
}

impl From<Invalid> for Failure {
    fn from(e: Invalid) -> Failure {
        Failure::Experiment(Error::Invalid(e))
    }
}

impl From<carepath_report::Error> for Failure {
    fn from(e: carepath_report::Error) -> Failure {
        Failure::Output(e)
    }
}

impl From<OpenError> for Failure {
    fn from(e: OpenError) -> Failure {
        match e {
            OpenError::Refused(message) => usage(message),
            OpenError::Io(message) => Failure::Output(carepath_report::Error::Folder(message)),
        }
    }
}

/// A problem with the command line, said in one sentence: exit 2.
pub fn usage(message: String) -> Failure {
    Invalid::Usage(message).into()
}

/// Prints what failed on stderr and gives its exit code. Whatever failed after Ctrl-C failed
/// because of it.
pub fn exit(result: Result<(), Failure>, interrupted: bool) -> ExitCode {
    let result = match result {
        Err(_) if interrupted => Err(Failure::Experiment(Error::Interrupted)),
        r => r,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Checks) => ExitCode::from(1),
        Err(Failure::Experiment(Error::Interrupted)) => {
            eprintln!("interrupted, previous outputs kept");
            ExitCode::from(INTERRUPTED)
        }
        Err(Failure::Experiment(Error::Invalid(problem))) => {
            eprintln!("{problem}");
            ExitCode::from(2)
        }
        Err(Failure::Experiment(Error::Io(message))) => {
            eprintln!("error: {message}");
            ExitCode::from(3)
        }
        Err(Failure::Output(e)) => {
            eprintln!("error: {}", e.chain());
            ExitCode::from(3)
        }
    }
}
