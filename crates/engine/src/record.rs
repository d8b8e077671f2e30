//! What one replication measures, and how its tallies become KPI values.
//!
//! All buffers are sized from the model when a replication starts; recording an event only
//! adds to them. Tallies are kept per period (index 0 = the whole horizon, then each financial
//! year) and only inside the reported window, so the warm-up never leaks into results.
//! Continuous quantities (occupied beds, waiting list) are integrated exactly between events
//! and flushed into the day's period at each midnight.

use crate::arrivals::DAYS_PER_YEAR;
use crate::layout::{CostCategory, PerCost, PerUrgency, Pool, PoolId};
use crate::model::Model;
use crate::results::{KpiKey, Metric, Subject};
use crate::scenario::{Funding, UrgencyClass};
use std::sync::LazyLock;

/// Log-spaced histogram: 2 % wide bins from 0.01 days to beyond 10,000 days, so percentiles
/// of waits and lengths of stay are exact to within 2 % without storing every value.
#[derive(Debug, Clone)]
pub(crate) struct LogHistogram {
    counts: Box<[u32]>,
    n: u64,
}

const HIST_MIN: f64 = 0.01;
const HIST_BINS: usize = 700;

impl LogHistogram {
    fn new() -> Self {
        LogHistogram {
            counts: vec![0; HIST_BINS].into_boxed_slice(),
            n: 0,
        }
    }

    /// The bin of `x`: 0 up to [`HIST_MIN`], then one bin per factor 1.02. Looked up in
    /// [`BIN_TABLE`], which gives exactly what [`LogHistogram::bin_by_log`] computes.
    fn bin(x: f64) -> usize {
        BIN_TABLE.bin(x)
    }

    /// The definition of the bins (a division, a logarithm and a division: slow, and on the
    /// path of every discharge).
    fn bin_by_log(x: f64) -> usize {
        if x <= HIST_MIN {
            0
        } else {
            (1 + ((x / HIST_MIN).ln() / 1.02f64.ln()) as usize).min(HIST_BINS - 1)
        }
    }

    #[inline]
    fn add(&mut self, x: f64) {
        self.counts[Self::bin(x)] += 1;
        self.n += 1;
    }

    fn merge(&mut self, other: &LogHistogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        self.n += other.n;
    }

    /// The p-quantile (NaN when empty), as the geometric middle of its bin.
    fn quantile(&self, p: f64) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        let rank = (p * self.n as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c as u64;
            if seen >= rank {
                return if i == 0 {
                    HIST_MIN / 2.0
                } else {
                    HIST_MIN * 1.02f64.powf(i as f64 - 0.5)
                };
            }
        }
        f64::NAN
    }
}

/// [`LogHistogram::bin`] without a logarithm, built once per process.
static BIN_TABLE: LazyLock<BinTable> = LazyLock::new(BinTable::new);

/// Bits below the exponent and the top [`BinTable::SUB_BITS`] bits of the mantissa.
const BIN_SHIFT: u32 = f64::MANTISSA_DIGITS - 1 - BinTable::SUB_BITS;

/// The bins of [`LogHistogram::bin_by_log`] as a table of their lower edges. A positive
/// `f64` is found in a finer grid by its bits alone (the exponent and the top six mantissa
/// bits: cells under 1.6 % wide, so no cell holds more than one edge of the 2 % bins), then
/// one comparison with the next bin's edge settles it. The edges are the values where
/// `bin_by_log` itself steps up, found by evaluating it, so both give the same bin; the
/// tests check this around every edge, where rounding could tell them apart.
struct BinTable {
    /// `lower[k]`: the smallest value `bin_by_log` puts in bin `k` (k ≥ 1).
    lower: Box<[f64]>,
    /// The bin of the smallest value above [`HIST_MIN`] in each cell, from the cell of
    /// `HIST_MIN` up to the cell of the last edge.
    cell_bin: Box<[u16]>,
    /// Index (`bits >> BIN_SHIFT`) of the first cell.
    first_cell: u64,
}

impl BinTable {
    const SUB_BITS: u32 = 6;

    fn new() -> BinTable {
        let up = |x: f64| f64::from_bits(x.to_bits() + 1);
        let down = |x: f64| f64::from_bits(x.to_bits() - 1);
        let mut lower = vec![0.0; HIST_BINS];
        for (k, edge) in lower.iter_mut().enumerate().skip(1) {
            // Start from the exact edge and step to where `bin_by_log` changes.
            let mut x = HIST_MIN * 1.02f64.powi(k as i32 - 1);
            while LogHistogram::bin_by_log(x) >= k {
                x = down(x);
            }
            while LogHistogram::bin_by_log(x) < k {
                x = up(x);
            }
            *edge = x;
        }
        let first_cell = HIST_MIN.to_bits() >> BIN_SHIFT;
        let last_cell = lower[HIST_BINS - 1].to_bits() >> BIN_SHIFT;
        let cell_bin = (first_cell..=last_cell)
            .map(|cell| {
                let smallest = f64::from_bits(cell << BIN_SHIFT).max(up(HIST_MIN));
                LogHistogram::bin_by_log(smallest) as u16
            })
            .collect();
        BinTable {
            lower: lower.into_boxed_slice(),
            cell_bin,
            first_cell,
        }
    }

    #[inline]
    fn bin(&self, x: f64) -> usize {
        // Outside the table (and NaN): by definition.
        if !(x > HIST_MIN && x < self.lower[HIST_BINS - 1]) {
            return LogHistogram::bin_by_log(x);
        }
        let k = self.cell_bin[((x.to_bits() >> BIN_SHIFT) - self.first_cell) as usize] as usize;
        k + (x >= self.lower[k + 1]) as usize
    }
}

/// The windows after discharge that readmissions are counted within, in days: 28 days, six
/// months (182 days) and twelve months (365 days).
pub(crate) const READMISSION_WINDOWS: [f64; 3] = [28.0, 182.0, 365.0];

/// Readmissions, all and within each of [`READMISSION_WINDOWS`] of the discharge.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Readmissions {
    pub all: f64,
    pub within: [f64; 3],
}

impl Readmissions {
    /// A readmission referred `after` days after the discharge.
    pub fn add(&mut self, after: f64) {
        self.all += 1.0;
        for (n, &window) in self.within.iter_mut().zip(&READMISSION_WINDOWS) {
            *n += (after <= window) as u8 as f64;
        }
    }
}

