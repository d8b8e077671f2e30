//! Open capacity: the beds or places of a ward or service that can take a new admission.
//!
//! The roadmap sets the *physical* capacity ([`CapacityStep`]s compiled once). Two things can
//! keep some of it closed, and both may be random, so a replication builds its own steps at
//! its start (one allocation per replication, none per event):
//! - **staffing**: floor(staff × (1 − vacancy) / WTE per bed); staff follow the roadmap's
//!   `staff_wte` changes, linearly over a recruitment ramp, and the vacancy rate is drawn per
//!   replication or per calendar month;
//! - **disruption**: closed to new admissions in randomly drawn spells, or closed for good
//!   after a random time with a constant hazard.
//!
//! Open capacity = 0 while closed, else min(physical − capacity lost for good, staffed).
//! Closing evicts nobody: the event loop closes a bed as its occupant leaves, as it does for a
//! roadmap cut. Every draw comes from a stream keyed by the pool's name (vacancy) or the
//! disruption's id, and the replication: scenarios with the same seed draw the same
//! vacancies and closures (common random numbers), and a pool without staffing or disruption
//! keeps the roadmap's steps exactly, so its results do not change by a bit.

use crate::dist::Dist;
use crate::layout::Pool;
use crate::rng::{self, Attr, Seeds};

/// Capacity of one pool changes at a clock time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CapacityStep {
    pub time: f64,
    pub pool: Pool,
    /// Open beds or places from `time` on.
    pub capacity: u32,
    /// Physical beds or places (the roadmap's) from `time` on.
    pub physical: u32,
}

/// What keeps capacity closed in each local pool, compiled; `None` in [`crate::Model`] when
/// no pool has staffing or a disruption.
#[derive(Debug, Clone)]
pub(crate) struct Plans {
    /// Per local pool, in layout order.
    pub pools: Vec<Plan>,
    /// Calendar months from clock 0 to the end: the clock time each starts (the first: 0)
    /// and a key that names it whatever the warm-up (year × 12 + month).
    pub months: Vec<(f64, u64)>,
    /// Clock time of the start date: spells and closure hazards count from it.
    pub origin: f64,
    /// Clock time of the end of the run.
    pub end: f64,
}

/// One pool's staffing and disruptions.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub pool: Pool,
    pub staffing: Option<Staffing>,
    pub disruptions: Vec<Disruption>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.staffing.is_none() && self.disruptions.is_empty()
    }
}

/// Staff in post over time and what they can open.
#[derive(Debug, Clone)]
pub(crate) struct Staffing {
    /// Knots `(time, wte)` of a piecewise-linear staff level, in time order, the first at
    /// clock 0; a repeated time is a jump. Constant after the last knot.
    pub knots: Vec<(f64, f64)>,
    /// WTE per open bed or place.
    pub per_unit: f64,
    pub vacancy: Option<Vacancy>,
}

#[derive(Debug, Clone)]
pub(crate) struct Vacancy {
    pub rate: Dist,
    pub monthly: bool,
    /// The pool's name key.
    pub key: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Disruption {
    /// The stream's name key (the id, or the pool's name).
    pub key: u64,
    /// Probability that a spell is closed (0: never).
    pub closed_share: f64,
    pub spell_days: f64,
    /// Closures for good per day (0: never).
    pub hazard: f64,
    /// Capacity lost when closed for good (`None`: all).
    pub lost: Option<u32>,
}

/// A fraction of a bed below which a staffed count is rounded up, so that 20 WTE at 2 WTE per
/// bed open 10 beds whatever the rounding of the arithmetic.
const EPSILON: f64 = 1e-9;

impl Staffing {
    /// Staff in post at `t` (right-continuous at a jump).
    fn wte(&self, t: f64) -> f64 {
        let i = self.knots.partition_point(|k| k.0 <= t).max(1) - 1;
        let (t0, w0) = self.knots[i];
        match self.knots.get(i + 1) {
            Some(&(t1, w1)) if t1 > t0 => w0 + (w1 - w0) * ((t - t0) / (t1 - t0)).clamp(0.0, 1.0),
            _ => w0,
        }
    }

    fn staffed(&self, wte: f64, vacancy: f64) -> u32 {
        let units = (wte * (1.0 - vacancy) / self.per_unit + EPSILON).floor();
        units.clamp(0.0, u32::MAX as f64) as u32
    }
}

/// One pool's random draws for one replication.
struct Drawn<'p> {
    plan: &'p Plan,
    /// The vacancy rate in each of [`Plans::months`] (drawn per month), or one for the whole
    /// replication, or none.
    vacancy: Vec<f64>,
    monthly: bool,
    /// The closed spells, as disjoint `[from, to)` clock times in order.
    closed: Vec<(f64, f64)>,
    /// Per disruption: when it closes for good (infinite: never).
    closures: Vec<f64>,
}

