//! Why outputs could not be made or written. Each error keeps its cause; the command prints
//! the chain (`cannot write to output: No space left on device`) and exits 3.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file of the output folder could not be written: nothing of the run is shown.
    #[error("cannot write to {}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The output folder could not be opened or made, said in one sentence.
    #[error("{0}")]
    Folder(String),
    /// The workbook could not be built.
    #[error("cannot build results.xlsx")]
    Workbook(#[source] rust_xlsxwriter::XlsxError),
    /// A chart or an event log could not be made, said in one sentence.
    #[error("{0}")]
    Render(String),
}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::Render(message)
    }
}

impl Error {
    /// The error and its causes in one line: `cannot write to output: No space left on device`.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            text.push_str(&format!(": {c}"));
            cause = c.source();
        }
        text
    }
}
