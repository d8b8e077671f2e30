//! Every endpoint over HTTP (requests through the router, as the socket would hand them over):
//! good requests, broken JSON, wrong shapes, out-of-range values and unknown keys.

use super::*;
use axum::body::Body;
use axum::http::{header, Request};
use carepath_experiment::exec;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
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
    let slow = json!({"scenario": "closer2home", "reps": w.max_reps(), "viewer": "v1"});
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
            assert_eq!(p["total"], 3 * w.max_reps(), "reference, file and change");
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

/// The viewer's progress: (replications done, of how many).
async fn progress_of(w: &Arc<Workshop>, viewer: &str) -> (u64, u64) {
    let (_, p) = call(w, get(&format!("/api/progress?viewer={viewer}"))).await;
    (p["done"].as_u64().unwrap(), p["total"].as_u64().unwrap())
}

/// Waits until `viewer`'s run has begun computing.
async fn under_way(w: &Arc<Workshop>, viewer: &str) {
    for _ in 0..1000 {
        if progress_of(w, viewer).await.0 > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{viewer}'s run did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_for_more_replications_than_the_cap_is_refused() {
    let (_dir, w) = workshop();
    assert_eq!(w.max_reps(), workshop::MAX_REQUEST_REPS);
    let too_many = json!({"scenario": "closer2home", "reps": w.max_reps() + 1});
    let (status, v) = call(&w, post("/api/run", too_many.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"][0]["key"], "reps");
    assert!(message(&v).contains("at most 2000"), "{v}");
    assert_eq!(
        call(&w, post("/api/export", too_many)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(!w.out.exists());
}

/// Fairness, with the bound stated: while one viewer's request at the cap computes (6,000
/// replications here, some seconds), another viewer's ordinary re-run is answered within
/// 2 s (alone it takes under 0.2 s), before the large one is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_request_does_not_hold_up_an_ordinary_one() {
    let (_dir, w) = workshop();
    let ordinary = |places: u32| {
        post(
            "/api/run",
            json!({"scenario": "closer2home", "viewer": "b",
                   "changes": {"services.home_treatment.places": places}}),
        )
    };
    // The files' runs at the page's count are kept: the ordinary re-run is then one run.
    assert_eq!(call(&w, ordinary(16)).await.0, StatusCode::OK);
    let large = json!({"scenario": "day_hospital", "reps": w.max_reps(), "viewer": "a"});
    let big = tokio::spawn({
        let w = w.clone();
        async move { call(&w, post("/api/run", large)).await }
    });
    under_way(&w, "a").await;
    let start = Instant::now();
    let (status, v) = call(&w, ordinary(17)).await;
    let took = start.elapsed();
    let (done, total) = progress_of(&w, "a").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(
        done < total,
        "the large run is still computing ({done} of {total})"
    );
    assert!(
        took < Duration::from_secs(2),
        "the ordinary re-run took {took:?}"
    );
    assert_eq!(big.await.unwrap().0, StatusCode::OK);
}

/// A client that leaves stops its run: the replications done stop growing at once, short
/// of the run's total, and its turn is free for the next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stops_when_its_client_goes() {
    let (_dir, w) = workshop();
    let large = json!({"scenario": "closer2home", "reps": w.max_reps(), "viewer": "a"});
    let client = tokio::spawn({
        let w = w.clone();
        async move { call(&w, post("/api/run", large)).await }
    });
    under_way(&w, "a").await;
    client.abort();
    let _ = client.await;
    // Within a replication per worker, the run stops.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (stopped_at, total) = progress_of(&w, "a").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(progress_of(&w, "a").await, (stopped_at, total));
    assert!(stopped_at < total, "{stopped_at} of {total}");
    assert_eq!(w.turns.available_permits(), workshop::MAX_RUNS);
    assert_eq!(w.large_turn.available_permits(), 1);
}

/// Runs of the files at counts other than the page's own are kept for the most recent few
/// counts only; the page's own are kept for every scenario.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kept_runs_are_bounded() {
    let (_dir, w) = workshop();
    let at = |reps: u32| post("/api/run", json!({"scenario": "closer2home", "reps": reps}));
    let counts: Vec<u32> = (0..workshop::KEPT_OTHER_COUNTS as u32 + 2)
        .map(|k| 3 + k)
        .collect();
    for &reps in &counts {
        assert_eq!(call(&w, at(reps)).await.0, StatusCode::OK);
    }
    assert_eq!(w.kept(), workshop::KEPT_OTHER_COUNTS);
    for name in ["baseline", "closer2home", "day_hospital"] {
        let (status, _) = call(&w, post("/api/run", json!({"scenario": name}))).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(w.kept(), workshop::KEPT_OTHER_COUNTS + 3);
    // The most recent count is kept (only the change runs), the oldest was freed (all three).
    let last = *counts.last().unwrap();
    call(&w, at(last)).await;
    assert_eq!(progress_of(&w, "").await.1, u64::from(last));
    call(&w, at(counts[0])).await;
    assert_eq!(progress_of(&w, "").await.1, 3 * u64::from(counts[0]));
}

/// Over a socket: a connection that sends nothing, or half its headers, is closed after the
/// header limit; one that stops halfway through its body is answered 408; one whose run
/// computes for longer than the limit is answered in full; beyond the bound on connections,
/// the next waits for a free one; Ctrl-C's shutdown ends the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_sent_connections_are_let_go() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    let (_dir, w) = workshop();
    let reps = w.max_reps();
    let limits = Limits {
        headers: Duration::from_millis(300),
        body: Duration::from_millis(300),
        connections: 4,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(listen(listener, router_within(w, limits), limits, async {
        let _ = stopped.await;
    }));
    // What the server sends before it closes the connection, within 30 s.
    let answer = |mut c: TcpStream| async move {
        let mut got = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), c.read_to_end(&mut got))
            .await
            .expect("closed within 30 s")
            .unwrap();
        String::from_utf8_lossy(&got).into_owned()
    };
    // A request that computes for several times the header limit is answered in full.
    let mut long = TcpStream::connect(addr).await.unwrap();
    let body = json!({"scenario": "closer2home", "reps": reps}).to_string();
    let head = format!(
        "POST /api/run HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let start = Instant::now();
    long.write_all((head + &body).as_bytes()).await.unwrap();
    let long = tokio::spawn(answer(long));
    let idle = TcpStream::connect(addr).await.unwrap();
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"POST /api/run HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut half_body = TcpStream::connect(addr).await.unwrap();
    half_body
        .write_all(b"POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"scen")
        .await
        .unwrap();
    // A fifth waits for one of the four to be let go, then is served.
    let mut fifth = TcpStream::connect(addr).await.unwrap();
    fifth
        .write_all(b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(answer(idle).await, "");
    assert_eq!(answer(half).await, "");
    let timed_out = answer(half_body).await;
    assert!(timed_out.starts_with("HTTP/1.1 408"), "{timed_out}");
    let served = answer(fifth).await;
    assert!(served.starts_with("HTTP/1.1 404"), "{served}");
    let answered = long.await.unwrap();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    assert!(
        start.elapsed() > 2 * limits.headers,
        "{:?}",
        start.elapsed()
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops")
        .unwrap();
}