/// Tallies for one period.
#[derive(Debug, Clone)]
pub(crate) struct Totals {
    /// Per group.
    pub referrals: Vec<f64>,
    pub readmissions: Readmissions,
    pub declined: f64,
    /// Per service: episodes started, ended without escalation, escalated.
    pub diverted: Vec<f64>,
    pub avoided: Vec<f64>,
    pub escalations: Vec<f64>,
    pub avoidable: f64,
    pub step_downs: f64,
    /// Per ward: local admissions, repatriations included.
    pub admissions: Vec<f64>,
    pub oap_placements: f64,
    /// Placements of young people not placed before in the reported window.
    pub oap_young_people: f64,
    pub oap_distance: f64,
    pub oap_over_50: f64,
    pub oap_over_100: f64,
    pub repatriations: f64,
    /// Out-of-area days (and miles × days) that repatriations saved.
    pub oap_days_home: f64,
    pub oap_mile_days_home: f64,
    pub bed_waits: PerUrgency<f64>,
    pub wait_sum: PerUrgency<f64>,
    pub waited: PerUrgency<f64>,
    pub over_target: PerUrgency<f64>,
    pub wait_hist: LogHistogram,
    pub waiting_area: f64,
    /// Young-person-days waited for a local bed beyond the standard.
    pub over_target_area: f64,
    /// Per local pool.
    pub occupied_area: Vec<f64>,
    pub available_area: Vec<f64>,
    pub capacity_area: Vec<f64>,
    /// Open bed- or place-days, and those the roadmap closed while still occupied: what a
    /// block contract or commissioned places pay for (a vacant post or a closed week is not).
    pub paid_area: Vec<f64>,
    pub days_open: Vec<f64>,
    pub days_85: Vec<f64>,
    pub days_full: Vec<f64>,
    /// Per service: the units its costing counts (place-days, attendances, episodes or
    /// caseload-days).
    pub billed: Vec<f64>,
    /// Per group: out-of-area bed-days; completed stays that began in a local bed (lengths,
    /// and how many were longer than the group's alarm).
    pub oap_area: Vec<f64>,
    pub los_hist: Vec<LogHistogram>,
    pub los_sum: Vec<f64>,
    pub los_over_alarm: Vec<f64>,
    /// Completed stays that began out of area.
    pub oap_los_sum: f64,
    pub oap_los_n: f64,
    /// Bed-days of delayed discharges, local and out of area, integrated day by day.
    pub delayed_bed_days: f64,
    /// Per ward: transfers out, transfers abandoned, bed-days waiting for a transfer.
    pub transfers: Vec<f64>,
    pub transfers_abandoned: Vec<f64>,
    pub transfer_wait_area: Vec<f64>,
    /// Per ward (contracted out-of-area beds only): placements and their miles from home.
    pub tier_placements: Vec<f64>,
    pub tier_distance: Vec<f64>,
    /// Per local pool: physical bed-days kept closed (staffing, disruption); midnights with
    /// physical capacity but none open; closures for good.
    pub closed_area: Vec<f64>,
    pub days_closed: Vec<f64>,
    pub closures: Vec<f64>,
    /// Per declared locality (empty without `[localities]`).
    pub localities: Vec<LocalityTotals>,
    /// Per declared waiting place (empty without `[waiting_places]`).
    pub places: Vec<PlaceTotals>,
    /// Access decisions made, per group, and the days from referral to each (0 for a group
    /// that decides at once); the histograms only when some group's decision takes time.
    pub decisions: Vec<f64>,
    pub decision_days: Vec<f64>,
    pub decision_hist: Vec<LogHistogram>,
}

/// The tallies of one locality's young people.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LocalityTotals {
    pub referrals: f64,
    /// Local admissions (repatriations and transfers included) and their summed miles from
    /// home.
    pub admissions: f64,
    pub admission_miles: f64,
    /// Bed-days in local wards and out of area.
    pub local_days: f64,
    pub oap_days: f64,
    pub oap_placements: f64,
    pub oap_distance: f64,
    pub bed_waits: f64,
    pub over_target: f64,
    pub repatriations: f64,
    /// Moves from one local ward to another.
    pub transfers: f64,
}

impl LocalityTotals {
    fn absorb(&mut self, o: &LocalityTotals) {
        let LocalityTotals {
            referrals,
            admissions,
            admission_miles,
            local_days,
            oap_days,
            oap_placements,
            oap_distance,
            bed_waits,
            over_target,
            repatriations,
            transfers,
        } = o;
        self.repatriations += repatriations;
        self.transfers += transfers;
        self.referrals += referrals;
        self.admissions += admissions;
        self.admission_miles += admission_miles;
        self.local_days += local_days;
        self.oap_days += oap_days;
        self.oap_placements += oap_placements;
        self.oap_distance += oap_distance;
        self.bed_waits += bed_waits;
        self.over_target += over_target;
    }
}

/// The tallies of one waiting place.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PlaceTotals {
    /// Waits for a bed that began here.
    pub waits: f64,
    /// Young-person-days waited here, integrated day by day.
    pub days: f64,
}

