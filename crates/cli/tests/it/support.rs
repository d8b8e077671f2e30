//! What the command's tests share: the binary, the repository's scenarios and fixtures.

use std::path::Path;
use std::process::{Command, Output};

/// `carepath ARGS` with colour off, run to the end.
pub fn carepath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// `carepath ARGS` run in the directory `dir`, with colour off.
pub fn carepath_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// `carepath ARGS` given at most `limit` to finish: killed and `None` after that.
pub fn carepath_within(args: &[&str], limit: std::time::Duration) -> Option<Output> {
    let start = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    while child
        .try_wait()
        .expect("the child can be waited for")
        .is_none()
    {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Some(child.wait_with_output().expect("its output"))
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A small but complete scenario: the engine's bundled roadmap example.
pub fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../engine/src/examples/roadmap.toml")
        .display()
        .to_string()
}

/// The example scenarios' folder.
pub fn scenarios() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .display()
        .to_string()
}

/// 2 referrals a day, exponential 5-day stays, 10 beds, no waiting: offered load 10 erlangs.
pub fn erlang_loss() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/erlang_loss.toml")
        .display()
        .to_string()
}

/// The Chromium to drive, if one is installed (`CHROMIUM` names another); its absence is a
/// failure when `CAREPATH_REQUIRE_CHROMIUM` is set, as in CI.
pub fn browser() -> Option<String> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .map(String::from)
        .chain(std::env::var("CHROMIUM"))
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CAREPATH_REQUIRE_CHROMIUM").is_none(),
            "no Chromium found"
        );
        eprintln!("no Chromium found: the browser checks are skipped");
    }
    found
}
