//! carepath-serve: `carepath serve`, the workshop page. It lists the scenarios; for the one chosen it shows
//! the key inputs as controls, each with its unit and the source its file cites, and after
//! each change re-runs that scenario against the reference with the same seeds and redraws
//! the report's first screen beside the file's own values.
//!
//! A change from the page becomes a `--set` for the config loader, so it passes exactly the
//! checks a file does and fails with the same message. Runs go to one rayon pool, off the
//! async threads; a viewer's newer change cancels its older run. The page, its script and its
//! style are compiled into the binary, so it works offline.
//!
//! Endpoints: `GET /` the page; `GET /api/scenarios/{name}` a scenario's controls;
//! `POST /api/run` a re-run; `GET /api/progress?viewer=…` its progress; `POST /api/save` save
//! as a scenario; `POST /api/export` write the usual output folder. Errors are JSON
//! `{"errors": [{"key", "message", "help"}]}` with a 4xx status.
// An error here is the HTTP answer itself, made once per request: boxing it buys nothing.
#![allow(clippy::result_large_err)]

mod controls;
mod page;
mod save;
mod workshop;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carepath_report::publish;
use carepath_scenario::{self as config, ConfigError, LoadOptions};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use workshop::{Refused, Workshop};

/// Why `serve` stopped.
pub enum Failure {
    /// The scenario files or arguments are invalid: exit 2.
    Invalid(Vec<ConfigError>),
    /// The address could not be used, or the server failed: exit 3.
    Io(String),
}

/// What `serve` is asked: the scenarios, where to listen, and how each re-run is made.
#[derive(Debug, Clone)]
pub struct ServeRequest {
    /// Scenario files or directories of them.
    pub files: Vec<PathBuf>,
    /// Port to listen on (0: any free port; the address is printed).
    pub port: u16,
    /// Address to listen on; anything but loopback is warned about.
    pub host: IpAddr,
    /// Open the page in the default browser.
    pub open: bool,
    /// Replications per re-run (default: as many as take about half a second here).
    pub reps: Option<u32>,
    /// The scenario the others are compared against.
    pub baseline: Option<String>,
    pub threads: Option<usize>,
    /// Where "export report" writes the outputs.
    pub out: PathBuf,
}

/// Loads the scenarios, then serves the page until interrupted.
pub fn serve(args: ServeRequest) -> Result<(), Failure> {
    let workshop = Workshop::open(
        &args.files,
        args.baseline.as_deref(),
        args.reps,
        args.threads,
        args.out.clone(),
    )
    .map_err(|e| match e {
        Ok(errors) => Failure::Invalid(errors),
        Err(message) => Failure::Io(message),
    })?;
    let reps = workshop.reps;
    let app = router(Arc::new(workshop));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Io(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((args.host, args.port))
            .await
            .map_err(|e| Failure::Io(format!("cannot listen on {}:{}: {e}", args.host, args.port)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::Io(e.to_string()))?;
        if !args.host.is_loopback() {
            eprintln!(
                "warning: listening on {addr}: anyone who can reach this machine can open the page, \
                 run scenarios and save files next to them"
            );
        }
        let url = format!("http://{addr}/");
        println!("carepath workshop at {url} ({reps} replications a re-run); Ctrl-C stops it");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        if args.open {
            open_browser(&url);
        }
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Failure::Io(format!("the server failed: {e}")))
    })
}

/// Opens `url` in the desktop's browser; a failure only means the facilitator opens it.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener).arg(url).spawn().is_err() {
        eprintln!("could not open a browser: open {url}");
    }
}

/// The routes, on a workshop's state.
fn router(w: Arc<Workshop>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api/scenarios/{name}", get(scenario))
        .route("/api/run", post(run))
        .route("/api/progress", get(progress))
        .route("/api/save", post(save))
        .route("/api/export", post(export))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "", "no such page".into()) })
        .with_state(w)
}

/// A 4xx/5xx answer with one message.
fn error(status: StatusCode, key: &str, message: String) -> Response {
    let body = json!({"errors": [{"key": key, "message": message, "help": null}]});
    (status, Json(body)).into_response()
}

/// The loader's errors, each with the key it concerns, for the page to show beside it.
fn invalid(errors: &[ConfigError]) -> Response {
    let list: Vec<_> = errors
        .iter()
        .map(|e| json!({"key": e.key, "message": e.message, "help": e.help}))
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"errors": list})),
    )
        .into_response()
}

async fn index(State(w): State<Arc<Workshop>>) -> Html<String> {
    Html(page::index(&w))
}

