//! "Is this run long enough?" in the terminal: a line per scenario after a run, and the
//! `advise` command, which prints only that.

use crate::args::AdviseArgs;
use crate::failure::Failure;
use crate::say;
use carepath_engine::Summary;
use carepath_experiment::advice::{advice_json, precision, warmups, Warmup};
use carepath_experiment::exec;
use carepath_experiment::results::ScenarioRun;
use carepath_experiment::{Error, Invalid};
use carepath_report::format;
use std::fmt::Write as _;

/// A line per scenario for the terminal, a warning where the run is too short.
pub fn text(runs: &[ScenarioRun]) -> String {
    runs.iter()
        .map(|r| line(&r.display_name(), &r.summary, r.warmup.as_ref()))
        .collect()
}

fn line(name: &str, summary: &Summary, warmup: Option<&Warmup>) -> String {
    {
        let mut line = format!("Is {name} long enough? ");
        let mut warn = false;
        if let Some(w) = warmup {
            if let Some(p) = w.recommended() {
                let _ = write!(
                    line,
                    "warm-up {} days, {} suggests {} ({}); ",
                    w.used_days,
                    p.rule.name(),
                    p.days,
                    p.label
                );
                warn |= w.too_short();
            }
        }
        let precision = precision(summary);
        let most = precision
            .iter()
            .filter_map(|(m, p)| Some((m, p.needed?)))
            .max_by_key(|(_, n)| n.replications);
        if let Some((m, n)) = most {
            let _ = write!(
                line,
                "{} replications, ±5 % needs {}{} ({})",
                summary.replications,
                if n.reached { "" } else { "about " },
                format::number(f64::from(n.replications)),
                m.label()
            );
            warn |= n.replications > summary.replications;
        }
        if warn {
            line = format!("warning: {line}");
        }
        format!("{}\n", line.trim_end_matches("; "))
    }
}

/// `carepath advise`: runs the scenarios and their warm-up pilots and prints only the advice.
pub fn advise(args: AdviseArgs) -> Result<(), Failure> {
    let opts = args.common.options(Vec::new());
    let scenarios = carepath_scenario::load(&args.files, &opts).map_err(Invalid::Files)?;
    let (summaries, _) = exec::run_all(&scenarios, args.common.threads).map_err(Error::from)?;
    let warmups = warmups(&scenarios, args.common.threads)?;
    if args.common.json {
        let all: Vec<serde_json::Value> = scenarios
            .iter()
            .zip(&summaries)
            .zip(&warmups)
            .map(|((s, summary), w)| {
                serde_json::json!({ "scenario": s.name, "advice": advice_json(summary, w.as_ref()) })
            })
            .collect();
        let text = serde_json::to_string_pretty(&all).unwrap_or_default();
        say(&format!("{text}\n"))
    } else {
        let text: String = scenarios
            .iter()
            .zip(&summaries)
            .zip(&warmups)
            .map(|((s, summary), w)| line(&s.name, summary, w.as_ref()))
            .collect();
        say(&text)
    }
}