impl Totals {
    /// Adds another period's tallies to these. The pattern names every field, so a tally added
    /// to `Totals` cannot be left out of the whole-horizon period.
    fn absorb(&mut self, o: &Totals) {
        let Totals {
            referrals,
            readmissions,
            declined,
            diverted,
            avoided,
            escalations,
            avoidable,
            step_downs,
            admissions,
            oap_placements,
            oap_young_people,
            oap_distance,
            oap_over_50,
            oap_over_100,
            repatriations,
            oap_days_home,
            oap_mile_days_home,
            bed_waits,
            wait_sum,
            waited,
            over_target,
            wait_hist,
            waiting_area,
            over_target_area,
            occupied_area,
            available_area,
            capacity_area,
            paid_area,
            days_open,
            days_85,
            days_full,
            billed,
            oap_area,
            los_hist,
            los_sum,
            los_over_alarm,
            oap_los_sum,
            oap_los_n,
            delayed_bed_days,
            transfers,
            transfers_abandoned,
            transfer_wait_area,
            tier_placements,
            tier_distance,
            closed_area,
            days_closed,
            closures,
            localities,
            places,
            decisions,
            decision_days,
            decision_hist,
        } = o;
        for (a, b) in [
            (&mut self.referrals[..], &referrals[..]),
            (&mut self.readmissions.within, &readmissions.within),
            (&mut self.diverted, diverted),
            (&mut self.avoided, avoided),
            (&mut self.escalations, escalations),
            (&mut self.admissions, admissions),
            (&mut self.bed_waits.0, &bed_waits.0),
            (&mut self.wait_sum.0, &wait_sum.0),
            (&mut self.waited.0, &waited.0),
            (&mut self.over_target.0, &over_target.0),
            (&mut self.occupied_area, occupied_area),
            (&mut self.available_area, available_area),
            (&mut self.capacity_area, capacity_area),
            (&mut self.paid_area, paid_area),
            (&mut self.days_open, days_open),
            (&mut self.days_85, days_85),
            (&mut self.days_full, days_full),
            (&mut self.billed, billed),
            (&mut self.oap_area, oap_area),
            (&mut self.los_sum, los_sum),
            (&mut self.los_over_alarm, los_over_alarm),
            (&mut self.transfers, transfers),
            (&mut self.transfers_abandoned, transfers_abandoned),
            (&mut self.transfer_wait_area, transfer_wait_area),
            (&mut self.tier_placements, tier_placements),
            (&mut self.tier_distance, tier_distance),
            (&mut self.closed_area, closed_area),
            (&mut self.days_closed, days_closed),
            (&mut self.closures, closures),
            (&mut self.decisions, decisions),
            (&mut self.decision_days, decision_days),
        ] {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        }
        for (a, b) in [
            (&mut self.readmissions.all, &readmissions.all),
            (&mut self.declined, declined),
            (&mut self.avoidable, avoidable),
            (&mut self.step_downs, step_downs),
            (&mut self.oap_placements, oap_placements),
            (&mut self.oap_young_people, oap_young_people),
            (&mut self.oap_distance, oap_distance),
            (&mut self.oap_over_50, oap_over_50),
            (&mut self.oap_over_100, oap_over_100),
            (&mut self.repatriations, repatriations),
            (&mut self.oap_days_home, oap_days_home),
            (&mut self.oap_mile_days_home, oap_mile_days_home),
            (&mut self.waiting_area, waiting_area),
            (&mut self.over_target_area, over_target_area),
            (&mut self.oap_los_sum, oap_los_sum),
            (&mut self.oap_los_n, oap_los_n),
            (&mut self.delayed_bed_days, delayed_bed_days),
        ] {
            *a += b;
        }
        self.wait_hist.merge(wait_hist);
        for (a, b) in self.decision_hist.iter_mut().zip(decision_hist) {
            a.merge(b);
        }
        for (a, b) in self.localities.iter_mut().zip(localities) {
            a.absorb(b);
        }
        for (a, b) in self.places.iter_mut().zip(places) {
            a.waits += b.waits;
            a.days += b.days;
        }
        for (a, b) in self.los_hist.iter_mut().zip(los_hist) {
            a.merge(b);
        }
    }

