//! `carepath solve`: the search (`carepath_experiment::solve`) published with its chart.

use crate::args::SolveArgs;
use crate::failure::Failure;
use crate::{checks, run::open_out, say};
use carepath_experiment::solve::search;
use carepath_experiment::{results, verdict};
use carepath_report::publish;
use std::fmt::Write as _;

/// Checks the arguments, runs the search and publishes the answer.
pub fn solve(args: SolveArgs) -> Result<(), Failure> {
    let solved = search(&args.request())?;
    let Some(answer) = solved.answer else {
        eprint!("{}", solved.table);
        eprintln!("{}", solved.infeasible);
        return Err(Failure::Checks);
    };
    let dir = open_out(&args.common.out)?;
    // As a run without a warm-up pilot: the chosen point is a sweep point.
    let results = results::results(
        &answer.scenarios,
        answer.summaries,
        None,
        &solved.checks,
        Vec::new(),
    )?;
    let files = publish::solve_files(&solved.csv, &answer.plot)?;
    let published = publish::publish(results, &answer.scenarios, &answer.timing, &dir, &files)?;
    let outcomes = verdict::evaluate(&answer.scenarios, &published.runs, &solved.checks);
    if args.common.json {
        say(&format!("{}\n", answer.json))?;
    } else {
        let mut text = format!("{}\n", solved.question);
        text.push_str(&solved.table);
        let _ = writeln!(text, "{}", answer.words);
        let _ = writeln!(
            text,
            "{} {} run; wrote {}, {} and {}",
            solved.candidates,
            if solved.candidates == 1 {
                "candidate"
            } else {
                "candidates"
            },
            args.common.out.join("solve/solve.csv").display(),
            args.common.out.join("solve/solve.png").display(),
            args.common.out.join("report.html").display()
        );
        say(&text)?;
    }
    checks::print(&outcomes)
}
