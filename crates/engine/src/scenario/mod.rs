//! The scenario format: what a planner writes, as plain data.
//!
//! These serde types *are* the file format. Their doc comments become the JSON Schema
//! (`carepath schema`) and the README's key reference, so the format is defined once.
//! Names, not indices, link the parts (a ward names the groups it accepts); nothing here is
//! checked until [`Scenario::validate`] turns it into a [`crate::Model`], collecting every
//! problem with the dotted key path that holds it.

mod dist;
mod error;
pub mod limits;

pub use dist::Distribution;
pub use error::{KeyPath, ScenarioError, ScenarioErrors, Seg};

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole scenario: one roadmap option for the tier 4 pathway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name used for output folders and chart legends (default: the file name).
    #[serde(default)]
    pub name: String,
    /// One or two sentences saying what question this scenario answers.
    #[serde(default)]
    pub description: String,
    /// Run length, warm-up, replications and seed.
    pub simulation: Simulation,
    /// Referral (access assessment) arrivals.
    pub demand: Demand,
    /// Clinical urgency classes with their shares and wait targets.
    #[serde(default)]
    pub urgency: Urgencies,
    /// Patient groups (pathways), keyed by a short name such as `general` or `picu`.
    pub groups: BTreeMap<String, Group>,
    /// Inpatient bed pools, keyed by a short name such as `gau`.
    #[serde(default)]
    pub wards: BTreeMap<String, Ward>,
    /// Alternatives to admission (home treatment, day hospitals, crisis teams, crisis
    /// houses), keyed by name.
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    /// What happens when no local place is free.
    #[serde(default)]
    pub policy: Policy,
    /// The annual budget that costs are compared against.
    #[serde(default)]
    pub budget: Budget,
    /// Dated changes to capacity and demand, in any order.
    #[serde(default)]
    pub roadmap: Vec<RoadmapChange>,
    /// Start from today's occupants instead of an empty system.
    #[serde(default)]
    pub census: Option<Census>,
    /// Random closures: a ward or service closed to new admissions in a share of weeks, or at
    /// risk of closing for good.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disruption: Vec<Disruption>,
    /// The places referrals come from (e.g. counties), keyed by a short name. Omit for one
    /// footprint: no per-locality results. With two or more, each new referral's locality is
    /// drawn from their shares; a readmission keeps the young person's locality.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub localities: BTreeMap<String, Locality>,
    /// Where young people wait for a bed (paediatric ward, adult ward, A&E, home), keyed by a
    /// short name; each group's `waits_in` gives the shares. Omit to report no places.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub waiting_places: BTreeMap<String, WaitingPlace>,
}

/// A locality of the footprint (a county or unitary authority) that referrals come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Locality {
    /// Name shown in charts and tables (default: the key).
    #[serde(default)]
    pub label: String,
    /// Under-18 population of the locality, for its rates per 100,000 (at most 100,000,000).
    pub population_under_18: f64,
    /// Share of new referrals from this locality. Give it for every locality (summing to 1)
    /// or for none: then each locality's share is its share of the under-18 population.
    #[serde(default)]
    pub share: Option<f64>,
    /// Road miles from the locality to each ward, for the mean distance of its local
    /// admissions (`local_admission_distance_miles`). Omit for no such figure; if given, list
    /// every ward.
    #[serde(default)]
    pub ward_distance_miles: BTreeMap<String, f64>,
    /// Distance from home of an out-of-area placement of a young person from this locality,
    /// in miles, replacing the group's `out_of_area.distance_miles` (default: the group's).
    #[serde(default)]
    pub out_of_area_distance_miles: Option<Distribution>,
}

/// A place where young people wait for a bed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitingPlace {
    /// Name shown in charts and tables (default: the key).
    #[serde(default)]
    pub label: String,
    /// £ per day a young person waits here (e.g. a paediatric bed-day), counted in the cost
    /// category `waiting_places` and so in the total and the budget. Omit for no cost.
    #[serde(default)]
    pub cost_per_day_gbp: Option<f64>,
}