async fn scenario(State(w): State<Arc<Workshop>>, UrlPath(name): UrlPath<String>) -> Response {
    match w.entry(&name) {
        Some((_, e)) => Json(json!({
            "name": e.scenario.name,
            "replications": w.reps,
            "controls": e.controls,
            "html": page::controls(&e.scenario.name, &e.scenario.scenario.description, &e.controls),
        }))
        .into_response(),
        None => unknown(&name),
    }
}

fn unknown(name: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "scenario",
        format!("no scenario named `{name}` is served"),
    )
}

/// A request to re-run, save or export a scenario with changes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    scenario: String,
    /// Key → value, as `--set key=value` takes them: text in TOML syntax, or a number.
    #[serde(default)]
    changes: BTreeMap<String, serde_json::Value>,
    /// Replications (default: the server's).
    #[serde(default)]
    reps: Option<u32>,
    /// Which viewer asks: a newer request from the same viewer cancels an older one.
    #[serde(default)]
    viewer: String,
    /// For "save as": the new scenario's name.
    #[serde(default)]
    name: Option<String>,
}

impl Change {
    /// The changes as `--set` values: JSON text as it is, numbers and booleans as written.
    fn sets(&self) -> Result<BTreeMap<String, String>, Response> {
        self.changes
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
                serde_json::Value::Number(n) => Ok((k.clone(), n.to_string())),
                serde_json::Value::Bool(b) => Ok((k.clone(), b.to_string())),
                _ => Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    k,
                    format!("`{k}`: expected a number or text in TOML syntax, found {v}"),
                )),
            })
            .collect()
    }
}

/// The body as a [`Change`], or the reason it is not one (400 for broken JSON, 422 for JSON
/// of the wrong shape, 415 without a JSON content type).
fn body(
    body: Result<Json<Change>, JsonRejection>,
) -> Result<(Change, BTreeMap<String, String>), Response> {
    let Json(change) = body.map_err(|r| error(r.status(), "", r.body_text()))?;
    if change.viewer.len() > 128 {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "viewer",
            "the viewer id is too long".into(),
        ));
    }
    if change.reps == Some(0) {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reps",
            "`reps`: at least one replication".into(),
        ));
    }
    let sets = change.sets()?;
    Ok((change, sets))
}

/// Runs blocking work (loading, simulating, writing) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "",
            format!("the re-run failed: {e}"),
        )
    })
}

fn refused(r: Refused) -> Response {
    match r {
        Refused::Invalid(errors) => invalid(&errors),
        Refused::Superseded => error(
            StatusCode::CONFLICT,
            "",
            "superseded by a newer change from the same viewer".into(),
        ),
        Refused::Unknown(name) => unknown(&name),
    }
}

async fn run(
    State(w): State<Arc<Workshop>>,
    json: Result<Json<Change>, JsonRejection>,
) -> Response {
    let (change, sets) = match body(json) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let result = blocking(move || {
        let viewer = w.viewer(&change.viewer);
        let outcome = w
            .rerun(&change.scenario, &sets, change.reps, &viewer)
            .map_err(refused)?;
        let html = page::results(&w, &outcome)
            .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, "", e))?;
        let kpis: BTreeMap<String, f64> = outcome
            .changed
            .summary
            .kpis
            .iter()
            .filter(|k| {
                k.key.subject.is_empty() && k.key.period == carepath_engine::Period::Overall
            })
            .map(|k| (k.key.metric.name().to_string(), k.estimate.mean))
            .collect();
        Ok::<_, Response>(
            Json(json!({
                "html": html,
                "replications": outcome.changed.summary.replications,
                "seed": outcome.changed.summary.seed,
                "seconds": outcome.seconds,
                "kpis": kpis,
            }))
            .into_response(),
        )
    })
    .await;
    match result {
        Ok(Ok(r)) | Ok(Err(r)) | Err(r) => r,
    }
}

#[derive(Debug, Deserialize)]
struct Who {
    viewer: String,
}

async fn progress(
    State(w): State<Arc<Workshop>>,
    who: Result<Query<Who>, QueryRejection>,
) -> Response {
    match who {
        Ok(Query(who)) => {
            let v = w.viewer(&who.viewer);
            Json(json!({
                "done": v.done.load(Ordering::Relaxed),
                "total": v.total.load(Ordering::Relaxed),
            }))
            .into_response()
        }
        Err(r) => error(r.status(), "viewer", r.body_text()),
    }
}

