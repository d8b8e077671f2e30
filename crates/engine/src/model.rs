//! The compiled scenario as plain data: names resolved to indices, distributions built, the
//! roadmap expanded into capacity steps and a rate function. Built only by `compile` (through
//! [`crate::Scenario::validate`]); nothing here checks or computes beyond simple accessors.

use crate::arrivals::Arrivals;
use crate::capacity::Plans;
use crate::dist::Dist;
use crate::layout::{CostCategory, Layout, PerUrgency};
use crate::results::{KpiKey, PeriodInfo, PoolKind};
use crate::rng::ServiceKeys;
use crate::scenario::{AfterWait, Funding, UrgencyClass};
use crate::time::Calendar;
use chrono::NaiveDate;

/// A validated, compiled scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) name: String,
    pub(crate) seed: u64,
    pub(crate) replications: u32,
    pub(crate) cal: Calendar,
    pub(crate) groups: Vec<GroupModel>,
    /// Cumulative urgency shares, most urgent first.
    pub(crate) urgency_cum: PerUrgency<f64>,
    /// The access standard per urgency: waiting for a local bed past it is a breach
    /// (infinite: no standard).
    pub(crate) urgency_target: PerUrgency<f64>,
    /// Wait for a local bed after which a young person is placed out of area (infinite:
    /// wait indefinitely).
    pub(crate) urgency_trigger: PerUrgency<f64>,
    /// Where each ward, service and series sits in the flat arrays.
    pub(crate) layout: Layout,
    pub(crate) wards: Vec<WardModel>,
    pub(crate) services: Vec<ServiceModel>,
    pub(crate) arrivals: Arrivals,
    /// Cumulative group shares, each from a clock time on (sorted; the first starts at 0).
    pub(crate) shares: Vec<(f64, Vec<f64>)>,
    pub(crate) steps: Vec<CapacityStep>,
    /// With `Some(days)`, suitable referrals wait this long for a community place.
    pub(crate) alternative_wait: Option<f64>,
    pub(crate) repatriation: bool,
    pub(crate) census: Vec<CensusEntry>,
    /// `periods[0]` is overall; the rest are financial years.
    pub(crate) periods: Vec<PeriodInfo>,
    /// Period index (≥ 1) of each reported day.
    pub(crate) period_of_day: Vec<u16>,
    /// Whether each reported day is a weekday (looked up at every midnight).
    pub(crate) weekday: Vec<bool>,
    /// Budget per period (prorated by days for partial financial years).
    pub(crate) budget: Vec<Option<f64>>,
    pub(crate) population: Option<f64>,
    /// Capacity at each reported midnight, per pool (wards, then services).
    pub(crate) capacity_by_day: Vec<Vec<u32>>,
    pub(crate) kpi_keys: Vec<KpiKey>,
    /// Contracted out-of-area wards, in the order a placement tries them.
    pub(crate) tiers: Vec<usize>,
    /// What keeps physical capacity closed (staffing, disruption); `None` when nothing does,
    /// and every replication opens exactly the roadmap's capacity.
    pub(crate) capacity: Option<Plans>,
    /// The declared localities (empty: one implicit footprint, reported as a whole).
    pub(crate) localities: Vec<LocalityModel>,
    /// Cumulative locality shares (the last exactly 1); drawn only with two or more.
    pub(crate) locality_cum: Vec<f64>,
    /// Where young people wait for a bed (empty: not reported).
    pub(crate) waiting_places: Vec<WaitingPlaceModel>,
    /// Groups with their own growth, each an arrival process of its own beside `arrivals`
    /// (which then carries only the other groups).
    pub(crate) group_arrivals: Vec<GroupArrivals>,
    /// Whether any group's access decision takes time: then every group's decisions are
    /// timed and reported (at once counts as 0 days).
    pub(crate) gatekeeping: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct LocalityModel {
    pub key: String,
    pub label: String,
    pub population: f64,
    /// Miles to each ward (indexed by ward), when given.
    pub ward_miles: Option<Vec<f64>>,
    /// Out-of-area distance replacing the group's.
    pub oap_distance: Option<Dist>,
}

