//! Every endpoint over HTTP (requests through the router, as the socket would hand them over):
//! good requests, broken JSON, wrong shapes, out-of-range values and unknown keys.

use super::*;
use axum::body::Body;
use axum::http::{header, Request};
use carepath_experiment::exec;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tower::ServiceExt;

const REPS: u32 = 10;

/// The example scenarios, copied so that saving writes into a scratch folder.
fn workshop() -> (tempfile::TempDir, Arc<Workshop>) {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    for f in ["baseline.toml", "closer2home.toml", "day_hospital.toml"] {
        std::fs::copy(from.join(f), dir.path().join(f)).unwrap();
    }
    let w = Workshop::open(
        &[dir.path().to_path_buf()],
        None,
        Some(REPS),
        Some(2),
        dir.path().join("output"),
    )
    .unwrap_or_else(|_| panic!("the examples load"));
    (dir, Arc::new(w))
}

async fn call(w: &Arc<Workshop>, req: Request<Body>) -> (StatusCode, Value) {
    let res = router(w.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

fn post_raw(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn post(path: &str, body: Value) -> Request<Body> {
    post_raw(path, &body.to_string())
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn message(v: &Value) -> String {
    v["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The loader's first error for `--set` — what `carepath run --set` prints.
fn cli_error(dir: &Path, set: &str) -> ConfigError {
    let opts = LoadOptions {
        sets: vec![set.into()],
        ..LoadOptions::default()
    };
    config::load(&[dir.join("closer2home.toml")], &opts)
        .unwrap_err()
        .remove(0)
}

/// Whole-pathway means of `file` run with `sets` — what `carepath run --set … --reps` computes.
fn run_means(file: &Path, sets: &[&str]) -> BTreeMap<String, f64> {
    let opts = LoadOptions {
        sets: sets.iter().map(|s| s.to_string()).collect(),
        reps: Some(REPS),
        ..LoadOptions::default()
    };
    let loaded = config::load(&[file.to_path_buf()], &opts).unwrap();
    let (summaries, _) = exec::run_all(&loaded, Some(1)).unwrap();
    let means: BTreeMap<String, f64> = summaries[0]
        .kpis
        .iter()
        .filter(|k| k.key.subject.is_empty() && k.key.period == carepath_engine::Period::Overall)
        .map(|k| (k.key.metric.name().to_string(), k.estimate.mean))
        .collect();
    // Through JSON as the page's numbers came, so both are read back alike.
    serde_json::from_str(&serde_json::to_string(&means).unwrap()).unwrap()
}

fn kpis(v: &Value) -> BTreeMap<String, f64> {
    serde_json::from_value(v["kpis"].clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_lists_every_scenario_and_fetches_nothing_from_elsewhere() {
    let (_dir, w) = workshop();
    let (status, page) = call(&w, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    let page = page.as_str().unwrap();
    for name in ["baseline", "closer2home", "day_hospital"] {
        assert!(
            page.contains(&format!("data-scenario=\"{name}\"")),
            "{name}"
        );
    }
    assert!(
        page.contains("<script>") && page.contains("#summary"),
        "script and style inline"
    );
    assert!(
        !page.contains("src=") && !page.contains("href=\"http"),
        "no external assets"
    );
    let (status, v) = call(&w, get("/nowhere")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(message(&v), "no such page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_s_controls_carry_value_unit_and_source() {
    let (_dir, w) = workshop();
    let (status, v) = call(&w, get("/api/scenarios/closer2home")).await;
    assert_eq!(status, StatusCode::OK);
    let places = v["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "services.home_treatment.places")
        .unwrap();
    assert_eq!(places["value"], "15");
    assert_eq!(places["unit"], "places");
    assert!(places["source"].as_str().unwrap().contains("15 places"));
    assert!(v["html"]
        .as_str()
        .unwrap()
        .contains("data-key=\"wards.gau.beds\""));
    let (status, v) = call(&w, get("/api/scenarios/nope")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(message(&v), "no scenario named `nope` is served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_run_gives_what_run_with_the_same_set_gives() {
    let (dir, w) = workshop();
    let file = dir.path().join("closer2home.toml");
    let change =
        json!({"scenario": "closer2home", "changes": {"services.home_treatment.places": 25}});
    let (status, v) = call(&w, post("/api/run", change)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let changed = kpis(&v);
    assert_eq!(
        changed,
        run_means(&file, &["services.home_treatment.places=25"])
    );
    assert_ne!(
        changed,
        run_means(&file, &[]),
        "the change changes the numbers"
    );
    assert_eq!(v["replications"], REPS);
    let html = v["html"].as_str().unwrap();
    // The report's first screen: sentences, the chart, the three runs side by side.
    assert!(html.contains("<section id=summary>") && html.contains("id=summary-chart"));
    assert!(html.contains("closer2home_<wbr>changed") && html.contains(">baseline<"));
    // Text values go through TOML as `--set` takes them.
    let date = json!({"scenario": "day_hospital", "changes": {"roadmap[0].date": "2024-10-01"}});
    let (status, v) = call(&w, post("/api/run", date)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let dh = dir.path().join("day_hospital.toml");
    assert_eq!(kpis(&v), run_means(&dh, &["roadmap[0].date=2024-10-01"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_4xx_with_the_loader_s_message() {
    let (dir, w) = workshop();
    let run = |body: Value| post("/api/run", body);
    // Out of range: the same message as `--set`, for the control's key.
    let (status, v) = call(
        &w,
        run(json!({"scenario": "closer2home", "changes": {"wards.gau.beds": -3}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let cli = cli_error(dir.path(), "wards.gau.beds=-3");
    assert_eq!(v["errors"][0]["key"], "wards.gau.beds");
    assert_eq!(message(&v), cli.message);
    // Caught by the engine's validation rather than the schema: still located at the key.
    let (status, v) = call(
        &w,
        run(json!({"scenario": "day_hospital", "changes": {"roadmap[0].date": "2035-01-01"}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"][0]["key"], "roadmap[0].date");
    assert!(message(&v).contains("outside the reported horizon"), "{v}");
    // An unknown key, with the suggestion a file would get.
    let (status, v) = call(
        &w,
        run(json!({"scenario": "closer2home", "changes": {"wards.gau.bedz": 3}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["errors"][0]["help"],
        cli_error(dir.path(), "wards.gau.bedz=3").help.unwrap()
    );
    // A value that is neither number nor text.
    let (status, v) = call(
        &w,
        run(json!({"scenario": "closer2home", "changes": {"wards.gau.beds": [1]}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&v).contains("expected a number or text"));
    // Broken JSON, JSON of the wrong shape, an unknown field, no JSON content type.
    let (status, v) = call(&w, post_raw("/api/run", "{\"scenario\": ")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&v).contains("EOF"), "{v}");
    let (status, _) = call(&w, run(json!({"scenario": 3}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, v) = call(&w, run(json!({"scenario": "closer2home", "chnages": {}}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&v).contains("unknown field `chnages`"), "{v}");
    let plain = Request::post("/api/run").body(Body::from("{}")).unwrap();
    assert_eq!(call(&w, plain).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, v) = call(&w, run(json!({"scenario": "closer2home", "reps": 0}))).await;
    assert_eq!(
        (status, v["errors"][0]["key"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reps"))
    );
    let (status, _) = call(&w, run(json!({"scenario": "nope"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Runner keys cannot be changed from the page either.
    let (status, v) = call(
        &w,
        run(json!({"scenario": "closer2home", "changes": {"extends": "x.toml"}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&v).contains("cannot change `extends`"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_change_cancels_the_older_and_progress_is_reported() {
    let (_dir, w) = workshop();
    let slow = json!({"scenario": "closer2home", "reps": 4000, "viewer": "v1"});
    let first = tokio::spawn({
        let w = w.clone();
        async move { call(&w, post("/api/run", slow)).await }
    });
    // Wait until the long run is under way, then change again.
    let mut seen = 0;
    for _ in 0..200 {
        let (status, p) = call(&w, get("/api/progress?viewer=v1")).await;
        assert_eq!(status, StatusCode::OK);
        seen = p["done"].as_u64().unwrap();
        if seen > 0 {
            assert_eq!(p["total"], 3 * 4000, "reference, file and change");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(seen > 0, "progress is reported while a run computes");
    let (status, _) = call(
        &w,
        post(
            "/api/run",
            json!({"scenario": "closer2home", "viewer": "v1"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = first.await.unwrap();
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    let (status, _) = call(&w, get("/api/progress")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_as_writes_a_file_that_extends_the_original_and_reproduces_the_page() {
    let (dir, w) = workshop();
    let change = json!({"scenario": "closer2home", "changes": {"services.home_treatment.places": 19, "demand.annual_growth": "0.03"}});
    let (_, page) = call(&w, post("/api/run", change.clone())).await;
    let mut save = change.clone();
    save["name"] = json!("more_iht");
    let (status, v) = call(&w, post("/api/save", save.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let path = PathBuf::from(v["path"].as_str().unwrap());
    assert_eq!(path, dir.path().join("more_iht.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("extends = \"closer2home.toml\""), "{text}");
    assert!(
        text.contains("[services.home_treatment]\nplaces = 19  # was 15"),
        "{text}"
    );
    assert!(
        text.contains("[demand]\nannual_growth = 0.03  # was 0"),
        "{text}"
    );
    assert!(text.contains("replications = 10 "), "{text}");
    // Only the changes: no other key of the original is restated.
    assert!(
        !text.contains("cost_per_day_gbp") && !text.contains("[[check]]"),
        "{text}"
    );
    assert_eq!(
        kpis(&page),
        run_means(&path, &[]),
        "the saved file reproduces the page"
    );
    // Never over a file, nor under a served scenario's name, nor with a path for a name.
    assert_eq!(
        call(&w, post("/api/save", save.clone())).await.0,
        StatusCode::CONFLICT
    );
    save["name"] = json!("baseline");
    assert_eq!(
        call(&w, post("/api/save", save.clone())).await.0,
        StatusCode::CONFLICT
    );
    save["name"] = json!("../escape");
    let (status, v) = call(&w, post("/api/save", save.clone())).await;
    assert_eq!(
        (status, v["errors"][0]["key"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name"))
    );
    assert!(!dir.path().join("../escape.toml").exists());
    // Invalid changes write nothing.
    save["name"] = json!("broken");
    save["changes"] = json!({"wards.gau.beds": -1});
    assert_eq!(
        call(&w, post("/api/save", save.clone())).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A roadmap entry belongs to the file that states it.
    save["scenario"] = json!("day_hospital");
    save["changes"] = json!({"roadmap[0].capacity": 12});
    let (status, v) = call(&w, post("/api/save", save)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&v).contains("cannot be saved"), "{v}");
    assert!(!dir.path().join("broken.toml").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_the_usual_output_folder() {
    let (dir, w) = workshop();
    let out = dir.path().join("output");
    let bad = json!({"scenario": "closer2home", "changes": {"wards.gau.beds": -1}});
    assert_eq!(
        call(&w, post("/api/export", bad)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(!out.exists(), "nothing written for an invalid change");
    let change =
        json!({"scenario": "closer2home", "changes": {"services.home_treatment.places": 19}});
    let (status, v) = call(&w, post("/api/export", change)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["path"], out.join("report.html").display().to_string());
    for f in [
        "report.html",
        "summary.csv",
        "comparison.csv",
        "manifest.json",
        "closer2home_changed/summary.csv",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
}
