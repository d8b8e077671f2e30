//! The native half of the `carepath` Python package: scenarios loaded, run and solved by the
//! same library calls as the `carepath` command, so a notebook gets the command's numbers byte
//! for byte. The Python half (`python/carepath/`) turns the CSV text into pandas DataFrames.
//!
//! Bad input raises `carepath.ScenarioError` with the command's located messages; nothing here
//! panics on input, and the simulation runs without holding the interpreter.

mod inputs;

use carepath_experiment::results::{self, Results};
use carepath_experiment::solve::SolveRequest;
use carepath_experiment::{exec, verdict, Error as Failure, Invalid, RunRequest};
use carepath_report::outdir;
use carepath_report::publish;
use carepath_scenario::{Check, ConfigError, LoadOptions, LoadedScenario};
use inputs::Inputs;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::PathBuf;

pyo3::create_exception!(
    carepath,
    ScenarioError,
    PyValueError,
    "Invalid scenarios or options: the message is the command's, one located error a line; \
     `errors` holds each as a dict (file, line, col, key, message, help)."
);

/// A finished run in memory: what `carepath run` would publish, before it is written.
#[pyclass(module = "carepath._native", frozen)]
struct NativeRun {
    scenarios: Vec<LoadedScenario>,
    checks: Vec<Check>,
    results: Results,
    timing: exec::Timing,
    /// Files published beside the outputs (the search of `solve`).
    files: Vec<(String, Vec<u8>)>,
    /// What the caller named as scenarios, so that a dict's errors name the dict.
    inputs: Inputs,
}

#[pymethods]
impl NativeRun {
    /// The scenarios' names, in the order they ran.
    fn names(&self) -> Vec<String> {
        self.results.runs.iter().map(|r| r.name.clone()).collect()
    }

    /// The name of the scenario the others are compared with.
    fn reference(&self) -> Option<String> {
        self.results
            .reference
            .map(|i| self.results.runs[i].name.clone())
    }

    /// `summary.csv`.
    fn summary_csv<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &publish::summary_csv(&self.results))
    }

    /// `comparison.csv`.
    fn comparison_csv<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &publish::comparison_csv(&self.results))
    }

    /// `<scenario>/daily.csv` of the scenario at `index`.
    fn daily_csv<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyBytes>> {
        let run = self.run(index)?;
        Ok(PyBytes::new(
            py,
            &carepath_report::output::daily_csv(&run.summary),
        ))
    }

    /// `<scenario>/occupancy.csv` of the scenario at `index`.
    fn occupancy_csv<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyBytes>> {
        let run = self.run(index)?;
        Ok(PyBytes::new(
            py,
            &carepath_report::output::occupancy_csv(&run.summary),
        ))
    }

    /// `<scenario>/summary.json` of the scenario at `index`.
    fn summary_json(&self, index: usize) -> PyResult<String> {
        let run = self.run(index)?;
        Ok(String::from_utf8_lossy(&publish::summary_json(run)).into_owned())
    }

    /// `uncertainty.csv` and `sensitivity.csv`, with parameter draws (else `None`).
    fn uncertainty_csvs<'py>(
        &self,
        py: Python<'py>,
    ) -> Option<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        publish::uncertainty_csvs(&self.results)
            .map(|(u, s)| (PyBytes::new(py, &u), PyBytes::new(py, &s)))
    }

    /// Every check on every scenario, as `--json` lists them.
    fn checks_json(&self) -> String {
        let outcomes = verdict::evaluate(&self.scenarios, &self.results.runs, &self.checks);
        serde_json::to_string(&outcomes).unwrap_or_default()
    }

    /// Publishes the outputs to `out`, as `carepath run --out` does: whole or not at all.
    fn write(&self, py: Python<'_>, out: PathBuf) -> PyResult<String> {
        py.detach(|| {
            let dir = outdir::OutDir::open(&out).map_err(|e| match e {
                outdir::OpenError::Refused(m) => Failure::Invalid(Invalid::Usage(m)),
                outdir::OpenError::Io(m) => Failure::Io(m),
            })?;
            publish::write(
                &self.results,
                &self.scenarios,
                &self.timing,
                &dir,
                &self.files,
            )
            .map_err(|e| Failure::Io(e.chain()))
        })
        .map_err(|f| self.inputs.error(f))?;
        Ok(out.join("report.html").display().to_string())
    }

    /// Seconds the simulation took, events simulated and worker threads.
    fn timing(&self) -> (f64, u64, usize) {
        let t = &self.timing;
        (t.elapsed.as_secs_f64(), t.events, t.threads)
    }
}