/// Run length, warm-up, replications and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    /// First day that results are reported for: a date such as `2019-04-01`, from 1900 to
    /// 2200. Roadmap dates are counted from here; the warm-up runs before it.
    pub start_date: NaiveDate,
    /// Reported period in calendar years after the start date: the run ends on the same date
    /// `years` later (2 years from 2024-04-01 end on 2026-03-31, exactly two financial years;
    /// from 29 February, on 28 February). A fraction adds that share of the following year's
    /// days, rounded to a whole day (0.5 from 2024-04-01: 183 days, to 2024-09-30).
    pub years: f64,
    /// Days simulated before the start date and then discarded, so that results do not start
    /// from empty wards. Ignored (taken as 0) when a census is given. At most 36,525.
    #[serde(default = "default_warmup_days")]
    #[schemars(range(max = limits::MAX_WARMUP_DAYS))]
    pub warmup_days: u32,
    /// Independent replications; 30 or more give useful confidence intervals (at most
    /// 100,000).
    #[serde(default = "default_replications")]
    #[schemars(range(min = 1, max = limits::MAX_REPLICATIONS))]
    pub replications: u32,
    /// Parameter sets drawn from `[uncertainty]` by Latin hypercube, each run `replications`
    /// times (second-order Monte Carlo). Omit to run once with the inputs as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_draws: Option<u32>,
    /// Seed for all random streams. The same seed gives the same results.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_warmup_days() -> u32 {
    365
}
fn default_replications() -> u32 {
    30
}
fn default_seed() -> u64 {
    2022
}

/// Referral arrivals: a non-homogeneous Poisson process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    /// Mean new referrals (access assessments) per year at the start date, before
    /// seasonality; readmissions come on top. At most 1,000,000, and at most 2,000,000
    /// expected over the warm-up and horizon of a replication (growth included).
    pub referrals_per_year: f64,
    /// Compound growth of the referral rate per year, as a fraction (0.05 = 5 % a year), above
    /// -1 and at most 1.
    #[serde(default)]
    pub annual_growth: f64,
    /// Twelve multipliers on the rate, January to December, averaging between 0.9 and 1.1
    /// (they move referrals between months; the year's total is `referrals_per_year`). Omit for
    /// no seasonality.
    #[serde(default)]
    pub seasonality: Option<Vec<f64>>,
    /// Under-18 population served, for rates per 100,000 (optional; at most 100,000,000).
    #[serde(default)]
    pub population_under_18: Option<f64>,
}

/// The three urgency classes of the NHS England access targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Urgencies {
    /// Emergency admissions (target: within 24 hours).
    #[serde(default = "Urgency::emergency")]
    pub emergency: Urgency,
    /// Urgent admissions (target: within 48 hours).
    #[serde(default = "Urgency::urgent")]
    pub urgent: Urgency,
    /// Routine admissions (target: within 7 days).
    #[serde(default = "Urgency::routine")]
    pub routine: Urgency,
}

impl Urgencies {
    /// The settings of one class.
    pub fn get(&self, class: UrgencyClass) -> &Urgency {
        match class {
            UrgencyClass::Emergency => &self.emergency,
            UrgencyClass::Urgent => &self.urgent,
            UrgencyClass::Routine => &self.routine,
        }
    }
}

impl Default for Urgencies {
    fn default() -> Self {
        Self {
            emergency: Urgency::emergency(),
            urgent: Urgency::urgent(),
            routine: Urgency::routine(),
        }
    }
}

/// One urgency class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Urgency {
    /// Share of referrals in this class; the three shares sum to 1.
    pub share: f64,
    /// The access standard, in days: a young person still waiting for a local bed when it
    /// passes is a breach (`bed_waits_over_target`), and every day waited beyond it counts in
    /// `bed_wait_days_over_target`. With 0, every request that finds no free local bed is a
    /// breach. Omit for no standard (nothing is counted as a breach).
    #[serde(default)]
    pub target_days: Option<f64>,
    /// How long a young person waits for a local bed before being placed out of area, in
    /// days (default: `target_days`, so that the standard is also the trigger). Set it apart
    /// from the target to model waiting locally past the standard (longer) or placing out of
    /// area before it (shorter); `inf` never places out of area. Omit both to wait for a local
    /// bed indefinitely.
    #[serde(default)]
    #[schemars(extend("x-infinity" = "allowed"))]
    pub place_out_of_area_after_days: Option<f64>,
}

