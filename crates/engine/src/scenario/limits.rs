//! Upper bounds on what a scenario may ask for: far beyond any real footprint (all of
//! England has about 1,400 CAMHS inpatient beds and 12 million under-18s), but low enough that
//! a typo (a few extra zeros, a percentage written where a fraction belongs) is reported before
//! the run instead of exhausting the machine. The schema states them and validation enforces
//! them, so every run's memory and time are bounded in advance.

/// Beds of a ward or places of a service, at the start or on the roadmap; also the most
/// young people one census entry may describe.
pub const MAX_CAPACITY: u32 = 10_000;

/// Young people in a census, over all its entries (in beds, out of area and waiting): ten
/// times the largest pool, so that a census can describe any footprint but not ask for
/// millions of young people held in memory from the first day.
pub const MAX_CENSUS: u32 = 100_000;

/// Young people waiting at once for a bed, or for one service. A waiting list this long (the
/// largest pool any scenario may have, several times all of England's beds) means referrals
/// outrun capacity with nothing to end a wait: the replication stops and says so, rather than
/// let the list grow until the machine runs out of memory.
pub const MAX_WAITING: usize = MAX_CAPACITY as usize;

/// New referrals a year, at the start or on the roadmap.
pub const MAX_REFERRALS_PER_YEAR: f64 = 1_000_000.0;

/// Referrals expected over the warm-up and the horizon of one replication (growth and
/// seasonality included): what bounds the young people a replication can hold at once.
pub const MAX_REFERRALS_PER_RUN: f64 = 2_000_000.0;

/// Compound growth a year, as a fraction: 1 is 100 % a year.
pub const MAX_GROWTH: f64 = 1.0;

/// Under-18 population served.
pub const MAX_POPULATION: f64 = 100_000_000.0;

/// The reported horizon, in years.
pub const MAX_YEARS: f64 = 100.0;

/// Days of warm-up (100 years).
pub const MAX_WARMUP_DAYS: u32 = 36_525;

/// Replications of one scenario, in all: its `replications` times its parameter draws.
pub const MAX_REPLICATIONS: u32 = 100_000;

/// Parameter draws of one scenario.
pub const MAX_PARAMETER_DRAWS: u32 = 10_000;

/// Worker threads a run may start (`--threads`): beyond any machine's cores, and low enough
/// that a slip such as `--threads 1000000` fails at once instead of creating threads for a
/// minute.
pub const MAX_THREADS: usize = 1_024;

/// Scenarios one sweep (of one parameter, or a grid of two) may expand into, so that a slip
/// such as `0..1e9` fails at once.
pub const MAX_SWEEP_POINTS: usize = 10_000;

/// The earliest and latest start dates (years): dates outside them are typos, and calendars
/// and financial years are only written for four-digit years.
pub const START_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;