impl NativeRun {
    fn run(&self, index: usize) -> PyResult<&carepath_experiment::results::ScenarioRun> {
        self.results
            .runs
            .get(index)
            .ok_or_else(|| PyValueError::new_err(format!("no scenario at index {index}")))
    }
}

/// Runs `work` off the interpreter and checks for Ctrl-C every 20 ms meanwhile: the
/// interpreter takes SIGINT itself and would raise `KeyboardInterrupt` only once `work`
/// returned. On Ctrl-C the run is asked to stop (its workers finish the replication they are
/// on, nothing is published) and the interpreter's `KeyboardInterrupt` is raised.
fn interruptible<T: Send>(py: Python<'_>, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    use carepath_experiment::interrupt;
    interrupt::clear();
    let (value, stopped) = py.detach(|| {
        std::thread::scope(|scope| {
            let running = scope.spawn(work);
            let mut stopped = None;
            while !running.is_finished() {
                std::thread::sleep(std::time::Duration::from_millis(20));
                if stopped.is_none() {
                    if let Err(e) = Python::attach(|py| py.check_signals()) {
                        interrupt::request();
                        stopped = Some(e);
                    }
                }
            }
            let value = running
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (value, stopped)
        })
    });
    interrupt::clear();
    match stopped {
        Some(e) => Err(e),
        None => Ok(value),
    }
}

/// Loads, checks and runs scenarios as `carepath run` does, keeping the results in memory.
#[pyfunction]
#[pyo3(signature = (inputs, *, reps=None, seed=None, threads=None, sets=Vec::new(), sweeps=Vec::new(), checks=Vec::new(), baseline=None))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    inputs: &Bound<'_, PyAny>,
    reps: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    sets: Vec<String>,
    sweeps: Vec<String>,
    checks: Vec<String>,
    baseline: Option<String>,
) -> PyResult<NativeRun> {
    let inputs = Inputs::from_python(inputs)?;
    let opts = LoadOptions {
        sets,
        sweeps,
        reps,
        seed,
    };
    let request = RunRequest {
        sources: inputs.sources.clone(),
        options: opts,
        checks,
        baseline,
        threads,
        memory_limit: None,
    };
    let done = interruptible(py, || request.load()?.run())?;
    let run = done.map_err(|f| inputs.error(f))?;
    let (scenarios, checks, results, timing) = (
        run.experiment.scenarios,
        run.experiment.checks,
        run.results,
        run.timing,
    );
    Ok(NativeRun {
        scenarios,
        checks,
        results,
        timing,
        files: Vec::new(),
        inputs,
    })
}

/// Checks scenarios without running them; returns each one's name and file.
#[pyfunction]
#[pyo3(signature = (inputs, *, sets=Vec::new(), sweeps=Vec::new()))]
fn validate(
    py: Python<'_>,
    inputs: &Bound<'_, PyAny>,
    sets: Vec<String>,
    sweeps: Vec<String>,
) -> PyResult<Vec<(String, String)>> {
    let inputs = Inputs::from_python(inputs)?;
    let opts = LoadOptions {
        sets,
        sweeps,
        ..LoadOptions::default()
    };
    let loaded = py
        .detach(|| carepath_scenario::load_sources(&inputs.sources, &opts))
        .map_err(|e| inputs.error(Failure::Invalid(Invalid::Files(e))))?;
    Ok(loaded
        .iter()
        .map(|s| (s.name.clone(), inputs.shown(&s.path)))
        .collect())
}

/// What `solve` found: the question, every candidate, and the answer with its run.
#[pyclass(module = "carepath._native", frozen)]
struct NativeSolved {
    #[pyo3(get)]
    question: String,
    /// `solve/solve.csv`.
    csv: Vec<u8>,
    /// The terminal's table of the candidates near the answer.
    #[pyo3(get)]
    table: String,
    /// As `solve --json` prints it; `None` when no value meets the target.
    #[pyo3(get)]
    answer: Option<String>,
    #[pyo3(get)]
    words: Option<String>,
    #[pyo3(get)]
    infeasible: String,
    run: Option<Py<NativeRun>>,
}