impl Urgency {
    fn emergency() -> Self {
        Self {
            share: 0.3,
            target_days: Some(1.0),
            place_out_of_area_after_days: None,
        }
    }
    fn urgent() -> Self {
        Self {
            share: 0.4,
            target_days: Some(2.0),
            place_out_of_area_after_days: None,
        }
    }
    fn routine() -> Self {
        Self {
            share: 0.3,
            target_days: Some(7.0),
            place_out_of_area_after_days: None,
        }
    }
}

/// A patient group (pathway), e.g. general adolescent, PICU, eating disorder, LD/autism.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Name shown in charts and tables (default: the key).
    #[serde(default)]
    pub label: String,
    /// Share of referrals in this group; the shares of all groups sum to 1.
    pub share: f64,
    /// Probability that gatekeeping declines the referral (back to community care).
    #[serde(default)]
    pub decline_probability: f64,
    /// Community alternatives to try, in order, before admission. Each service's
    /// `eligibility` says how likely a referral of this group is to suit it.
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// Length of stay in a local bed, in days (a ward may override it for this group).
    pub los_days: Distribution,
    /// Early discharge to a community service ("step-down").
    #[serde(default)]
    pub step_down: Option<StepDown>,
    /// Extra days in bed after the patient is ready to leave. Applies to local stays, and to
    /// out-of-area stays only when `out_of_area.los_days` is not given (the stay out of area
    /// is then drawn like a local one, delay included); an explicit `out_of_area.los_days` is
    /// the whole out-of-area stay.
    #[serde(default)]
    pub delayed_discharge: Option<DelayedDischarge>,
    /// Re-referral after discharge.
    #[serde(default)]
    pub readmission: Option<Readmission>,
    /// A length of stay, in days, that should raise an alarm (e.g. PICU 42, LD/autism 365):
    /// `los_over_alarm_pct` reports the share of local stays longer than this.
    #[serde(default)]
    pub los_alarm_days: Option<f64>,
    /// Out-of-area placement for this group when no local bed is found in time.
    pub out_of_area: OutOfArea,
    /// Compound growth of this group's referrals per year, replacing `demand.annual_growth`
    /// for it (e.g. eating disorders 0.07). The group then has its own arrival process,
    /// starting from its share of `demand.referrals_per_year`; see README "Demand".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_growth: Option<f64>,
    /// Where this group's young people wait for a bed: a share per `waiting_places` entry,
    /// summing to 1, drawn once when a wait begins. Omit when no places are declared.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub waits_in: BTreeMap<String, f64>,
    /// Where young people of one urgency wait, replacing `waits_in` for it (an emergency
    /// waits in A&E or a paediatric ward more often than a routine request). An urgency not
    /// given here uses `waits_in`.
    #[serde(default, skip_serializing_if = "WaitsByUrgency::is_empty")]
    pub waits_in_by_urgency: WaitsByUrgency,
    /// Time from referral to the access decision, in days (default: decided at referral).
    /// The decision (decline, a community alternative, or a bed request) is made when it
    /// ends, and `referral_to_decision_*` report it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gatekeeping_days: Option<Distribution>,
}

/// Waiting-place shares for particular urgencies, each summing to 1.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitsByUrgency {
    /// Shares for emergency requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<BTreeMap<String, f64>>,
    /// Shares for urgent requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<BTreeMap<String, f64>>,
    /// Shares for routine requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routine: Option<BTreeMap<String, f64>>,
}

impl WaitsByUrgency {
    /// The shares given for one urgency.
    pub fn get(&self, class: UrgencyClass) -> Option<&BTreeMap<String, f64>> {
        match class {
            UrgencyClass::Emergency => self.emergency.as_ref(),
            UrgencyClass::Urgent => self.urgent.as_ref(),
            UrgencyClass::Routine => self.routine.as_ref(),
        }
    }

    /// Whether no urgency has shares of its own.
    pub fn is_empty(&self) -> bool {
        UrgencyClass::ALL.iter().all(|&u| self.get(u).is_none())
    }
}