#[derive(Debug, Clone)]
pub(crate) struct WaitingPlaceModel {
    pub key: String,
    pub label: String,
    pub cost: f64,
}

/// The referrals of one group with its own growth: their times come from their own stream
/// and their keys from their own sequence, so adding such a group changes no other draw.
#[derive(Debug, Clone)]
pub(crate) struct GroupArrivals {
    pub group: usize,
    /// [`crate::rng::name_key`] of the group's name.
    pub stream: u64,
    pub arrivals: Arrivals,
}

#[derive(Debug, Clone)]
pub(crate) struct GroupModel {
    pub key: String,
    pub label: String,
    pub decline: f64,
    /// Services to try, in order, with the probability of suiting each.
    pub alternatives: Vec<(usize, f64)>,
    /// Wards that accept the group, most preferred first.
    pub wards: Vec<usize>,
    /// Length of stay in each ward (indexed by ward).
    pub los: Vec<Dist>,
    pub oap_los: Dist,
    /// Whether out-of-area stays carry a delayed discharge (only when they are drawn from
    /// the local stay, never on top of an explicit out-of-area stay).
    pub oap_delay: bool,
    /// Stays longer than this are counted in `los_over_alarm_pct`.
    pub los_alarm: Option<f64>,
    pub oap_cost: f64,
    pub distance: Dist,
    pub step_down: Option<StepDownModel>,
    pub delay: Option<(f64, Dist)>,
    pub readmission: Option<(f64, Dist)>,
    /// Cumulative shares of the waiting places per urgency (empty when none are declared).
    pub waits_in: PerUrgency<Vec<f64>>,
    /// Time from referral to the access decision (`None`: decided at referral).
    pub gatekeeping: Option<Dist>,
}

#[derive(Debug, Clone)]
pub(crate) struct StepDownModel {
    pub probability: f64,
    pub service: usize,
    pub factor: f64,
    pub episode: Dist,
}

#[derive(Debug, Clone)]
pub(crate) struct WardModel {
    pub key: String,
    pub label: String,
    pub beds: u32,
    /// `accepts[g]`: the ward takes group g.
    pub accepts: Vec<bool>,
    pub funding: Funding,
    pub cost: f64,
    pub max_capacity: u32,
    /// Distance from home of a placement, when the ward is contracted out-of-area beds.
    pub tier: Option<Dist>,
    pub transfer: Option<TransferModel>,
}

/// The end of a stay in one ward as a move to another.
#[derive(Debug, Clone)]
pub(crate) struct TransferModel {
    pub to: usize,
    pub probability: f64,
    /// The stay in `to` (`None`: the group's stay there).
    pub los: Option<Dist>,
    /// Longest wait for a bed in `to` (infinite: no limit).
    pub max_wait: f64,
    pub after_wait: AfterWait,
}

#[derive(Debug, Clone)]
pub(crate) struct ServiceModel {
    pub key: String,
    pub label: String,
    /// Places at the start (`None`: a team that takes all comers).
    pub places: Option<u32>,
    pub costing: ServiceCosting,
    /// Where its spending is reported.
    pub category: CostCategory,
    /// The service's random streams, keyed by its name so that its draws do not depend on
    /// its position.
    pub streams: ServiceKeys,
    pub episode: Dist,
    /// Escalation probability per group.
    pub escalation: Vec<f64>,
    pub escalation_delay: Option<Dist>,
    pub max_capacity: u32,
    /// `serves[l]`: the service takes referrals from locality l (empty: from everywhere).
    pub serves: Vec<bool>,
}

/// What a service is paid for, and the price of one unit of it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServiceCosting {
    pub unit: CostUnit,
    pub gbp: f64,
}

/// The unit a service is paid by, tallied per service and financial year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CostUnit {
    /// Open places, every day.
    PlaceDay,
    /// Caseload-days on the days the service is open.
    Attendance { weekdays_only: bool },
    /// Episodes started.
    Episode,
    /// Caseload-days (the price is per contact × contacts a day).
    CaseloadDay,
}

/// The room of a pool without a limit: a team that takes all comers never runs out of it.
pub(crate) const ALL_COMERS: u32 = u32::MAX;