#[pymethods]
impl NativeSolved {
    fn csv<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.csv)
    }

    /// The chosen point's run (with `solve/` among its files), or `None`.
    fn run(&self, py: Python<'_>) -> Option<Py<NativeRun>> {
        self.run.as_ref().map(|r| r.clone_ref(py))
    }
}

/// Searches as `carepath solve` does.
#[pyfunction]
#[pyo3(signature = (file, vary, target, *, confidence=0.9, per_replication=false, largest=false, minimise=None, max_reps=None, reps=None, seed=None, threads=None, sets=Vec::new(), checks=Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn solve(
    py: Python<'_>,
    file: &Bound<'_, PyAny>,
    vary: Vec<String>,
    target: String,
    confidence: f64,
    per_replication: bool,
    largest: bool,
    minimise: Option<String>,
    max_reps: Option<u32>,
    reps: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    sets: Vec<String>,
    checks: Vec<String>,
) -> PyResult<NativeSolved> {
    let inputs = Inputs::from_python(file)?;
    let [scenario] = inputs.sources.as_slice() else {
        return Err(ScenarioError::new_err("`solve` takes one scenario file"));
    };
    let request = SolveRequest {
        scenario: scenario.clone(),
        vary,
        target,
        confidence,
        per_replication,
        largest,
        minimise,
        max_reps,
        options: LoadOptions {
            sets,
            sweeps: Vec::new(),
            reps,
            seed,
        },
        threads,
        checks,
    };
    let solved = interruptible(py, || carepath_experiment::solve::search(&request))?
        .map_err(|f| inputs.error(f))?;
    let (answer, words, run) = match solved.answer {
        None => (None, None, None),
        Some(a) => {
            // As the command publishes it: no warm-up pilot, the search's files beside it.
            let results =
                results::results(&a.scenarios, a.summaries, None, &solved.checks, Vec::new())
                    .map_err(|e| inputs.error(e))?;
            let run = NativeRun {
                scenarios: a.scenarios,
                checks: solved.checks,
                results,
                timing: a.timing,
                files: publish::solve_files(&solved.csv, &a.plot)
                    .map_err(|e| inputs.error(Failure::Io(e.chain())))?,
                inputs,
            };
            (
                Some(a.json.to_string()),
                Some(a.words),
                Some(Py::new(py, run)?),
            )
        }
    };
    Ok(NativeSolved {
        question: solved.question,
        csv: solved.csv,
        table: solved.table,
        answer,
        words,
        infeasible: solved.infeasible,
        run,
    })
}

/// One error as a dict, for `ScenarioError.errors`.
fn error_dict<'py>(py: Python<'py>, e: &ConfigError) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("file", e.file.display().to_string())?;
    d.set_item("line", e.line)?;
    d.set_item("col", e.col)?;
    d.set_item("key", &e.key)?;
    d.set_item("message", &e.message)?;
    d.set_item("help", &e.help)?;
    Ok(d)
}

/// A [`Failure`] as the Python exception it is: invalid input is a `ScenarioError` carrying
/// the command's message; files that cannot be written an `OSError`.
fn raise(failure: Failure) -> PyErr {
    match failure {
        Failure::Invalid(problem) => {
            let message = problem.to_string();
            Python::attach(|py| {
                let err = ScenarioError::new_err(message);
                let errors: Vec<Bound<'_, PyDict>> = match &problem {
                    Invalid::Files(errors) => errors
                        .iter()
                        .filter_map(|e| error_dict(py, e).ok())
                        .collect(),
                    Invalid::Stopped(e) => error_dict(py, e).into_iter().collect(),
                    Invalid::Usage(_) => Vec::new(),
                };
                if let Err(e) = err.value(py).setattr("errors", errors) {
                    return e;
                }
                err
            })
        }
        Failure::Io(message) => PyOSError::new_err(message),
        Failure::Interrupted => {
            pyo3::exceptions::PyKeyboardInterrupt::new_err("interrupted, nothing was published")
        }
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_class::<NativeRun>()?;
    m.add_class::<NativeSolved>()?;
    Ok(())
}