/// Early discharge into a community service, which shortens the inpatient stay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDown {
    /// Share of admissions offered step-down.
    pub probability: f64,
    /// The service that takes them (must exist in `services`).
    pub service: String,
    /// Inpatient stay multiplied by this when a place is free at the early discharge date.
    pub los_factor: f64,
    /// Length of the step-down episode, in days.
    pub episode_days: Distribution,
}

/// Delayed discharge: extra bed-days after a patient is clinically ready to leave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelayedDischarge {
    /// Share of stays that are delayed.
    pub probability: f64,
    /// Extra days in bed.
    pub extra_days: Distribution,
}

/// Readmission: a discharged patient is referred again after a delay. The readmission keeps
/// the young person's group (a PICU patient is readmitted as PICU, whatever the group shares
/// are then); its urgency and everything after gatekeeping are drawn again, as for any
/// referral, because a new crisis need not be as urgent as the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Readmission {
    /// Share of discharged patients referred again.
    pub probability: f64,
    /// Time from discharge to the new referral, in days.
    pub delay_days: Distribution,
}

/// Out-of-area placement (OAP): unlimited spot-purchased beds far from home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutOfArea {
    /// Length of the whole stay out of area, in days, delayed discharge included (default: the
    /// group's local `los_days`, with its delayed discharge on top).
    #[serde(default)]
    pub los_days: Option<Distribution>,
    /// Spot price per occupied bed-day, in £.
    pub cost_per_day_gbp: f64,
    /// Distance from home, in miles.
    pub distance_miles: Distribution,
}

/// A named pool of local beds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ward {
    /// Name shown in charts and tables (default: the key).
    #[serde(default)]
    pub label: String,
    /// Beds at the start (0 for a ward that opens later on the roadmap; at most 10,000).
    #[schemars(range(max = limits::MAX_CAPACITY))]
    pub beds: u32,
    /// Groups this ward admits. A group prefers the ward that lists it earliest
    /// (an eating-disorder unit lists `eating_disorder` first; a general unit may list it
    /// second); between wards that list it at the same position, the ward whose key sorts
    /// first (so name NHS and contracted wards accordingly).
    pub accepts: Vec<String>,
    /// How the ward is paid for.
    pub funding: Funding,
    /// £ per open bed-day (block) or per occupied bed-day (spot).
    pub cost_per_bed_day_gbp: f64,
    /// Length of stay here for particular groups, in days, overriding the group's `los_days`.
    #[serde(default)]
    pub los_days: BTreeMap<String, Distribution>,
    /// Makes this ward contracted beds out of area, in a neighbouring unit (the "next best
    /// place"): never used for a local admission, tried before the national spot-purchase
    /// pool when a young person is placed out of area. A stay here is an out-of-area stay
    /// (its length is the group's `out_of_area.los_days`, and repatriation can end it); its
    /// cost, paid as `funding` says, is in the cost category `out_of_area`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_area: Option<ContractedBeds>,
    /// A share of the stays here end in a move to another local ward (a PICU stay stepping
    /// down to a general ward) instead of a discharge home. The young person keeps this bed
    /// until one there is free; waiting transfers take a freed bed before anyone on the
    /// waiting list. A spell moves at most once (the stay after a transfer ends at home), and
    /// delayed discharge applies only to the stay that ends at home.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer>,
    /// Staff in post at the start, in whole-time equivalents (WTE). With `wte_per_bed`, the
    /// ward opens only the beds its staff can run: floor(staff × (1 − vacancy) / wte_per_bed),
    /// at most `beds`. Omit for a ward whose beds are all staffed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_wte: Option<f64>,
    /// WTE needed to open one bed (needs `staff_wte`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wte_per_bed: Option<f64>,
    /// The share of posts vacant, drawn at random (needs `staff_wte`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vacancy: Option<Vacancy>,
}

/// Contracted out-of-area beds: one tier of the overflow before the national pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractedBeds {
    /// The order tiers are tried in when a young person is placed out of area: 1 first (at
    /// least 1); between wards of the same tier, the ward whose key sorts first. The national
    /// pool, unlimited, comes after every tier.
    #[schemars(range(min = 1))]
    pub tier: u32,
    /// Distance from home of a placement here, in miles.
    pub distance_miles: Distribution,
}

