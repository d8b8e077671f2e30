//! How much memory a run will need, estimated before it starts from the compiled scenarios, and
//! checked against a budget: a run that would exhaust the machine is refused with what drives
//! it and what to change, instead of growing until the system kills it.
//!
//! What grows with a run, per scenario:
//! - every replication's value of every KPI, kept for exact percentiles and paired
//!   comparisons: at most [`BYTES_PER_VALUE`] each (compressed, most take fewer);
//! - the daily series' counts, a row per day per series on each worker thread, and the
//!   series written from them: [`BYTES_PER_SERIES_DAY`] per series and day and thread.
//!
//! What one replication holds while it runs (young people, the event heap) is bounded by the
//! limits on referrals and capacity, and is small beside these.

use crate::{Error, Invalid};
use carepath_scenario::LoadedScenario;

/// The most one KPI value of one replication takes, kept until the summary is written.
pub const BYTES_PER_VALUE: u64 = 9;
/// A daily series' counts and summary per day, on each worker thread: a band of counts (a
/// few dozen for most series) and the series' mean and percentiles: the roadmap example
/// measures about 62 (README, Performance).
pub const BYTES_PER_SERIES_DAY: u64 = 96;

/// The estimate for one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// Every KPI value of every replication.
    pub values: u64,
    /// Daily series.
    pub daily: u64,
}

impl Need {
    pub fn total(&self) -> u64 {
        self.values.saturating_add(self.daily)
    }
}

/// What scenario `s` needs on `threads` worker threads.
pub fn need(s: &LoadedScenario, threads: usize) -> Need {
    let m = &s.model;
    let values = (m.kpi_keys().len() as u64)
        .saturating_mul(u64::from(s.runs()))
        .saturating_mul(BYTES_PER_VALUE);
    let daily = (m.daily_series() as u64)
        .saturating_mul(u64::from(m.days()))
        .saturating_mul(BYTES_PER_SERIES_DAY)
        .saturating_mul(threads as u64 + 1);
    Need { values, daily }
}

/// The default budget: half of the memory the process may use, the machine's (`MemTotal` in
/// `/proc/meminfo`) or its address-space limit (`ulimit -v`, in `/proc/self/limits`) if that
/// is lower; none where the system does not say.
pub fn machine_budget() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits
                .lines()
                .find(|l| l.starts_with("Max address space"))?;
            line["Max address space".len()..]
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        });
    let usable = match limit {
        Some(bytes) => (kib * 1024).min(bytes),
        None => kib * 1024,
    };
    Some(usable / 2)
}

/// `bytes` for people: `1.2 GB`.
pub fn shown(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..=999_999 => format!("{:.0} kB", b / 1e3),
        1_000_000..=999_999_999 => format!("{:.0} MB", b / 1e6),
        _ => format!("{:.1} GB", b / 1e9),
    }
}

/// Parses `--memory-limit`: bytes, or a number with `K`, `M`, `G` or `T` (powers of 1,024).
pub fn parse_limit(arg: &str) -> Result<u64, String> {
    let arg = arg.trim();
    let (number, unit) = match arg.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => arg.split_at(i),
        None => (arg, ""),
    };
    let scale: u64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => {
            return Err(format!(
                "`{arg}`: expected bytes or a size such as 512M or 8G"
            ))
        }
    };
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{arg}`: expected bytes or a size such as 512M or 8G"))?;
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("`{arg}`: the limit must be more than zero"));
    }
    Ok((n * scale as f64).min(u64::MAX as f64) as u64)
}

/// Refuses a run whose scenarios together need more than `budget`, naming the scenario that
/// needs most and what drives it.
pub fn check(
    scenarios: &[LoadedScenario],
    threads: usize,
    budget: Option<u64>,
    from_flag: bool,
) -> Result<(), Error> {
    let Some(budget) = budget else { return Ok(()) };
    let needs: Vec<Need> = scenarios.iter().map(|s| need(s, threads)).collect();
    let total = needs.iter().fold(0u64, |a, n| a.saturating_add(n.total()));
    if total <= budget {
        return Ok(());
    }
    let values = needs.iter().fold(0u64, |a, n| a.saturating_add(n.values));
    let daily = needs.iter().fold(0u64, |a, n| a.saturating_add(n.daily));
    let (s, _) = (scenarios.iter().zip(&needs))
        .max_by_key(|(_, n)| n.total())
        .expect("a run over budget has a scenario");
    let whose = match from_flag {
        true => "the --memory-limit",
        false => "half of the memory this process may use",
    };
    let runs: u64 = scenarios.iter().map(|s| u64::from(s.runs())).sum();
    let what = format!(
        "{} scenario(s), {runs} replications in all: every replication's value of every KPI \
         ≈ {}, the daily series on {threads} worker thread(s) ≈ {}",
        scenarios.len(),
        shown(values),
        shown(daily)
    );
    Err(Invalid::Usage(format!(
        "{}: this run would need about {} of memory, more than {} ({whose}): {what}\n  \
         help: fewer replications, parameter draws or sweep points, fewer years, or split the \
         run with `--shard K/N` (each shard holds only its share); `--memory-limit` sets the budget",
        s.path.display(),
        shown(total),
        shown(budget),
    ))
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_budget_is_half_of_what_the_process_may_use() {
        let budget = machine_budget().expect("Linux says how much memory it has");
        assert!(budget > 0);
    }

    #[test]
    fn limits_read_as_people_write_them() {
        assert_eq!(parse_limit("512M"), Ok(512 << 20));
        assert_eq!(parse_limit("8G"), Ok(8 << 30));
        assert_eq!(parse_limit("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_limit("4096"), Ok(4096));
        assert!(parse_limit("lots").is_err());
        assert!(parse_limit("0").is_err());
        assert!(parse_limit("5Q").is_err());
    }
}