    fn new(m: &Model) -> Totals {
        let (g, w, s) = (m.groups.len(), m.wards.len(), m.services.len());
        let pools = m.layout.pools();
        Totals {
            referrals: vec![0.0; g],
            readmissions: Readmissions::default(),
            declined: 0.0,
            diverted: vec![0.0; s],
            avoided: vec![0.0; s],
            escalations: vec![0.0; s],
            avoidable: 0.0,
            step_downs: 0.0,
            admissions: vec![0.0; w],
            oap_placements: 0.0,
            oap_young_people: 0.0,
            oap_distance: 0.0,
            oap_over_50: 0.0,
            oap_over_100: 0.0,
            repatriations: 0.0,
            oap_days_home: 0.0,
            oap_mile_days_home: 0.0,
            bed_waits: PerUrgency::default(),
            wait_sum: PerUrgency::default(),
            waited: PerUrgency::default(),
            over_target: PerUrgency::default(),
            wait_hist: LogHistogram::new(),
            waiting_area: 0.0,
            over_target_area: 0.0,
            occupied_area: vec![0.0; pools],
            available_area: vec![0.0; pools],
            capacity_area: vec![0.0; pools],
            paid_area: vec![0.0; pools],
            days_open: vec![0.0; pools],
            days_85: vec![0.0; pools],
            days_full: vec![0.0; pools],
            billed: vec![0.0; s],
            oap_area: vec![0.0; g],
            los_hist: (0..g).map(|_| LogHistogram::new()).collect(),
            los_sum: vec![0.0; g],
            los_over_alarm: vec![0.0; g],
            oap_los_sum: 0.0,
            oap_los_n: 0.0,
            delayed_bed_days: 0.0,
            transfers: vec![0.0; w],
            transfers_abandoned: vec![0.0; w],
            transfer_wait_area: vec![0.0; w],
            tier_placements: vec![0.0; w],
            tier_distance: vec![0.0; w],
            closed_area: vec![0.0; pools],
            days_closed: vec![0.0; pools],
            closures: vec![0.0; pools],
            localities: vec![LocalityTotals::default(); m.localities.len()],
            places: vec![PlaceTotals::default(); m.waiting_places.len()],
            decisions: vec![0.0; g],
            decision_days: vec![0.0; g],
            decision_hist: if m.gatekeeping {
                (0..g).map(|_| LogHistogram::new()).collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// Patients flowing through one pool inside the reported window (for Little's law).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Flow {
    /// Patients who entered.
    pub entries: u64,
    /// Patients who left.
    pub exits: u64,
    /// Total time the leavers spent in the pool (including time before the window).
    pub sojourn_days: f64,
    /// Time-integral of occupancy over the window (occupied bed-days).
    pub occupied_days: f64,
}

/// Every referral's fate over the whole run, warm-up included (the conservation ledger).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Patients already in the pathway at a census start.
    pub initial: u64,
    /// Referrals, new and readmissions.
    pub referrals: u64,
    /// Declined at gatekeeping.
    pub declined: u64,
    /// Community episodes ended without admission.
    pub avoided: u64,
    /// Discharged from a bed, out of area or from step-down.
    pub discharged: u64,
    /// Still waiting, in an episode, in a bed or placed out of area at the end.
    pub in_system: u64,
}

/// One replication's results.
#[derive(Debug, Clone)]
pub struct Replication {
    /// Replication index.
    pub index: u32,
    /// KPI values, aligned with [`Model::kpi_keys`] (NaN where undefined).
    pub values: Vec<f64>,
    /// Midnight values per daily series (series-major: `series * days + day`, in the order of
    /// the layout's series).
    pub daily: Vec<u32>,
    /// Days at each occupancy level, per local pool, up to the highest level seen (the
    /// levels above it had no days).
    pub occupancy: Vec<Vec<u32>>,
    /// Conservation ledger over the whole run.
    pub ledger: Ledger,
    /// Flows per pool (the local pools, then out of area) in the reported window.
    pub flows: Vec<Flow>,
    /// Events handled (arrivals and patient events; not midnights).
    pub events: u64,
}

/// The tallies of one replication while it runs.
pub(crate) struct Recorder {
    warmup: f64,
    end: f64,
    pub totals: Vec<Totals>,
    pub daily: Vec<u32>,
    pub occupancy: Vec<Vec<u32>>,
    pub flows: Vec<Flow>,
    pub ledger: Ledger,
    days: usize,
    /// The period of the last tally (`None`: outside the reported window) and the clock
    /// times it spans, `[first, end)`: events come in time order, so almost every tally falls
    /// in the span of the one before and needs no day looked up.
    period: Option<usize>,
    span: (f64, f64),
}

impl Recorder {
    pub fn new(m: &Model) -> Recorder {
        Recorder {
            warmup: m.cal.warmup,
            end: m.cal.end(),
            totals: (0..m.periods.len()).map(|_| Totals::new(m)).collect(),
            daily: vec![0; m.layout.series() * m.cal.days as usize],
            // Grown at midnights to the highest level seen, not sized by capacity: a large
            // ward that stays nearly empty costs little.
            occupancy: m.pools().map(|_| Vec::new()).collect(),
            flows: vec![Flow::default(); m.layout.flows()],
            ledger: Ledger::default(),
            days: m.cal.days as usize,
            period: None,
            span: (f64::INFINITY, f64::INFINITY),
        }
    }

    /// Whether clock time `t` is inside the reported window.
    #[inline]
    pub fn in_window(&self, t: f64) -> bool {
        t >= self.warmup && t < self.end
    }

    /// Adds to the tallies of the financial year containing `t` (nothing outside the reported
    /// window).
    #[inline(always)]
    pub fn add(&mut self, m: &Model, t: f64, f: impl Fn(&mut Totals)) {
        if !(t >= self.span.0 && t < self.span.1) {
            self.find_period(m, t);
        }
        if let Some(p) = self.period {
            f(&mut self.totals[p]);
        }
    }

    /// The period of clock time `t` and the times it spans; outside the window, no period,
    /// for the warm-up or for the time after the end. Spans are whole days from the warm-up,
    /// an integer, so `t` is in a span exactly when its day `t - warmup` is.
    #[cold]
    fn find_period(&mut self, m: &Model, t: f64) {
        if !self.in_window(t) {
            self.period = None;
            self.span = if t < self.warmup {
                (f64::NEG_INFINITY, self.warmup)
            } else if t >= self.end {
                (self.end, f64::INFINITY)
            } else {
                (f64::NAN, f64::NAN) // not a time: looked at again next time
            };
            return;
        }
        let of_day = &m.period_of_day;
        let d = ((t - self.warmup) as usize).min(self.days - 1);
        let p = of_day[d];
        let first = of_day[..d]
            .iter()
            .rposition(|&q| q != p)
            .map_or(0, |i| i + 1);
        let end = of_day[d..].iter().position(|&q| q != p).map(|i| d + i);
        self.period = Some(p as usize);
        self.span = (
            self.warmup + first as f64,
            end.map_or(self.end, |e| self.warmup + e as f64),
        );
    }

    #[inline]
    pub fn wait(&mut self, m: &Model, t: f64, urgency: UrgencyClass, wait: f64) {
        self.add(m, t, |tot| {
            tot.wait_sum[urgency] += wait;
            tot.waited[urgency] += 1.0;
            tot.wait_hist.add(wait);
        });
    }

    /// An access decision made `days` after its referral (0 for a group without
    /// `gatekeeping_days`); recorded only when some group's decision takes time.
    pub fn decision(&mut self, m: &Model, t: f64, group: usize, days: f64) {
        self.add(m, t, |tot| {
            tot.decisions[group] += 1.0;
            tot.decision_days[group] += days;
            tot.decision_hist[group].add(days);
        });
    }

    /// A completed inpatient stay of `los` days, counted on its discharge day: with the local
    /// stays if it began in a local bed, else with the out-of-area stays (a repatriated stay
    /// stays an out-of-area stay).
    #[inline(always)]
    pub fn stay(&mut self, m: &Model, t: f64, group: usize, los: f64, out_of_area: bool) {
        let alarm = m.groups[group].los_alarm.unwrap_or(f64::INFINITY);
        self.add(m, t, |tot| {
            if out_of_area {
                tot.oap_los_sum += los;
                tot.oap_los_n += 1.0;
            } else {
                tot.los_hist[group].add(los);
                tot.los_sum[group] += los;
                tot.los_over_alarm[group] += (los > alarm) as u8 as f64;
            }
        });
    }

    pub fn enter(&mut self, pool: PoolId, t: f64) {
        if self.in_window(t) {
            self.flows[pool.index()].entries += 1;
        }
    }

    pub fn exit(&mut self, pool: PoolId, t: f64, sojourn: f64) {
        if self.in_window(t) {
            let flow = &mut self.flows[pool.index()];
            flow.exits += 1;
            flow.sojourn_days += sojourn;
        }
    }

    /// Turns the tallies into KPI values in [`Model::kpi_keys`] order.
    pub fn finish(mut self, m: &Model, index: u32, events: u64) -> Replication {
        if let Some((overall, years)) = self.totals.split_first_mut() {
            for year in years.iter() {
                overall.absorb(year);
            }
        }
        let mut values = Vec::with_capacity(m.kpi_keys.len());
        // `+ 0.0` turns the -0.0 of an empty float sum into 0.
        emit(m, &self.totals, |_, _, _, v| values.push(v + 0.0));
        Replication {
            index,
            values,
            daily: self.daily,
            occupancy: self.occupancy,
            ledger: self.ledger,
            flows: self.flows,
            events,
        }
    }
}

/// The KPI keys of a model, in the order [`Recorder::finish`] emits values.
pub(crate) fn kpi_keys(m: &Model) -> Vec<KpiKey> {
    let mut keys = Vec::new();
    emit(m, &[Totals::new(m)], |metric, subject, p, _| {
        keys.push(KpiKey {
            metric,
            subject: subject.clone(),
            period: m.periods[p].period,
        })
    });
    keys
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// Walks every KPI in a fixed order: metric, subject, period. `totals` may hold only the
/// first period (when collecting keys), in which case every period reads it. What each
/// metric means is written once, in the metrics table of [`crate::results`]; this is only
/// the arithmetic.
fn emit(m: &Model, totals: &[Totals], put: impl FnMut(Metric, &Subject, usize, f64)) {
    let mut e = Emitter { m, totals, put };
    e.pathway();
    e.out_of_area();
    e.waits();
    e.pools();
    e.stays();
    e.transfers();
    e.costs();
    e.localities();
    e.waiting_places();
    e.decisions();
}

/// What ward `w` costs: every open bed-day (block; a bed the roadmap closes is paid for until
/// its young person leaves) or every occupied one (spot).
fn ward_cost(m: &Model, t: &Totals, w: usize) -> f64 {
    let ward = &m.wards[w];
    let i = m.layout.ward(w).index();
    match ward.funding {
        Funding::Block => t.paid_area[i] * ward.cost,
        Funding::Spot => t.occupied_area[i] * ward.cost,
    }
}

/// Inpatient bed-days: local wards and out of area.
fn bed_days(m: &Model, t: &Totals) -> f64 {
    let local: f64 = (0..m.wards.len())
        .map(|w| t.occupied_area[m.layout.ward(w).index()])
        .sum();
    local + t.oap_area.iter().sum::<f64>()
}

struct Emitter<'a, F> {
    m: &'a Model,
    totals: &'a [Totals],
    put: F,
}

impl<F: FnMut(Metric, &Subject, usize, f64)> Emitter<'_, F> {
    /// One KPI in every period.
    fn each(&mut self, metric: Metric, subject: Subject, f: &dyn Fn(&Totals, usize) -> f64) {
        for p in 0..self.m.periods.len() {
            let t = &self.totals[p.min(self.totals.len() - 1)];
            (self.put)(metric, &subject, p, f(t, p));
        }
    }

    fn pathway(&mut self) {
        let m = self.m;
        self.each(Metric::Referrals, Subject::Pathway, &|t, _| {
            t.referrals.iter().sum()
        });
        for (g, group) in m.groups.iter().enumerate() {
            self.each(
                Metric::Referrals,
                Subject::Group(group.key.clone()),
                &|t, _| t.referrals[g],
            );
        }
        self.each(Metric::Readmissions, Subject::Pathway, &|t, _| {
            t.readmissions.all
        });
        let windows = [
            Metric::Readmissions28Days,
            Metric::Readmissions6Months,
            Metric::Readmissions12Months,
        ];
        for (i, metric) in windows.into_iter().enumerate() {
            self.each(metric, Subject::Pathway, &|t, _| t.readmissions.within[i]);
        }
        self.each(Metric::Declined, Subject::Pathway, &|t, _| t.declined);
        self.each(Metric::Diverted, Subject::Pathway, &|t, _| {
            t.diverted.iter().sum()
        });
        for (s, svc) in m.services.iter().enumerate() {
            self.each(
                Metric::Diverted,
                Subject::Service(svc.key.clone()),
                &|t, _| t.diverted[s],
            );
        }
        self.each(Metric::AdmissionsAvoided, Subject::Pathway, &|t, _| {
            t.avoided.iter().sum()
        });
        let rate = |avoided: f64, escalated: f64| 100.0 * ratio(avoided, avoided + escalated);
        self.each(Metric::AvoidanceRate, Subject::Pathway, &|t, _| {
            rate(t.avoided.iter().sum(), t.escalations.iter().sum())
        });
        for (s, svc) in m.services.iter().enumerate() {
            self.each(
                Metric::AvoidanceRate,
                Subject::Service(svc.key.clone()),
                &|t, _| rate(t.avoided[s], t.escalations[s]),
            );
        }
        self.each(Metric::AvoidableAdmissions, Subject::Pathway, &|t, _| {
            t.avoidable
        });
        self.each(Metric::Escalations, Subject::Pathway, &|t, _| {
            t.escalations.iter().sum()
        });
        self.each(Metric::StepDowns, Subject::Pathway, &|t, _| t.step_downs);
        self.each(Metric::Admissions, Subject::Pathway, &|t, _| {
            t.admissions.iter().sum()
        });
        // Contracted out-of-area wards take placements, not admissions.
        for (w, ward) in m.wards.iter().enumerate().filter(|(_, w)| w.tier.is_none()) {
            self.each(
                Metric::Admissions,
                Subject::Ward(ward.key.clone()),
                &|t, _| t.admissions[w],
            );
        }
        let total = |t: &Totals| {
            t.admissions.iter().sum::<f64>() - t.repatriations - t.transfers.iter().sum::<f64>()
                + t.oap_placements
        };
        self.each(Metric::TotalAdmissions, Subject::Pathway, &|t, _| total(t));
        if let Some(pop) = m.population {
            // Per 100,000 under-18s per year of the period.
            let per_100k =
                |x: f64, p: usize| x / pop * 1e5 * DAYS_PER_YEAR / m.periods[p].days as f64;
            self.each(Metric::AdmissionsPer100k, Subject::Pathway, &|t, p| {
                per_100k(total(t), p)
            });
            self.each(Metric::BedDaysPer100k, Subject::Pathway, &|t, p| {
                per_100k(bed_days(m, t), p)
            });
        }
    }

    fn out_of_area(&mut self) {
        let m = self.m;
        let layout = m.layout;
        let tier_days = |t: &Totals, w: usize| t.occupied_area[layout.ward(w).index()];
        let national_placements = |t: &Totals| {
            t.oap_placements - m.tiers.iter().map(|&w| t.tier_placements[w]).sum::<f64>()
        };
        self.each(Metric::OapPlacements, Subject::Pathway, &|t, _| {
            t.oap_placements
        });
        self.by_tier(
            Metric::OapPlacements,
            &|t, w| t.tier_placements[w],
            &national_placements,
        );
        self.each(Metric::OapYoungPeople, Subject::Pathway, &|t, _| {
            t.oap_young_people
        });
        let national_days = |t: &Totals| t.oap_area.iter().sum::<f64>();
        self.each(Metric::OapBedDays, Subject::Pathway, &|t, _| {
            national_days(t) + m.tiers.iter().map(|&w| tier_days(t, w)).sum::<f64>()
        });
        self.by_tier(Metric::OapBedDays, &tier_days, &national_days);
        self.each(Metric::OapMeanDistance, Subject::Pathway, &|t, _| {
            ratio(t.oap_distance, t.oap_placements)
        });
        self.by_tier(
            Metric::OapMeanDistance,
            &|t, w| ratio(t.tier_distance[w], t.tier_placements[w]),
            &|t| {
                let tiers: f64 = m.tiers.iter().map(|&w| t.tier_distance[w]).sum();
                ratio(t.oap_distance - tiers, national_placements(t))
            },
        );
        self.each(Metric::OapOver100Miles, Subject::Pathway, &|t, _| {
            t.oap_over_100
        });
        self.each(Metric::OapOver50MilesPct, Subject::Pathway, &|t, _| {
            100.0 * ratio(t.oap_over_50, t.oap_placements)
        });
        self.each(Metric::OapOver100MilesPct, Subject::Pathway, &|t, _| {
            100.0 * ratio(t.oap_over_100, t.oap_placements)
        });
        self.each(Metric::Repatriations, Subject::Pathway, &|t, _| {
            t.repatriations
        });
        self.each(Metric::OapDaysBroughtHome, Subject::Pathway, &|t, _| {
            t.oap_days_home
        });
        self.each(Metric::OapMileDaysBroughtHome, Subject::Pathway, &|t, _| {
            t.oap_mile_days_home
        });
        if !m.tiers.is_empty() {
            let national = |t: &Totals| -> f64 {
                m.groups
                    .iter()
                    .enumerate()
                    .map(|(g, group)| t.oap_area[g] * group.oap_cost)
                    .sum()
            };
            self.each(Metric::OapCost, Subject::Pathway, &|t, _| {
                national(t) + m.tiers.iter().map(|&w| ward_cost(m, t, w)).sum::<f64>()
            });
            self.by_tier(Metric::OapCost, &|t, w| ward_cost(m, t, w), &national);
        }
    }

    /// A KPI of the out-of-area tiers, when there are contracted out-of-area wards: each of
    /// them (`tier`, by ward), then the national pool.
    fn by_tier(
        &mut self,
        metric: Metric,
        tier: &dyn Fn(&Totals, usize) -> f64,
        national: &dyn Fn(&Totals) -> f64,
    ) {
        let m = self.m;
        if m.tiers.is_empty() {
            return;
        }
        for &w in &m.tiers {
            self.each(metric, Subject::Ward(m.wards[w].key.clone()), &|t, _| {
                tier(t, w)
            });
        }
        self.each(metric, Subject::OutOfArea, &|t, _| national(t));
    }

    /// Transfers between wards, for each ward that has a `transfer`.
    fn transfers(&mut self) {
        let m = self.m;
        let from: Vec<(usize, Subject)> = m
            .wards
            .iter()
            .enumerate()
            .filter(|(_, w)| w.transfer.is_some())
            .map(|(w, ward)| (w, Subject::Ward(ward.key.clone())))
            .collect();
        for (w, subject) in &from {
            self.each(Metric::Transfers, subject.clone(), &|t, _| t.transfers[*w]);
        }
        for (w, subject) in &from {
            self.each(Metric::TransfersAbandoned, subject.clone(), &|t, _| {
                t.transfers_abandoned[*w]
            });
        }
        for (w, subject) in &from {
            self.each(Metric::DelayedTransferBedDays, subject.clone(), &|t, _| {
                t.transfer_wait_area[*w]
            });
        }
    }

    fn waits(&mut self) {
        self.each(Metric::BedWaits, Subject::Pathway, &|t, _| {
            t.bed_waits.0.iter().sum()
        });
        for u in UrgencyClass::ALL {
            self.each(Metric::BedWaits, Subject::Urgency(u), &|t, _| {
                t.bed_waits[u]
            });
        }
        self.each(Metric::BedWaitMean, Subject::Pathway, &|t, _| {
            ratio(t.wait_sum.0.iter().sum(), t.waited.0.iter().sum())
        });
        for u in UrgencyClass::ALL {
            self.each(Metric::BedWaitMean, Subject::Urgency(u), &|t, _| {
                ratio(t.wait_sum[u], t.waited[u])
            });
        }
        self.each(Metric::BedWaitP90, Subject::Pathway, &|t, _| {
            t.wait_hist.quantile(0.9)
        });
        self.each(Metric::BedWaitsOverTarget, Subject::Pathway, &|t, _| {
            t.over_target.0.iter().sum()
        });
        for u in UrgencyClass::ALL {
            self.each(Metric::BedWaitsOverTarget, Subject::Urgency(u), &|t, _| {
                t.over_target[u]
            });
        }
        self.each(Metric::BedWaitDaysOverTarget, Subject::Pathway, &|t, _| {
            t.over_target_area
        });
        let m = self.m;
        let days = |p: usize| m.periods[p].days as f64;
        self.each(Metric::MeanWaiting, Subject::Pathway, &|t, p| {
            t.waiting_area / days(p)
        });
    }

    fn pools(&mut self) {
        let m = self.m;
        let days = |p: usize| m.periods[p].days as f64;
        let layout = m.layout;
        let pools: Vec<Subject> = layout
            .local_pools()
            .zip(m.pools())
            .map(|(id, p)| match layout.pool(id) {
                Some(Pool::Service(_)) => Subject::Service(p.key.to_string()),
                _ => Subject::Ward(p.key.to_string()),
            })
            .collect();
        for (i, key) in pools.iter().enumerate() {
            self.each(Metric::MeanOccupied, key.clone(), &|t, p| {
                t.occupied_area[i] / days(p)
            });
        }
        self.each(Metric::MeanOccupied, Subject::OutOfArea, &|t, p| {
            t.oap_area.iter().sum::<f64>() / days(p)
        });
        // A team that takes all comers is never full: it has no occupancy KPIs.
        let limited: Vec<bool> = m.pools().map(|p| p.limited).collect();
        let limited = || pools.iter().enumerate().filter(|(i, _)| limited[*i]);
        for (i, key) in limited() {
            self.each(Metric::Occupancy, key.clone(), &|t, _| {
                100.0 * ratio(t.occupied_area[i], t.available_area[i])
            });
        }
        for (i, key) in limited() {
            self.each(Metric::DaysAbove85, key.clone(), &|t, _| {
                100.0 * ratio(t.days_85[i], t.days_open[i])
            });
        }
        for (i, key) in limited() {
            self.each(Metric::DaysFull, key.clone(), &|t, _| {
                100.0 * ratio(t.days_full[i], t.days_open[i])
            });
        }
        self.capacity(&pools);
    }

    /// Open capacity, for the pools that staffing or a disruption may close.
    fn capacity(&mut self, pools: &[Subject]) {
        let m = self.m;
        let Some(plans) = &m.capacity else {
            return;
        };
        let days = |p: usize| m.periods[p].days as f64;
        let planned = |i: usize| !plans.pools[i].is_empty();
        for (i, key) in pools.iter().enumerate().filter(|(i, _)| planned(*i)) {
            self.each(Metric::MeanOpen, key.clone(), &|t, p| {
                t.capacity_area[i] / days(p)
            });
        }
        for (i, key) in pools.iter().enumerate().filter(|(i, _)| planned(*i)) {
            self.each(Metric::ClosedBedDays, key.clone(), &|t, _| t.closed_area[i]);
        }
        for (i, key) in pools.iter().enumerate().filter(|(i, _)| planned(*i)) {
            self.each(Metric::DaysClosed, key.clone(), &|t, _| t.days_closed[i]);
        }
        let hazard = |i: usize| plans.pools[i].disruptions.iter().any(|d| d.hazard > 0.0);
        for (i, key) in pools.iter().enumerate().filter(|(i, _)| hazard(*i)) {
            self.each(Metric::ClosuresForGood, key.clone(), &|t, _| t.closures[i]);
        }
    }

    fn stays(&mut self) {
        let m = self.m;
        let all_stays = |t: &Totals| {
            let mut h = LogHistogram::new();
            for g in &t.los_hist {
                h.merge(g);
            }
            h
        };
        let stays = |t: &Totals, g: usize| t.los_hist[g].n as f64;
        self.each(Metric::LosMean, Subject::Pathway, &|t, _| {
            ratio(
                t.los_sum.iter().sum(),
                t.los_hist.iter().map(|h| h.n as f64).sum(),
            )
        });
        for (g, group) in m.groups.iter().enumerate() {
            self.each(
                Metric::LosMean,
                Subject::Group(group.key.clone()),
                &|t, _| ratio(t.los_sum[g], stays(t, g)),
            );
        }
        self.each(Metric::LosMedian, Subject::Pathway, &|t, _| {
            all_stays(t).quantile(0.5)
        });
        for (g, group) in m.groups.iter().enumerate() {
            self.each(
                Metric::LosMedian,
                Subject::Group(group.key.clone()),
                &|t, _| t.los_hist[g].quantile(0.5),
            );
        }
        self.each(Metric::LosP90, Subject::Pathway, &|t, _| {
            all_stays(t).quantile(0.9)
        });
        for (g, group) in m.groups.iter().enumerate() {
            self.each(
                Metric::LosP90,
                Subject::Group(group.key.clone()),
                &|t, _| t.los_hist[g].quantile(0.9),
            );
        }
        for (g, group) in m.groups.iter().enumerate() {
            if group.los_alarm.is_some() {
                self.each(
                    Metric::LosOverAlarm,
                    Subject::Group(group.key.clone()),
                    &|t, _| 100.0 * ratio(t.los_over_alarm[g], stays(t, g)),
                );
            }
        }
        self.each(Metric::OapLosMean, Subject::Pathway, &|t, _| {
            ratio(t.oap_los_sum, t.oap_los_n)
        });
        self.each(
            Metric::DelayedDischargeBedDays,
            Subject::Pathway,
            &|t, _| t.delayed_bed_days,
        );
        self.each(Metric::DelayedDischargePct, Subject::Pathway, &|t, _| {
            100.0 * ratio(t.delayed_bed_days, bed_days(m, t))
        });
    }

    fn costs(&mut self) {
        let m = self.m;
        let costs = |t: &Totals| -> PerCost<f64> {
            use CostCategory::*;
            let mut c = PerCost::default();
            for (w, ward) in m.wards.iter().enumerate() {
                // Contracted out-of-area beds are out of area, however they are paid for.
                let category = match (ward.tier.is_some(), ward.funding) {
                    (true, _) => OutOfArea,
                    (false, Funding::Block) => BlockBeds,
                    (false, Funding::Spot) => SpotBeds,
                };
                c[category] += ward_cost(m, t, w);
            }
            for (g, group) in m.groups.iter().enumerate() {
                c[OutOfArea] += t.oap_area[g] * group.oap_cost;
            }
            for (s, svc) in m.services.iter().enumerate() {
                c[svc.category] += t.billed[s] * svc.costing.gbp;
            }
            for (place, totals) in m.waiting_places.iter().zip(&t.places) {
                c[WaitingPlaces] += totals.days * place.cost;
            }
            c
        };
        self.each(Metric::Cost, Subject::Pathway, &|t, _| {
            costs(t).0.iter().sum()
        });
        // Waiting places are a category only when one has a cost, so that a scenario without
        // them reports the categories it always did.
        let waiting_costs = m.waiting_places.iter().any(|p| p.cost > 0.0);
        // Likewise services without a kind.
        let other = (m.services.iter()).any(|s| s.category == CostCategory::OtherAlternatives);
        for category in CostCategory::ALL {
            let shown = match category {
                CostCategory::WaitingPlaces => waiting_costs,
                CostCategory::OtherAlternatives => other,
                _ => true,
            };
            if !shown {
                continue;
            }
            self.each(Metric::Cost, Subject::Cost(category), &|t, _| {
                costs(t)[category]
            });
        }
        for (s, svc) in m.services.iter().enumerate() {
            self.each(
                Metric::ServiceCost,
                Subject::Service(svc.key.clone()),
                &|t, _| t.billed[s] * svc.costing.gbp,
            );
        }
        if m.budget.iter().any(Option::is_some) {
            self.each(Metric::Budget, Subject::Pathway, &|_, p| {
                m.budget[p].unwrap_or(f64::NAN)
            });
            self.each(Metric::BudgetVariance, Subject::Pathway, &|t, p| {
                m.budget[p].map_or(f64::NAN, |b| costs(t).0.iter().sum::<f64>() - b)
            });
        }
    }

    /// Each declared locality's young people: none without `[localities]`.
    fn localities(&mut self) {
        let m = self.m;
        type Row = (Metric, fn(&LocalityTotals, f64, f64) -> f64);
        // (metric, value from the tallies, the population and the years of the period)
        let rows: [Row; 12] = [
            (Metric::Referrals, |l, _, _| l.referrals),
            (Metric::ReferralsPer100k, |l, pop, y| {
                l.referrals / pop * 1e5 / y
            }),
            (Metric::Admissions, |l, _, _| l.admissions),
            (Metric::AdmissionsPer100k, |l, pop, y| {
                (l.admissions - l.repatriations - l.transfers + l.oap_placements) / pop * 1e5 / y
            }),
            (Metric::BedDays, |l, _, _| l.local_days + l.oap_days),
            (Metric::BedDaysPer100k, |l, pop, y| {
                (l.local_days + l.oap_days) / pop * 1e5 / y
            }),
            (Metric::OapPlacements, |l, _, _| l.oap_placements),
            (Metric::OapBedDays, |l, _, _| l.oap_days),
            (Metric::OapMeanDistance, |l, _, _| {
                ratio(l.oap_distance, l.oap_placements)
            }),
            (Metric::LocalAdmissionDistance, |l, _, _| {
                ratio(l.admission_miles, l.admissions)
            }),
            (Metric::BedWaits, |l, _, _| l.bed_waits),
            (Metric::BedWaitsOverTarget, |l, _, _| l.over_target),
        ];
        for (metric, value) in rows {
            for (i, locality) in m.localities.iter().enumerate() {
                if metric == Metric::LocalAdmissionDistance && locality.ward_miles.is_none() {
                    continue;
                }
                let pop = locality.population;
                self.each(metric, Subject::Locality(locality.key.clone()), &|t, p| {
                    let years = m.periods[p].days as f64 / DAYS_PER_YEAR;
                    value(&t.localities[i], pop, years)
                });
            }
        }
    }

    /// Referral to decision: only when some group's decision takes time.
    fn decisions(&mut self) {
        let m = self.m;
        if !m.gatekeeping {
            return;
        }
        self.each(Metric::DecisionMean, Subject::Pathway, &|t, _| {
            ratio(t.decision_days.iter().sum(), t.decisions.iter().sum())
        });
        for (g, group) in m.groups.iter().enumerate() {
            self.each(
                Metric::DecisionMean,
                Subject::Group(group.key.clone()),
                &|t, _| ratio(t.decision_days[g], t.decisions[g]),
            );
        }
        self.each(Metric::DecisionP90, Subject::Pathway, &|t, _| {
            let mut all = LogHistogram::new();
            for h in &t.decision_hist {
                all.merge(h);
            }
            all.quantile(0.9)
        });
        for (g, group) in m.groups.iter().enumerate() {
            self.each(
                Metric::DecisionP90,
                Subject::Group(group.key.clone()),
                &|t, _| t.decision_hist[g].quantile(0.9),
            );
        }
    }

    /// Each declared waiting place: none without `[waiting_places]`.
    fn waiting_places(&mut self) {
        let m = self.m;
        for (i, place) in m.waiting_places.iter().enumerate() {
            self.each(
                Metric::PlaceWaits,
                Subject::WaitingPlace(place.key.clone()),
                &|t, _| t.places[i].waits,
            );
        }
        for (i, place) in m.waiting_places.iter().enumerate() {
            self.each(
                Metric::PlaceWaitDays,
                Subject::WaitingPlace(place.key.clone()),
                &|t, _| t.places[i].days,
            );
        }
    }
}

/// Cost categories, the subjects of `cost_gbp` (the names of [`CostCategory::ALL`]).
pub const COST_CATEGORIES: [&str; 7] = [
    CostCategory::BlockBeds.name(),
    CostCategory::SpotBeds.name(),
    CostCategory::OutOfArea.name(),
    CostCategory::HomeTreatment.name(),
    CostCategory::DayHospital.name(),
    CostCategory::OtherAlternatives.name(),
    CostCategory::WaitingPlaces.name(),
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn check(x: f64) {
        assert_eq!(
            BIN_TABLE.bin(x),
            LogHistogram::bin_by_log(x),
            "bin of {x:e} ({:#x})",
            x.to_bits()
        );
    }

    /// The table agrees with the logarithm everywhere rounding could tell them apart (around
    /// every edge and every cell boundary), at random values and at the extremes.
    #[test]
    fn bin_table_matches_the_logarithm() {
        let t = &*BIN_TABLE;
        let near = |x: f64, ulps: i64| {
            (-ulps..=ulps).map(move |d| f64::from_bits((x.to_bits() as i64 + d) as u64))
        };
        for &edge in &t.lower[1..] {
            near(edge, 2000).for_each(check);
        }
        for cell in t.first_cell..=t.first_cell + t.cell_bin.len() as u64 {
            near(f64::from_bits(cell << BIN_SHIFT), 50).for_each(check);
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..1_000_000 {
            check(10f64.powf(rng.random_range(-4.0..6.0)));
        }
        for x in [
            0.0,
            -0.0,
            -1.0,
            HIST_MIN,
            1.0,
            1e300,
            f64::MIN_POSITIVE,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            check(x);
        }
    }

    /// A tally goes to the financial year of its day, whatever tally came before it: times
    /// next to every midnight and beyond both ends of the window, in order and shuffled.
    #[test]
    fn a_tally_goes_to_the_year_of_its_day() {
        let mut scenario = crate::examples::erlang_loss(1.0, 10.0, 5, 1);
        // Start mid-year, so that the first and last years are part years.
        scenario.simulation.start_date = chrono::NaiveDate::from_ymd_opt(2021, 9, 15).unwrap();
        let m = scenario.validate().expect("valid");
        assert!(m.periods.len() > 4, "several financial years");
        let (warmup, days) = (m.cal.warmup, m.cal.days as usize);
        let mut times = Vec::new();
        for d in 0..=days + 1 {
            let t = warmup + d as f64;
            let below = f64::from_bits(t.to_bits() - 1);
            times.extend([below, t, f64::from_bits(t.to_bits() + 1), t + 0.5]);
        }
        times.push(0.0);
        let expected = |t: f64| {
            (t >= warmup && t < m.cal.end())
                .then(|| m.period_of_day[((t - warmup) as usize).min(days - 1)] as usize)
        };
        let mut shuffled = times.clone();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.random_range(0..=i));
        }
        for order in [times, shuffled] {
            let mut rec = Recorder::new(&m);
            for t in order {
                let before: Vec<f64> = rec.totals.iter().map(|tot| tot.declined).collect();
                rec.add(&m, t, |tot| tot.declined += 1.0);
                let changed = rec
                    .totals
                    .iter()
                    .zip(&before)
                    .position(|(a, &b)| a.declined != b);
                assert_eq!(changed, expected(t), "time {t}");
            }
        }
    }
}