impl Drawn<'_> {
    fn vacancy(&self, plans: &Plans, t: f64) -> f64 {
        if self.monthly {
            self.vacancy[plans.months.partition_point(|m| m.0 <= t).max(1) - 1]
        } else {
            self.vacancy.first().copied().unwrap_or(0.0)
        }
    }

    /// Open capacity at `t`, with `physical` beds or places.
    fn open(&self, plans: &Plans, t: f64, physical: u32) -> u32 {
        let i = self.closed.partition_point(|c| c.0 <= t);
        if i > 0 && t < self.closed[i - 1].1 {
            return 0;
        }
        let mut open = physical;
        for (d, &at) in self.plan.disruptions.iter().zip(&self.closures) {
            if at <= t {
                open = d.lost.map_or(0, |lost| open.saturating_sub(lost));
            }
        }
        if let Some(s) = &self.plan.staffing {
            open = open.min(s.staffed(s.wte(t), self.vacancy(plans, t)));
        }
        open
    }

    /// Every time other than a physical step at which the open capacity may change.
    fn breakpoints(&self, plans: &Plans, out: &mut Vec<f64>) {
        out.extend(self.closed.iter().flat_map(|&(a, b)| [a, b]));
        out.extend(self.closures.iter().copied().filter(|t| t.is_finite()));
        let Some(s) = &self.plan.staffing else {
            return;
        };
        out.extend(s.knots.iter().map(|k| k.0));
        // Stretches of one vacancy rate: months, or the whole run.
        let stretches: Vec<(f64, f64, f64)> = if self.monthly {
            let ends = plans
                .months
                .iter()
                .skip(1)
                .map(|m| m.0)
                .chain([f64::INFINITY]);
            plans
                .months
                .iter()
                .zip(ends)
                .zip(&self.vacancy)
                .map(|((m, end), &v)| (m.0, end, v))
                .collect()
        } else {
            vec![(0.0, f64::INFINITY, self.vacancy(plans, 0.0))]
        };
        out.extend(stretches.iter().skip(1).map(|st| st.0));
        // Where a ramp from w0 at t0 to w1 at t1 crosses a whole bed k:
        // w(t)(1 − v)/per_unit = k.
        for w in s.knots.windows(2) {
            let ((t0, w0), (t1, w1)) = (w[0], w[1]);
            if t1 <= t0 || w0 == w1 {
                continue;
            }
            let at = |t: f64| w0 + (w1 - w0) * (t - t0) / (t1 - t0);
            for &(va, vb, v) in &stretches {
                let (a, b) = (t0.max(va), t1.min(vb));
                let scale = (1.0 - v) / s.per_unit;
                if b <= a || scale <= 0.0 {
                    continue;
                }
                let (wa, wb) = (at(a), at(b));
                let mut k = (wa.min(wb) * scale).ceil();
                while k <= (wa.max(wb) * scale).floor() {
                    let t = t0 + (t1 - t0) * (k / scale - w0) / (w1 - w0);
                    if t > a && t < b {
                        out.push(t);
                    }
                    k += 1.0;
                }
            }
        }
    }
}

