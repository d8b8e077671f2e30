//! `carepath solve`: the search (`carepath_experiment::solve`) published with its chart.

use crate::cli::SolveArgs;
use crate::{publish, say, verdict, Failure};
use carepath_experiment::solve::{search, SolveRequest};
use std::fmt::Write as _;

/// The request `solve`'s arguments make.
pub fn request(args: &SolveArgs) -> SolveRequest {
    SolveRequest {
        file: args.file.clone(),
        vary: args.vary.clone(),
        target: args.target.clone(),
        confidence: args.confidence,
        per_replication: args.per_replication,
        largest: args.largest,
        minimise: args.minimise.clone(),
        max_reps: args.max_reps,
        options: crate::load_options(&args.common, Vec::new()),
        threads: args.common.threads,
        checks: args.common.checks.clone(),
    }
}

/// Checks the arguments, runs the search and publishes the answer.
pub fn solve(args: SolveArgs) -> Result<(), Failure> {
    let solved = search(&request(&args))?;
    let Some(answer) = solved.answer else {
        eprint!("{}", solved.table);
        eprintln!("{}", solved.infeasible);
        return Err(Failure::Checks);
    };
    let dir = crate::open_out(&args.common.out)?;
    let published = publish::publish(
        &answer.scenarios,
        answer.summaries,
        None,
        &solved.checks,
        &answer.timing,
        &dir,
        publish::Extras {
            files: &publish::solve_files(&solved.csv, &answer.plot).map_err(Failure::Io)?,
            ..Default::default()
        },
    )
    .map_err(Failure::Io)?;
    let outcomes = verdict::evaluate(&answer.scenarios, &published.runs, &solved.checks);
    if args.common.json {
        say(&format!("{}\n", answer.json))?;
    } else {
        let mut text = format!("{}\n", solved.question);
        text.push_str(&solved.table);
        let _ = writeln!(text, "{}", answer.words);
        let _ = writeln!(
            text,
            "{} candidates run; wrote {}, {} and {}",
            solved.candidates,
            args.common.out.join("solve/solve.csv").display(),
            args.common.out.join("solve/solve.png").display(),
            args.common.out.join("report.html").display()
        );
        say(&text)?;
    }
    crate::checks::print(&outcomes)
}