pub(crate) use crate::capacity::CapacityStep;

/// Someone already in the pathway when a census start begins.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CensusEntry {
    InWard {
        ward: usize,
        group: usize,
        days: f64,
    },
    OutOfArea {
        group: usize,
        days: f64,
    },
    Waiting {
        group: usize,
        urgency: UrgencyClass,
        days: f64,
    },
}

/// A ward or service seen as a pool of places.
pub(crate) struct PoolInfo<'a> {
    pub key: &'a str,
    pub label: &'a str,
    pub kind: PoolKind,
    /// Places on the first day ([`ALL_COMERS`] for a pool without a limit).
    pub initial: u32,
    /// Whether the pool has a limit: a team that takes all comers has none, and no capacity
    /// KPIs.
    pub limited: bool,
    /// The most places it has during the run (0 for a pool without a limit).
    pub max: u32,
}

impl Model {
    /// Every ward, then every service, in the order of [`Layout::local_pools`].
    pub(crate) fn pools(&self) -> impl Iterator<Item = PoolInfo<'_>> {
        let wards = self.wards.iter().map(|w| PoolInfo {
            key: &w.key,
            label: &w.label,
            kind: PoolKind::Ward,
            initial: w.beds,
            limited: true,
            max: w.max_capacity,
        });
        let services = self.services.iter().map(|s| PoolInfo {
            key: &s.key,
            label: &s.label,
            kind: PoolKind::Service,
            initial: s.places.unwrap_or(ALL_COMERS),
            limited: s.places.is_some(),
            max: s.max_capacity,
        });
        wards.chain(services)
    }

    /// Scenario name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Replications the scenario asks for.
    pub fn replications(&self) -> u32 {
        self.replications
    }

    /// The seed of all random streams.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Reported days (after warm-up).
    pub fn days(&self) -> u32 {
        self.cal.days
    }

    /// Warm-up days (0 with a census start).
    pub fn warmup_days(&self) -> u32 {
        self.cal.warmup as u32
    }

    /// Daily series (occupancy and waiting lists) every replication records.
    pub fn daily_series(&self) -> usize {
        self.layout.series()
    }

    /// The KPIs every replication reports, in order.
    pub fn kpi_keys(&self) -> &[KpiKey] {
        &self.kpi_keys
    }

    /// Whether `other` reports the same KPIs over the same days with pools of the same
    /// largest sizes, so that its replications can be aggregated with this model's (as the
    /// parameter draws of one scenario are).
    pub fn same_shape(&self, other: &Model) -> bool {
        self.kpi_keys == other.kpi_keys
            && self.cal.days == other.cal.days
            && self.pools().map(|p| p.max).eq(other.pools().map(|p| p.max))
    }

    /// Expected referrals (excluding readmissions) between two dates: the integral of the rate.
    pub fn expected_referrals(&self, from: NaiveDate, to: NaiveDate) -> f64 {
        let (a, b) = (self.cal.time_of(from), self.cal.time_of(to));
        self.arrivals.expected(a, b)
            + self
                .group_arrivals
                .iter()
                .map(|g| g.arrivals.expected(a, b))
                .sum::<f64>()
    }

    /// Expected new referrals of one group between two dates (`None`: no such group): the
    /// integral of its rate, its own process's or its share of the common one's.
    pub fn expected_group_referrals(
        &self,
        group: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Option<f64> {
        let g = self.groups.iter().position(|x| x.key == group)?;
        let (a, b) = (self.cal.time_of(from), self.cal.time_of(to));
        if let Some(own) = self.group_arrivals.iter().find(|x| x.group == g) {
            return Some(own.arrivals.expected(a, b));
        }
        // The common process, cut where the shares change, each piece times the group's share.
        let mut total = 0.0;
        for (i, (start, cum)) in self.shares.iter().enumerate() {
            let end = self.shares.get(i + 1).map_or(f64::INFINITY, |s| s.0);
            let (lo, hi) = (a.max(*start), b.min(end));
            if hi > lo {
                let share = cum[g] - if g > 0 { cum[g - 1] } else { 0.0 };
                total += share * self.arrivals.expected(lo, hi);
            }
        }
        Some(total)
    }
}
