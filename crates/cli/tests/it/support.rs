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