/// A move from one ward to another at the end of a stay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The local ward they move to. It takes them whatever its `accepts` says.
    pub to: String,
    /// Share of stays here (local admissions, not repatriations) that end in a transfer.
    pub probability: f64,
    /// Length of the stay in `to`, in days (default: the group's stay in that ward).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub los_days: Option<Distribution>,
    /// The longest wait, in days, for a bed in `to`; then `after_wait` applies. Omit to wait
    /// as long as it takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait_days: Option<f64>,
    /// What happens after `max_wait_days`: `discharge` home from this ward, or `stay` here
    /// for the stay `to` would have given.
    #[serde(default)]
    pub after_wait: AfterWait,
}

/// What happens to a transfer that waited `max_wait_days` for a bed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AfterWait {
    /// Discharged home from the first ward: the spell ends.
    #[default]
    Discharge,
    /// The rest of the care is given in the first ward: a stay as long as the one in `to`.
    Stay,
}

/// A vacancy rate: the share of staff posts unfilled, drawn from its own stream keyed by the
/// ward's or service's name, so that scenarios run with the same seed draw the same vacancies
/// (paired comparisons stay paired).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vacancy {
    /// The rate's distribution, between 0 and 1 (a `fixed`, `uniform`, `triangular` or
    /// `empirical` distribution).
    pub rate: Distribution,
    /// Draw the rate once per `replication` (a lasting shortage) or afresh every calendar
    /// `month` (turnover).
    #[serde(default)]
    pub drawn: VacancyDraw,
}

/// How often a vacancy rate is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VacancyDraw {
    /// Once per replication.
    #[default]
    Replication,
    /// Afresh for every calendar month.
    Month,
}

/// How a ward is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Funding {
    /// Block contract: every open bed-day is paid for, occupied or not (not those closed by
    /// staffing or a disruption).
    Block,
    /// Spot purchase: only occupied bed-days are paid for.
    Spot,
}

/// An alternative to admission, described by what it does: how many it can hold, how long an
/// episode lasts, how often it escalates to an admission request, and how it is paid for.
/// `kind` names the two services the pathway has long had (home treatment, day hospital) and
/// gives them their usual costing; any other service (a crisis team, a crisis house) states
/// its own `cost`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Name shown in charts and tables (default: the key).
    #[serde(default)]
    pub label: String,
    /// `home_treatment` (costed per commissioned place-day) or `day_hospital` (per attendance
    /// day, weekdays only), with `cost_per_day_gbp`; the service's spending is reported in that
    /// category. Omit for any other service, which then needs `cost` and is reported as
    /// `other_alternatives`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ServiceKind>,
    /// Concurrent places (caseload) at the start (at most 10,000). Omit for a team that takes
    /// all comers: it never runs out of room, so nobody waits for it and a referral that suits
    /// it is never admitted for want of a place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = limits::MAX_CAPACITY))]
    pub places: Option<u32>,
    /// With `kind`: £ per commissioned place-day (home treatment) or per attendance day (day
    /// hospital, weekdays only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_day_gbp: Option<f64>,
    /// How the service is paid for, e.g. `{ per = "contact", gbp = 180, contacts_per_week = 5 }`
    /// (overrides the costing that `kind` implies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Costing>,
    /// Probability, per group, that a referral suits this service (groups not listed: 0).
    #[serde(default)]
    pub eligibility: BTreeMap<String, f64>,
    /// Episode length, in days.
    pub episode_days: Distribution,
    /// Probability, per group, that an episode escalates to an admission request
    /// (groups not listed: 0).
    #[serde(default)]
    pub escalation: BTreeMap<String, f64>,
    /// Time from the start of an episode to its escalation; an escalation drawn after the
    /// episode's end happens at the end. Default: uniform over the episode.
    #[serde(default)]
    pub escalation_delay_days: Option<Distribution>,
    /// Staff in post at the start, in WTE. With `wte_per_place`, the service opens only the
    /// places its staff can run: floor(staff × (1 − vacancy) / wte_per_place), at most
    /// `places`. Omit for a service whose places are all staffed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_wte: Option<f64>,
    /// WTE needed to run one place (needs `staff_wte`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wte_per_place: Option<f64>,
    /// The share of posts vacant, drawn at random (needs `staff_wte`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vacancy: Option<Vacancy>,
    /// The localities the service takes referrals from (default: all). A referral from
    /// another locality is never considered for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localities: Option<Vec<String>>,
}

