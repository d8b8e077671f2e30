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
//!
//! The server is hyper's HTTP/1 with its timer, so that a connection that sends nothing, or
//! half a request's headers, is closed after [`LIMITS`]' `headers`; a body must arrive within
//! `body`; at most `connections` are open at once (more wait in the listener's queue). A run
//! stops between replications once its client has gone (the handler's future is dropped).
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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use workshop::{Refused, Workshop};

/// What a connection may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// To send a request's headers, from the moment the connection opens or the previous
    /// answer was sent (so also how long an idle connection is kept).
    pub headers: Duration,
    /// To send a request's body, once its headers are in.
    pub body: Duration,
    /// Connections open at once.
    pub connections: usize,
}

/// The server's limits: generous for a browser on the room's network, short enough that
/// connections left open or half-sent are let go within seconds.
pub const LIMITS: Limits = Limits {
    headers: Duration::from_secs(10),
    body: Duration::from_secs(10),
    connections: 256,
};

/// The largest request body: a change names a few keys and values.
const MAX_BODY: usize = 64 * 1024;

/// How long Ctrl-C waits for the requests in flight to be answered.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

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
        listen(listener, app, LIMITS, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        Ok(())
    })
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then lets the
/// requests in flight finish (for at most [`SHUTDOWN_GRACE`]).
async fn listen(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tokio::sync::Semaphore;
    let slots = Arc::new(Semaphore::new(limits.connections));
    let (closing, closed) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it was accepted:
                // pause rather than spin, then accept again.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut closed = closed.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.headers);
            let conn = http.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = closed.changed() => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
    }
    drop(closing);
    let every = u32::try_from(limits.connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(every)).await;
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

/// The routes, on a workshop's state, with the server's [`LIMITS`].
fn router(w: Arc<Workshop>) -> Router {
    router_within(w, LIMITS)
}

fn router_within(w: Arc<Workshop>, limits: Limits) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api/scenarios/{name}", get(scenario))
        .route("/api/run", post(run))
        .route("/api/progress", get(progress))
        .route("/api/save", post(save))
        .route("/api/export", post(export))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "", "no such page".into()) })
        .layer(axum::middleware::from_fn_with_state(
            limits.body,
            whole_body,
        ))
        .with_state(w)
}

/// Reads the whole body within `limit` (and at most [`MAX_BODY`]) before the route sees it,
/// so a client that sends half a request and stops is answered 408 and let go, not held.
async fn whole_body(
    State(limit): State<Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(limit, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => {
            next.run(axum::extract::Request::from_parts(parts, bytes.into()))
                .await
        }
        Ok(Err(e)) => {
            let too_long = std::error::Error::source(&e)
                .is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
            if too_long {
                error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "",
                    format!("a request's body is at most {} kB", MAX_BODY / 1024),
                )
            } else {
                error(
                    StatusCode::BAD_REQUEST,
                    "",
                    format!("the request's body could not be read: {e}"),
                )
            }
        }
        Err(_) => error(
            StatusCode::REQUEST_TIMEOUT,
            "",
            format!(
                "the request's body did not arrive within {} s",
                limit.as_secs_f64()
            ),
        ),
    }
}

/// Set when dropped. A handler holds one while its run computes: hyper drops the handler's
/// future when its client goes, and the run then stops at its next replication.
#[derive(Default)]
struct Gone(Arc<AtomicBool>);

impl Drop for Gone {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A turn to compute ([`workshop::MAX_RUNS`] in all, one of them for runs of more
/// replications than the page's own), held until the run ends.
struct Turn {
    _turn: tokio::sync::OwnedSemaphorePermit,
    _large: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// Waits for a turn for a run of `reps` replications (the large turn first, so that a large
/// run waiting for it holds no ordinary turn).
async fn turn(w: &Workshop, reps: u32) -> Result<Turn, Response> {
    let closed = |_| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            "the server is stopping".into(),
        )
    };
    let large = if reps > w.reps {
        Some(w.large_turn.clone().acquire_owned().await.map_err(closed)?)
    } else {
        None
    };
    let turn = w.turns.clone().acquire_owned().await.map_err(closed)?;
    Ok(Turn {
        _turn: turn,
        _large: large,
    })
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
    w: &Workshop,
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
    if let Some(reps) = change.reps.filter(|&r| r > w.max_reps()) {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reps",
            format!(
                "`reps`: {reps} replications; a request may ask for at most {} (this page runs {})",
                w.max_reps(),
                w.reps
            ),
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
    let (change, sets) = match body(&w, json) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let viewer = w.viewer(&change.viewer);
    let generation = viewer.begin();
    let gone = Gone::default();
    let flag = gone.0.clone();
    let turn = match turn(&w, change.reps.unwrap_or(w.reps)).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let result = blocking(move || {
        let _turn = turn;
        let outcome = w
            .rerun(
                &change.scenario,
                &sets,
                change.reps,
                &viewer,
                generation,
                &flag,
            )
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
    drop(gone);
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
    let (change, sets) = match body(&w, json) {
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
    let (change, sets) = match body(&w, json) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let gone = Gone::default();
    let flag = gone.0.clone();
    let turn = match turn(&w, change.reps.unwrap_or(w.reps)).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let result = blocking(move || {
        let _turn = turn;
        export_run(&w, &change, &sets, &flag)
    })
    .await;
    drop(gone);
    match result {
        Ok(Ok(r)) | Ok(Err(r)) | Err(r) => r,
    }
}

/// Runs the reference, the file as written and the change, and publishes them as `run` does.
fn export_run(
    w: &Workshop,
    change: &Change,
    sets: &BTreeMap<String, String>,
    gone: &AtomicBool,
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
    let Some((summaries, timing)) = w.run_all(&scenarios, gone).map_err(fail)? else {
        // The client has gone: nobody reads this, and nothing was written.
        return Err(error(
            StatusCode::CONFLICT,
            "",
            "the export was cancelled".into(),
        ));
    };
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