impl Plans {
    /// The open capacity of every local pool in replication `seeds`: at clock 0 (per pool,
    /// given the physical capacity there) and its steps, in time order. At equal times the
    /// roadmap's steps keep their order and come first, so a pool without a plan gets exactly
    /// the roadmap's steps.
    pub fn open(
        &self,
        seeds: &Seeds,
        initial: &[u32],
        roadmap: &[CapacityStep],
    ) -> (Vec<u32>, Vec<CapacityStep>) {
        // (time, order, step): order is the roadmap step's index, or after them all.
        let mut steps: Vec<(f64, usize, CapacityStep)> = Vec::with_capacity(roadmap.len());
        let mut open_now = initial.to_vec();
        let mut times = Vec::new();
        for (i, plan) in self.pools.iter().enumerate() {
            let own = || {
                roadmap
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.pool == plan.pool)
            };
            if plan.is_empty() {
                steps.extend(own().map(|(order, s)| (s.time, order, *s)));
                continue;
            }
            let drawn = self.draw(plan, seeds);
            times.clear();
            times.push(0.0);
            drawn.breakpoints(self, &mut times);
            times.extend(own().map(|(_, s)| s.time));
            times.retain(|&t| (0.0..self.end).contains(&t));
            times.sort_by(f64::total_cmp);
            times.dedup();
            // Every change in order: the roadmap's (order = its index), then the others.
            let mut changes: Vec<(f64, usize, Option<u32>)> = own()
                .map(|(order, s)| (s.time, order, Some(s.physical)))
                .collect();
            changes.extend(
                times
                    .iter()
                    .filter(|&&t| t > 0.0)
                    .map(|&t| (t, usize::MAX, None)),
            );
            changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            // Nothing changes strictly between two breakpoints: look in the middle.
            let after = |t: f64| {
                let next = times
                    .get(times.partition_point(|&x| x <= t))
                    .copied()
                    .unwrap_or(self.end);
                0.5 * (t + next)
            };
            // At clock 0, before any roadmap step at 0 (which stays a step of its own).
            let mut physical = initial[i];
            let mut from = drawn.open(self, after(0.0), physical);
            open_now[i] = from;
            for (t, order, new_physical) in changes {
                physical = new_physical.unwrap_or(physical);
                let open = drawn.open(self, after(t), physical);
                let step = |capacity| {
                    let step = CapacityStep {
                        time: t,
                        pool: plan.pool,
                        capacity,
                        physical,
                    };
                    (t, order, step)
                };
                // One bed at a time, as the roadmap's ramps step.
                let mut level = from;
                while level != open {
                    level = if open > level { level + 1 } else { level - 1 };
                    steps.push(step(level));
                }
                if new_physical.is_some() && from == open {
                    // Only the physical level changed: still a step, so that the beds kept
                    // closed are counted from it.
                    steps.push(step(open));
                }
                from = open;
            }
        }
        steps.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        (open_now, steps.into_iter().map(|s| s.2).collect())
    }

    /// Closures for good in replication `seeds` before the end: (pool index, clock time).
    pub fn closures(&self, seeds: &Seeds) -> Vec<(usize, f64)> {
        let mut out = Vec::new();
        for (i, plan) in self.pools.iter().enumerate() {
            for d in &plan.disruptions {
                let at = self.closure_time(d, seeds);
                if at < self.end {
                    out.push((i, at));
                }
            }
        }
        out
    }

    fn closure_time(&self, d: &Disruption, seeds: &Seeds) -> f64 {
        if d.hazard <= 0.0 {
            return f64::INFINITY;
        }
        let u = rng::uniform(seeds.capacity(d.key), Attr::ClosureForGood);
        // Exponential by inversion: closed before origin + x with probability 1 − e^(−h x).
        self.origin - (-u).ln_1p() / d.hazard
    }

    fn draw<'p>(&self, plan: &'p Plan, seeds: &Seeds) -> Drawn<'p> {
        let vacancy = plan.staffing.as_ref().and_then(|s| s.vacancy.as_ref());
        let monthly = vacancy.is_some_and(|v| v.monthly);
        let vacancy = match vacancy {
            None => Vec::new(),
            Some(v) if !v.monthly => vec![sample_rate(&v.rate, seeds.capacity(v.key), u64::MAX)],
            Some(v) => {
                let key = seeds.capacity(v.key);
                self.months
                    .iter()
                    .map(|m| sample_rate(&v.rate, key, m.1))
                    .collect()
            }
        };
        let mut closed: Vec<(f64, f64)> = Vec::new();
        for d in plan.disruptions.iter().filter(|d| d.closed_share > 0.0) {
            let key = seeds.capacity(d.key);
            // Spell j is [origin + j L, origin + (j + 1) L): counted from the start date, so
            // that a spell is the same days in every scenario with that start date.
            let first = (-self.origin / d.spell_days).floor() as i64;
            let last = ((self.end - self.origin) / d.spell_days).ceil() as i64;
            for j in first..last {
                if rng::uniform(key, Attr::ClosedSpell(j as u64)) < d.closed_share {
                    let a = self.origin + j as f64 * d.spell_days;
                    closed.push((a, a + d.spell_days));
                }
            }
        }
        // Merged into disjoint spells in time order, to be searched by halving.
        closed.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(closed.len());
        for (a, b) in closed {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let closures = plan
            .disruptions
            .iter()
            .map(|d| self.closure_time(d, seeds))
            .collect();
        Drawn {
            plan,
            vacancy,
            monthly,
            closed: merged,
            closures,
        }
    }
}

/// A vacancy rate for `period` (a month's key, or `u64::MAX` for the replication), held in
/// [0, 1].
fn sample_rate(rate: &Dist, key: u64, period: u64) -> f64 {
    rate.sample(&mut rng::draw(key, Attr::Vacancy(period)))
        .clamp(0.0, 1.0)
}