/// One of the two services the pathway has long had; the kind sets its costing and its cost
/// category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// Intensive home treatment: costed per commissioned place-day.
    HomeTreatment,
    /// Day hospital: attended on weekdays, costed per attendance day.
    DayHospital,
}

/// How a service is paid for, written as `{ per = "episode", gbp = 1200 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "per", rename_all = "snake_case", deny_unknown_fields)]
pub enum Costing {
    /// Every open place, every day, used or not (a block-funded service; needs `places`).
    PlaceDay {
        /// £ per place-day.
        gbp: f64,
    },
    /// Every day a young person is on the caseload and the service is open.
    Attendance {
        /// £ per attendance.
        gbp: f64,
        /// The days the service is open: `weekdays` (default) or `every_day`.
        #[serde(default)]
        open: OpenDays,
    },
    /// Every episode that starts, whatever its length (step-downs into the service included).
    Episode {
        /// £ per episode.
        gbp: f64,
    },
    /// Every contact, at `contacts_per_week` for each young person on the caseload.
    Contact {
        /// £ per contact.
        gbp: f64,
        /// Contacts a week with each young person on the caseload (7: one a day).
        contacts_per_week: f64,
    },
}

/// The days an attended service is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpenDays {
    /// Monday to Friday.
    #[default]
    Weekdays,
    /// Every day of the week.
    EveryDay,
}

/// What happens when no local place is free.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// When a referral suits a community alternative but none has a free place: `admit`
    /// (counted as an avoidable admission) or `wait` for a place.
    #[serde(default)]
    pub when_alternatives_full: WhenFull,
    /// With `wait`: the longest wait for a community place before the referral is admitted.
    #[serde(default = "default_alternative_wait")]
    pub alternative_wait_days: f64,
    /// When a local bed frees and nobody waits for it, bring back a compatible patient placed
    /// out of area.
    #[serde(default)]
    pub repatriation: bool,
}

fn default_alternative_wait() -> f64 {
    7.0
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            when_alternatives_full: WhenFull::Admit,
            alternative_wait_days: default_alternative_wait(),
            repatriation: false,
        }
    }
}

/// Policy when every suitable community alternative is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// Admit now (an avoidable admission).
    #[default]
    Admit,
    /// Wait for a community place, up to `alternative_wait_days`, then admit.
    Wait,
}

/// The budget that costs are compared against, per financial year (April to March).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Budget for each financial year, in £.
    #[serde(default)]
    pub annual_gbp: Option<f64>,
    /// Budgets for particular financial years (key `"2024/25"`), overriding `annual_gbp`.
    #[serde(default)]
    pub by_financial_year: BTreeMap<String, f64>,
}

/// One dated change on the roadmap. Name a `ward` or a `service` with its new `capacity`,
/// or change demand (`referrals_per_year`, `annual_growth`, `group_shares`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoadmapChange {
    /// A stable name for the change, unique in the roadmap, so that a sweep, `--set` or
    /// `solve` can address it as `roadmap.<id>.date` whatever its position (positions shift
    /// when a file that extends this one adds changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When the change takes effect.
    pub date: NaiveDate,
    /// What the change is (shown in the report).
    #[serde(default)]
    pub note: String,
    /// The ward whose beds change.
    #[serde(default)]
    pub ward: Option<String>,
    /// The service whose places change.
    #[serde(default)]
    pub service: Option<String>,
    /// New beds or places (at most 10,000). Closing beds evicts nobody: they close as
    /// patients leave.
    #[serde(default)]
    #[schemars(range(max = limits::MAX_CAPACITY))]
    pub capacity: Option<u32>,
    /// Reach the new capacity one bed at a time, evenly over this many days.
    #[serde(default)]
    pub ramp_days: Option<u32>,
    /// New base referral rate per year (before seasonality).
    #[serde(default)]
    pub referrals_per_year: Option<f64>,
    /// New compound annual growth of referrals, as a fraction (above -1, at most 1).
    #[serde(default)]
    pub annual_growth: Option<f64>,
    /// New group shares (all groups, summing to 1).
    #[serde(default)]
    pub group_shares: Option<BTreeMap<String, f64>>,
    /// New staff in post for the `ward` or `service`, in WTE (it must declare `staff_wte`).
    /// With `ramp_days`, staff are recruited (or leave) evenly over that many days, and the
    /// staffed beds follow. Closing staffed beds evicts nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_wte: Option<f64>,
}

