//! The workshop page in a real browser: `carepath serve` on a free port, headless Chromium
//! driven over the DevTools protocol types a new number of home-treatment places, and the
//! summary must then show what `carepath run --set` prints for the same change.
//!
//! Runs when a Chromium binary is found; with `CAREPATH_REQUIRE_CHROMIUM=1` (as in CI) a
//! missing browser fails it. `CAREPATH_SCREENSHOT=FILE` keeps the screenshot (README's image).

use crate::support::browser;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REPS: &str = "20";
const KEY: &str = "services.home_treatment.places";

/// The server, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `carepath serve` on a free port and returns it with the page's address.
fn serve(dir: &Path) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_carepath"))
        .arg("serve")
        .arg(dir)
        .args(["--port", "0", "--reps", REPS, "--out"])
        .arg(dir.join("output"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (Server(child), url)
}

/// Evaluates `js` (which must give a string) in the page.
fn eval(tab: &Tab, js: &str) -> String {
    let v = tab.evaluate(js, false).unwrap().value;
    v.and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// Waits until the page has finished at least `runs` re-runs, the last of them with `KEY` at
/// `value` (`None`: as the file has it). Typing a number runs the page once per pause between
/// keys, so a slow machine may show "2" on its way to "25": only the value shown counts.
fn wait_runs(tab: &Tab, runs: u32, value: Option<&str>) {
    let start = Instant::now();
    let shown = format!("String(JSON.parse(document.body.dataset.shown || '{{}}')['{KEY}'] ?? '')");
    loop {
        let done: u32 = eval(tab, "document.body.dataset.runs || '0'")
            .parse()
            .unwrap_or(0);
        if done >= runs && eval(tab, &shown) == value.unwrap_or("") {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "re-run {runs} with {value:?} did not arrive ({done} runs, {:?} shown); status: {}",
            eval(tab, &shown),
            eval(tab, "document.querySelector('#status').textContent")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The first KPI table of the results: KPI label → value shown per column heading.
fn table(tab: &Tab) -> BTreeMap<(String, String), String> {
    let js = "JSON.stringify((()=>{const t=document.querySelector('#results table.kpis');\
              const heads=[...t.rows[0].cells].map(c=>c.textContent.trim());\
              return [...t.rows].slice(1).flatMap(r=>[...r.cells].slice(1).map((c,i)=>\
              [r.cells[0].firstChild.textContent.trim(),heads[i+1],c.firstChild.textContent.trim()]));})())";
    let rows: Vec<(String, String, String)> = serde_json::from_str(&eval(tab, js)).unwrap();
    rows.into_iter().map(|(k, h, v)| ((k, h), v)).collect()
}

/// `carepath run FILE --set … --reps …`'s table: KPI label → value.
fn printed(file: &Path, set: &str, out: &Path) -> BTreeMap<String, String> {
    let o = Command::new(env!("CARGO_BIN_EXE_carepath"))
        .arg("run")
        .arg(file)
        .args(["--set", set, "--reps", REPS, "--out"])
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    // Exit 1 is a `[[check]]` the change breaks: the tables are printed all the same.
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let (label, value) = l.rsplit_once(' ')?;
            Some((label.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

#[test]
fn changing_a_control_in_the_browser_shows_what_run_prints() {
    let Some(chromium) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    for f in ["baseline.toml", "closer2home.toml"] {
        std::fs::copy(from.join(f), dir.path().join(f)).unwrap();
    }
    let (_server, url) = serve(dir.path());
    let options = LaunchOptions::default_builder()
        .path(Some(chromium.into()))
        .sandbox(false)
        .window_size(Some((1366, 900)))
        .build()
        .unwrap();
    let browser = Browser::new(options).unwrap();
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&format!("{url}#closer2home"))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_runs(&tab, 1, None);
    let before = table(&tab);

    // Type a new number into the control, as a facilitator would.
    let input = tab
        .find_element(&format!("input[data-key='{KEY}']"))
        .unwrap();
    input.click().unwrap();
    input
        .call_js_fn("function(){this.select()}", vec![], false)
        .unwrap();
    tab.type_str("25").unwrap();
    wait_runs(&tab, 2, Some("25"));
    let after = table(&tab);

    let cli = printed(
        &dir.path().join("closer2home.toml"),
        &format!("{KEY}=25"),
        &dir.path().join("cli"),
    );
    let mut compared = 0;
    for ((label, head), shown) in &after {
        if head != "closer2home_changed" {
            continue;
        }
        if let Some(value) = cli.get(label) {
            assert_eq!(shown, value, "{label}: the page against `carepath run`");
            compared += 1;
        }
    }
    assert!(
        compared >= 3,
        "KPIs in both the page and the terminal: {compared}"
    );
    let moved = after
        .iter()
        .filter(|((l, h), v)| {
            h == "closer2home_changed" && before.get(&(l.clone(), h.clone())) != Some(v)
        })
        .count();
    assert!(moved > 0, "the change moved the summary numbers");
    assert_eq!(
        before.get(&("Out-of-area placements".into(), "closer2home".into())),
        after.get(&("Out-of-area placements".into(), "closer2home".into())),
        "the file's own values stay beside the change"
    );

    // An out-of-range value: the loader's message beside the control, nothing re-run.
    input.click().unwrap();
    input
        .call_js_fn("function(){this.select()}", vec![], false)
        .unwrap();
    tab.type_str("-4").unwrap();
    let start = Instant::now();
    let message = loop {
        let m = eval(
            &tab,
            &format!("document.querySelector(\"[data-error-for='{KEY}']\").textContent"),
        );
        if !m.is_empty() || start.elapsed() > Duration::from_secs(20) {
            break m;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        message.contains(KEY) && message.contains("-4"),
        "{message:?}"
    );
    input
        .call_js_fn("function(){this.select()}", vec![], false)
        .unwrap();
    tab.type_str("25").unwrap();
    wait_runs(&tab, 3, Some("25"));

    eval(&tab, "window.scrollTo(0, 0), ''");
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    if let Some(path) = std::env::var_os("CAREPATH_SCREENSHOT") {
        std::fs::write(path, &png).unwrap();
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(&png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let pixels = &pixels[..info.buffer_size()];
    let step = info.color_type.samples();
    let inked = pixels
        .chunks(step)
        .filter(|p| p.iter().take(3).any(|&c| c < 200))
        .count();
    let share = inked as f64 / (pixels.len() / step) as f64;
    assert!(
        info.width == 1366 && info.height > 600 && share > 0.02,
        "a blank screenshot: {}×{}, {:.1} % inked",
        info.width,
        info.height,
        100.0 * share
    );
}