async fn save(
    State(w): State<Arc<Workshop>>,
    json: Result<Json<Change>, JsonRejection>,
) -> Response {
    let (change, sets) = match body(json) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let result = blocking(move || save_file(&w, &change, &sets)).await;
    match result {
        Ok(Ok(r)) | Ok(Err(r)) | Err(r) => r,
    }
}

/// Writes the new scenario beside the original, never over an existing file, and checks it
/// loads; a file that does not is removed again.
fn save_file(
    w: &Workshop,
    change: &Change,
    sets: &BTreeMap<String, String>,
) -> Result<Response, Response> {
    let name = change.name.clone().unwrap_or_default();
    if !save::valid_name(&name) {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
            format!(
                "{name:?} cannot name a scenario: use letters, digits, `_` or `-` (at most 64)"
            ),
        ));
    }
    let (i, entry) = w
        .entry(&change.scenario)
        .ok_or_else(|| unknown(&change.scenario))?;
    if w.entry(&name).is_some() {
        return Err(error(
            StatusCode::CONFLICT,
            "name",
            format!("a scenario named `{name}` is already served"),
        ));
    }
    let reps = change.reps.unwrap_or(w.reps);
    // The changes pass the same checks as a re-run before anything is written.
    w.load(
        i,
        sets.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        reps,
    )
    .map_err(|e| invalid(&e))?;
    let original = &entry.scenario;
    let extends = workshop::file_name(&original.path);
    let text = save::scenario_text(original, &extends, &name, sets, &entry.controls, Some(reps))
        .map_err(|m| error(StatusCode::UNPROCESSABLE_ENTITY, "", m))?;
    let path = original.path.with_file_name(format!("{name}.toml"));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    if let Err(e) = written {
        let status = if e.kind() == std::io::ErrorKind::AlreadyExists {
            StatusCode::CONFLICT
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        return Err(error(
            status,
            "name",
            format!("cannot write {}: {e}", path.display()),
        ));
    }
    if let Err(errors) = config::load(std::slice::from_ref(&path), &LoadOptions::default()) {
        let _ = std::fs::remove_file(&path);
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "",
            text.join("\n"),
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"path": path.display().to_string(), "text": text})),
    )
        .into_response())
}

async fn export(
    State(w): State<Arc<Workshop>>,
    json: Result<Json<Change>, JsonRejection>,
) -> Response {
    let (change, sets) = match body(json) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let result = blocking(move || export_run(&w, &change, &sets)).await;
    match result {
        Ok(Ok(r)) | Ok(Err(r)) | Err(r) => r,
    }
}

/// Runs the reference, the file as written and the change, and publishes them as `run` does.
fn export_run(
    w: &Workshop,
    change: &Change,
    sets: &BTreeMap<String, String>,
) -> Result<Response, Response> {
    let (i, _) = w
        .entry(&change.scenario)
        .ok_or_else(|| unknown(&change.scenario))?;
    let reps = change.reps.unwrap_or(w.reps);
    let sets_list = || sets.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut changed = w.load(i, sets_list(), reps).map_err(|e| invalid(&e))?;
    changed.name = format!("{}_changed", changed.name);
    let mut scenarios = vec![w
        .load(w.reference, Vec::new(), reps)
        .map_err(|e| invalid(&e))?];
    if i != w.reference {
        scenarios.push(w.load(i, Vec::new(), reps).map_err(|e| invalid(&e))?);
    }
    scenarios.push(changed);
    let fail = |m: String| error(StatusCode::INTERNAL_SERVER_ERROR, "", m);
    let (summaries, timing) = w.run_all(&scenarios).map_err(fail)?;
    let reference = scenarios[0].name.clone();
    // One export at a time per folder (and none while a `carepath run` writes there).
    let dir = carepath_report::outdir::OutDir::open(&w.out).map_err(|e| match e {
        carepath_report::outdir::OpenError::Refused(m) => error(StatusCode::CONFLICT, "", m),
        carepath_report::outdir::OpenError::Io(m) => fail(m),
    })?;
    let results = carepath_experiment::results::results(
        &scenarios,
        summaries,
        Some(&reference),
        &[],
        Vec::new(),
    )
    .map_err(|e| fail(e.to_string()))?;
    let published =
        publish::publish(results, &scenarios, &timing, &dir, &[]).map_err(|e| fail(e.chain()))?;
    Ok(
        Json(json!({"path": published.out.join("report.html").display().to_string()}))
            .into_response(),
    )
}

#[cfg(test)]
mod tests;
