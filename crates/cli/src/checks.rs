//! The checks' verdict in the terminal: each failed check on stderr, then how many failed.

use crate::failure::Failure;
use carepath_experiment::verdict::Outcome;

/// Reports failed checks on stderr; `Err` when any failed.
pub fn print(outcomes: &[Outcome]) -> Result<(), Failure> {
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.passed).collect();
    for o in &failed {
        let figure = match (o.mean, o.ci_low, o.ci_high) {
            (Some(m), Some(lo), Some(hi)) => format!("{m:.4} (95% CI {lo:.4} to {hi:.4})"),
            (Some(m), _, _) => format!("{m:.4}"),
            _ => "no value".to_string(),
        };
        eprintln!("check failed: {}: {} — got {figure}", o.scenario, o.check);
    }
    if failed.is_empty() {
        if !outcomes.is_empty() {
            eprintln!("all {} checks passed", outcomes.len());
        }
        Ok(())
    } else {
        eprintln!("{} of {} checks failed", failed.len(), outcomes.len());
        Err(Failure::Checks)
    }
}