/// A random disruption of one ward or service. Closed means closed to new admissions: young
/// people already there stay until they leave, as when the roadmap closes beds. Draws come
/// from a stream keyed by `id` (or the ward's or service's name) and the replication, so
/// scenarios run with the same seed close on the same days, and entries that share an `id`
/// close together (one provider's two wards).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disruption {
    /// Names the disruption's random stream (default: the ward's or service's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What the disruption is, in words.
    #[serde(default)]
    pub note: String,
    /// The ward disrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward: Option<String>,
    /// The service disrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Share of spells closed to new admissions, each spell drawn independently (0.2: closed
    /// in 20 % of weeks, at random).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_share: Option<f64>,
    /// Length of each spell, in days, counted from the start date.
    #[serde(default = "default_spell_days")]
    #[schemars(range(min = 1, max = limits::MAX_WARMUP_DAYS))]
    pub spell_days: u32,
    /// Risk of closing for good, per year from the start date (0.2: about one closure in five
    /// years; closed before year t with probability 1 − e^(−0.2 t)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure_hazard_per_year: Option<f64>,
    /// Beds or places lost when it closes for good (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = limits::MAX_CAPACITY))]
    pub capacity_lost: Option<u32>,
}

fn default_spell_days() -> u32 {
    7
}

/// Today's occupants: the simulation starts from them instead of from empty.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Census {
    /// Patients in local beds on the start date.
    #[serde(default)]
    pub occupants: Vec<Occupant>,
    /// Patients placed out of area on the start date.
    #[serde(default)]
    pub out_of_area: Vec<CensusOutOfArea>,
    /// Patients waiting for a bed on the start date.
    #[serde(default)]
    pub waiting: Vec<Waiting>,
}

/// Patients in one ward with the same group and days already in bed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Occupant {
    /// The ward they are in.
    pub ward: String,
    /// Their group.
    pub group: String,
    /// Days already in bed; the rest of the stay is drawn given this.
    pub days_in_bed: f64,
    /// How many such patients (at most 10,000).
    #[serde(default = "one")]
    #[schemars(range(max = limits::MAX_CAPACITY))]
    pub count: u32,
}

/// Patients placed out of area on the start date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CensusOutOfArea {
    /// Their group.
    pub group: String,
    /// Days already placed; the rest of the stay is drawn given this.
    pub days_in_bed: f64,
    /// How many such patients (at most 10,000).
    #[serde(default = "one")]
    #[schemars(range(max = limits::MAX_CAPACITY))]
    pub count: u32,
}

/// Patients waiting for a bed on the start date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiting {
    /// Their group.
    pub group: String,
    /// Their urgency.
    pub urgency: UrgencyClass,
    /// Days already waited.
    #[serde(default)]
    pub days_waiting: f64,
    /// How many such patients (at most 10,000).
    #[serde(default = "one")]
    #[schemars(range(max = limits::MAX_CAPACITY))]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// An urgency class.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UrgencyClass {
    /// Within 24 hours.
    Emergency,
    /// Within 48 hours.
    Urgent,
    /// Within a week.
    Routine,
}

impl UrgencyClass {
    /// All classes, most urgent first (the order the bed queue serves them in).
    pub const ALL: [UrgencyClass; 3] = [
        UrgencyClass::Emergency,
        UrgencyClass::Urgent,
        UrgencyClass::Routine,
    ];

    /// The class's name as written in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            UrgencyClass::Emergency => "emergency",
            UrgencyClass::Urgent => "urgent",
            UrgencyClass::Routine => "routine",
        }
    }
}
