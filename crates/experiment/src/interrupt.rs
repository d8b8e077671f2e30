//! Ctrl-C: the first one asks the run to stop cleanly (workers finish the replication they are
//! on, nothing is published, the staging folder is removed, exit 130); a second one ends the
//! process at once, leaving the next run to remove what it wrote.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_CODE: u8 = 130;

/// Installs the handler; without one (it fails only if another is installed), Ctrl-C ends the
/// process as usual, which leaves the previous outputs just as whole.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_CODE));
        }
    });
}

/// Whether Ctrl-C was pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Asks the run to stop as Ctrl-C does, for a host that sees the key itself (Python, whose
/// interpreter takes SIGINT).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Forgets a request once its run has stopped, so that the host's next run is not stopped
/// at once.
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}
