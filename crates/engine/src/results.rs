//! What a run reports: KPIs with uncertainty, daily series with percentile bands, and the
//! distribution of daily occupancy.
//!
//! Every KPI is identified by a [`KpiKey`] — a [`Metric`], a subject (a ward, service, group,
//! urgency or cost category; empty for the whole pathway) and a [`Period`] (a financial year or
//! the whole reported horizon). A [`Summary`] holds one row per key, aggregated across
//! replications; the per-replication values are kept so that two scenarios run with the same
//! seeds can be compared pair by pair ([`crate::compare`]).

use crate::layout::CostCategory;
use crate::scenario::UrgencyClass;
use crate::values::Values;
use chrono::NaiveDate;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// A financial year, April to March, named by the calendar year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FinancialYear(pub i32);

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1).rem_euclid(100))
    }
}

impl FinancialYear {
    /// Parses `"2024/25"`.
    pub fn parse(s: &str) -> Option<FinancialYear> {
        let (a, b) = s.split_once('/')?;
        let start: i32 = a.trim().parse().ok()?;
        let end: i32 = b.trim().parse().ok()?;
        (b.trim().len() == 2 && end == (start + 1).rem_euclid(100)).then_some(FinancialYear(start))
    }
}

/// The span a KPI covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// The whole reported horizon (after warm-up).
    Overall,
    /// One financial year (possibly only part of it falls inside the horizon).
    FinancialYear(FinancialYear),
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Overall => f.write_str("overall"),
            Period::FinancialYear(fy) => fy.fmt(f),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Period {
    fn schema_name() -> Cow<'static, str> {
        "Period".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^(overall|[0-9]{4}/[0-9]{2})$",
            "description": "`overall` (the whole reported period) or a financial year such as `2025/26`."
        })
    }
}

/// A reporting period and the dates it covers inside the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PeriodInfo {
    /// The period.
    pub period: Period,
    /// First day covered.
    pub first_day: NaiveDate,
    /// Last day covered.
    pub last_day: NaiveDate,
    /// Days covered (less than a year for a partial financial year).
    pub days: u32,
}

/// Whether a rise in a KPI is good news, so that differences can be coloured better or worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (admissions avoided, step-downs).
    Higher,
    /// Less is better (out-of-area placements, waits, cost).
    Lower,
    /// Neither: a description of the system (occupancy, referrals, length of stay).
    Neutral,
}

/// The headline KPIs a run is judged by, in order: the summary chart of differences, the
/// first screen of the report and the workshop page, the workbook's summary and the
/// run-length advice all show these four.
pub const SUMMARY_KPIS: [Metric; 4] = [
    Metric::OapPlacements,
    Metric::OapBedDays,
    Metric::AdmissionsAvoided,
    Metric::Cost,
];

macro_rules! metrics {
    ($( $(#[doc = $doc:literal])* $variant:ident => $name:literal, $unit:literal, $label:literal, $dir:ident; )*) => {
        /// Everything carepath measures. The name is what CSV, JSON and `[[check]]` use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Metric { $( $(#[doc = $doc])* $variant, )* }

        impl Metric {
            /// Every metric, in report order.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant),*];

            /// Snake-case name used in outputs and checks.
            pub fn name(self) -> &'static str {
                match self { $(Metric::$variant => $name,)* }
            }

            /// Unit of the value.
            pub fn unit(self) -> &'static str {
                match self { $(Metric::$variant => $unit,)* }
            }

            /// Plain-language name for people: reports, charts, the terminal and the CSV `label`.
            pub fn label(self) -> &'static str {
                match self { $(Metric::$variant => $label,)* }
            }

            /// Whether a rise is good news, bad news or neither.
            pub fn direction(self) -> Direction {
                match self { $(Metric::$variant => Direction::$dir,)* }
            }

            /// One-line meaning (from the doc comment).
            pub fn description(self) -> &'static str {
                match self { $(Metric::$variant => concat!($($doc),*).trim_ascii(),)* }
            }

            /// Looks a metric up by its name.
            pub fn from_name(name: &str) -> Option<Metric> {
                Metric::ALL.iter().copied().find(|m| m.name() == name)
            }

            /// The metric a former name now goes by, and why it was renamed.
            pub fn renamed(name: &str) -> Option<(Metric, &'static str)> {
                RENAMED.iter().find(|(old, ..)| *old == name).map(|&(_, m, why)| (m, why))
            }
        }
    };
}

metrics! {
    /// Referrals (access assessments), new and readmissions, counted on the day they arrive;
    /// subject: a group, a locality, or all.
    Referrals => "referrals", "count", "Referrals", Neutral;
    /// Referrals that were readmissions of a discharged young person (who keeps their group).
    Readmissions => "readmissions", "count", "Readmissions", Lower;
    /// Readmissions referred within 28 days of the discharge, counted on the day referred.
    Readmissions28Days => "readmissions_within_28_days", "count", "Readmissions within 28 days", Lower;
    /// Readmissions referred within 6 months (182 days) of the discharge.
    Readmissions6Months => "readmissions_within_6_months", "count", "Readmissions within 6 months", Lower;
    /// Readmissions referred within 12 months (365 days) of the discharge.
    Readmissions12Months => "readmissions_within_12_months", "count", "Readmissions within 12 months", Lower;
    /// Referrals declined at gatekeeping (back to community care).
    Declined => "declined", "count", "Referrals declined", Neutral;
    /// Referrals that started a community episode instead of admission, counted when it
    /// starts; subject: the service, or all.
    Diverted => "diverted", "count", "Diverted to community care", Higher;
    /// Community episodes that ended without an admission request, counted when they end.
    AdmissionsAvoided => "admissions_avoided", "count", "Admissions avoided", Higher;
    /// Admission-avoidance rate: of community episodes that ended in the period, the share
    /// that ended without escalating to an admission request; subject: the service, or all.
    AvoidanceRate => "admission_avoidance_pct", "%", "Admission-avoidance rate", Higher;
    /// Admissions of referrals that suited an alternative that had no free place.
    AvoidableAdmissions => "avoidable_admissions", "count", "Avoidable admissions", Lower;
    /// Community episodes that escalated to an admission request.
    Escalations => "escalations", "count", "Escalations to admission", Lower;
    /// Early discharges into a community service.
    StepDowns => "step_downs", "count", "Step-downs", Higher;
    /// Local admissions: young people taking a local bed, from the community, brought back
    /// from out of area (repatriations) or moved from another ward (transfers), counted on
    /// the day; subject: the ward, the young people's locality, or all.
    Admissions => "admissions", "count", "Local admissions", Neutral;
    /// Total admissions: new inpatient stays, local (repatriations and transfers excluded:
    /// they continue a stay) plus out-of-area placements, counted on the day the stay begins.
    TotalAdmissions => "total_admissions", "count", "Total admissions (local and out of area)", Neutral;
    /// Total admissions per 100,000 under-18s per year (needs `demand.population_under_18`);
    /// subject: a locality (its young people and its population), or all.
    AdmissionsPer100k => "admissions_per_100k", "per 100k per year", "Total admissions per 100,000 under-18s", Lower;
    /// Inpatient bed-days (local wards and out of area) per 100,000 under-18s per year,
    /// integrated day by day (needs `demand.population_under_18`); subject: a locality, or all.
    BedDaysPer100k => "bed_days_per_100k", "per 100k per year", "Bed-days per 100,000 under-18s", Lower;
    /// Out-of-area placements (stays that begin out of area), counted on the day, in every
    /// tier: contracted out-of-area wards and the national pool. Subject: a locality; when a
    /// scenario has contracted out-of-area wards, one of them or `out_of_area` for the
    /// national pool; or all.
    OapPlacements => "oap_placements", "count", "Out-of-area placements", Lower;
    /// Young people placed out of area: placements of someone not placed out of area before
    /// in the reported window (a readmitted young person placed again counts once, in the
    /// period of the first placement).
    OapYoungPeople => "oap_young_people", "count", "Young people placed out of area", Lower;
    /// Bed-days spent out of area, in every tier, integrated day by day; subject as for
    /// `oap_placements`.
    OapBedDays => "oap_bed_days", "bed-days", "Out-of-area bed-days", Lower;
    /// Mean distance from home of new out-of-area placements, in every tier (as are the
    /// distance KPIs below); subject as for `oap_placements`.
    OapMeanDistance => "oap_mean_distance_miles", "miles", "Mean out-of-area distance", Lower;
    /// New out-of-area placements more than 100 miles from home.
    OapOver100Miles => "oap_over_100_miles", "count", "Placements over 100 miles away", Lower;
    /// Share of new out-of-area placements more than 50 miles from home.
    OapOver50MilesPct => "oap_over_50_miles_pct", "%", "Share of placements over 50 miles away", Lower;
    /// Share of new out-of-area placements more than 100 miles from home.
    OapOver100MilesPct => "oap_over_100_miles_pct", "%", "Share of placements over 100 miles away", Lower;
    /// Repatriations: young people brought back from out of area to a free local bed that
    /// nobody was waiting for (also counted in `admissions`). Each takes a bed a later
    /// referral might have used, so more repatriations can mean more placements; the net
    /// effect is the paired difference in `oap_bed_days` against the same scenario without
    /// `policy.repatriation`.
    Repatriations => "repatriations", "count", "Repatriations", Neutral;
    /// Out-of-area days brought home by repatriation: the rest of each repatriated stay, spent
    /// in a local bed instead of out of area, counted on the day of the repatriation. A gross
    /// flow, not the days saved: the beds it takes send later referrals out of area (the
    /// saving is the paired difference in `oap_bed_days` against a run without repatriation).
    OapDaysBroughtHome => "oap_days_brought_home", "bed-days", "Out-of-area days brought home by repatriation", Neutral;
    /// The same days weighted by each placement's distance from home (miles × days).
    OapMileDaysBroughtHome => "oap_mile_days_brought_home", "mile-days", "Distance-days brought home by repatriation", Neutral;
    /// Spending on out-of-area stays, only for scenarios with contracted out-of-area wards:
    /// each such ward as its `funding` says, the national pool (`out_of_area`) at its groups'
    /// spot prices, or all (which is `cost_gbp` of the category `out_of_area`).
    OapCost => "oap_cost_gbp", "£", "Out-of-area spending", Lower;
    /// Admission requests that found no free local bed they could take, counted when made
    /// (whether they then waited or, at a zero trigger, were placed out of area at once);
    /// subject: urgency, locality, or all.
    BedWaits => "bed_waits", "count", "Waits for a bed", Lower;
    /// Mean wait of the requests that found no free bed, from the request until a local bed
    /// or an out-of-area placement (0 for one placed at once), counted when the wait ends.
    BedWaitMean => "bed_wait_mean_days", "days", "Mean wait for a bed", Lower;
    /// 90th percentile of those same waits.
    BedWaitP90 => "bed_wait_p90_days", "days", "90th percentile wait for a bed", Lower;
    /// Breaches of the access standard: young people still waiting for a local bed when their
    /// urgency's `target_days` passed, counted then (with a zero target: every bed wait);
    /// subject: urgency, locality, or all.
    BedWaitsOverTarget => "bed_waits_over_target", "count", "Waits over target", Lower;
    /// Days waited for a local bed beyond the urgency's target, summed over young people and
    /// integrated day by day into each period (a wait that spans two years counts in both).
    BedWaitDaysOverTarget => "bed_wait_days_over_target", "days", "Days waited beyond target", Lower;
    /// Mean number waiting for a bed.
    MeanWaiting => "mean_waiting", "patients", "Young people waiting (mean)", Lower;
    /// Time-averaged occupied beds or places; subject: a ward or service, or `out_of_area`
    /// (the national pool; contracted out-of-area beds are wards).
    MeanOccupied => "mean_occupied", "beds", "Beds or places occupied (mean)", Neutral;
    /// Mean occupied as a share of mean available capacity.
    Occupancy => "occupancy_pct", "%", "Occupancy", Neutral;
    /// Share of days whose midnight occupancy was at or above 85 % of capacity.
    DaysAbove85 => "days_at_or_above_85pct", "% of days", "Days at or above 85 % occupancy", Lower;
    /// Share of days whose midnight occupancy was at or above capacity.
    DaysFull => "days_full", "% of days", "Days full", Lower;
    /// Time-averaged beds or places open to new admissions: the roadmap's capacity less what
    /// staffing and disruption keep closed; only for a ward or service with `staff_wte` or a
    /// `[[disruption]]`, its subject.
    MeanOpen => "mean_open_capacity", "beds", "Beds or places open (mean)", Higher;
    /// The roadmap's bed-days (or place-days) kept closed by staffing or disruption,
    /// integrated day by day; for the same wards and services.
    ClosedBedDays => "closed_bed_days", "bed-days", "Bed-days closed by staffing or disruption", Lower;
    /// Days closed to new admissions: midnights when the roadmap gives beds or places but
    /// none is open (a disruption, or no staff); for the same wards and services.
    DaysClosed => "days_closed", "days", "Days closed to admissions", Lower;
    /// Closures for good (`closure_hazard_per_year`), counted on the day: the mean over
    /// replications is the probability of a closure in the period; subject: the ward or
    /// service.
    ClosuresForGood => "closures_for_good", "count", "Closures for good", Lower;
    /// Mean length of completed stays that began in a local bed, from admission to discharge
    /// (delay and any time before the reported window included), counted on the discharge
    /// day; subject: group, or all. A stay is a spell: one that moved to another ward counts
    /// once, from its first admission to its discharge home. Out-of-area stays (contracted
    /// wards included) are in `oap_los_mean_days`.
    LosMean => "los_mean_days", "days", "Mean length of stay (local)", Neutral;
    /// Median of those local stays; subject: group, or all.
    LosMedian => "los_median_days", "days", "Median length of stay (local)", Neutral;
    /// 90th percentile of those local stays; subject: group, or all.
    LosP90 => "los_p90_days", "days", "90th percentile length of stay (local)", Neutral;
    /// Share of a group's completed local stays longer than its `los_alarm_days` (e.g. PICU
    /// 42, LD/autism 365); only for groups that set one; subject: the group.
    LosOverAlarm => "los_over_alarm_pct", "%", "Stays longer than the alarm", Lower;
    /// Mean length of completed stays that began out of area (including any time in a local
    /// bed after a repatriation), counted on the discharge day.
    OapLosMean => "oap_los_mean_days", "days", "Mean length of stay (out of area)", Neutral;
    /// Bed-days of young people ready to leave but kept in bed by a delayed discharge, local
    /// and out of area, integrated day by day.
    DelayedDischargeBedDays => "delayed_discharge_bed_days", "bed-days", "Delayed-discharge bed-days", Lower;
    /// Delayed-discharge bed-days as a share of all inpatient bed-days (local and out of area).
    DelayedDischargePct => "delayed_discharge_pct", "%", "Delayed-discharge share of bed-days", Lower;
    /// Young people moved to another ward at the end of a stay (e.g. PICU stepping down to a
    /// general ward), counted on the day they move; subject: the ward they leave (each ward
    /// with a `transfer`). The move is also in the receiving ward's `admissions`.
    Transfers => "transfers", "count", "Transfers between wards", Neutral;
    /// Transfers that waited `max_wait_days` without a bed, and were discharged or stayed as
    /// `after_wait` says, counted then; subject: the ward they waited in.
    TransfersAbandoned => "transfers_abandoned", "count", "Transfers abandoned", Lower;
    /// Bed-days of young people ready to move to another ward but kept in this one until a
    /// bed there is free (or `max_wait_days` passes), integrated day by day; subject: the ward
    /// they wait in.
    DelayedTransferBedDays => "delayed_transfer_bed_days", "bed-days", "Delayed-transfer bed-days", Lower;
    /// Spending; subject: a cost category, or all.
    Cost => "cost_gbp", "£", "Cost", Lower;
    /// Spending on one alternative to admission, as its costing says (place-days,
    /// attendances, episodes or contacts); subject: the service.
    ServiceCost => "service_cost_gbp", "£", "Cost of the service", Lower;
    /// The budget for the period (a financial year's pro-rated by its days in the horizon).
    Budget => "budget_gbp", "£", "Budget", Neutral;
    /// Spending minus budget (positive: overspent).
    BudgetVariance => "budget_variance_gbp", "£", "Over budget by", Lower;
    /// New and readmission referrals per 100,000 under-18s per year; subject: a locality.
    ReferralsPer100k => "referrals_per_100k", "per 100k per year", "Referrals per 100,000 under-18s", Neutral;
    /// Inpatient bed-days (local wards and out of area) of a locality's young people,
    /// integrated day by day; subject: a locality.
    BedDays => "bed_days", "bed-days", "Inpatient bed-days", Neutral;
    /// Mean road miles from home to the ward of local admissions (repatriations included),
    /// from the locality's `ward_distance_miles`; subject: a locality that gives them.
    LocalAdmissionDistance => "local_admission_distance_miles", "miles", "Mean distance of local admissions", Lower;
    /// Waits for a bed that began in this place (drawn from the group's `waits_in`, or its
    /// urgency's `waits_in_by_urgency`), counted when the wait begins; subject: a waiting place.
    /// They sum to `bed_waits`.
    PlaceWaits => "waits_in_place", "count", "Waits for a bed begun here", Neutral;
    /// Days young people waited for a bed in this place, integrated day by day; subject: a
    /// waiting place. They sum to the days waited for a bed (`mean_waiting` × days).
    PlaceWaitDays => "wait_days_in_place", "days", "Days waited for a bed here", Lower;
    /// Mean days from referral to the access decision (`gatekeeping_days`), counted on the
    /// day of the decision; only when some group sets `gatekeeping_days`, and then over every
    /// referral (a group without it decides at once: 0 days); subject: a group, or all.
    DecisionMean => "referral_to_decision_mean_days", "days", "Mean time from referral to decision", Lower;
    /// 90th percentile of those days (to within 2 %; at most 0.01 for decisions made at
    /// once); subject: a group, or all.
    DecisionP90 => "referral_to_decision_p90_days", "days", "90th percentile time from referral to decision", Lower;
}

/// Former KPI names: a check that uses one is told the new name and why.
const RENAMED: &[(&str, Metric, &str)] = &[
    (
        "oap_days_avoided_by_repatriation",
        Metric::OapDaysBroughtHome,
        "it counts the rest of each repatriated stay, not the out-of-area days saved",
    ),
    (
        "oap_mile_days_avoided_by_repatriation",
        Metric::OapMileDaysBroughtHome,
        "it counts the rest of each repatriated stay, not the out-of-area days saved",
    ),
];

/// The KPI reference as a Markdown table (name, unit, label, which way is better, definition),
/// generated from the metrics table so the documentation cannot drift from the code.
pub fn metrics_markdown() -> String {
    let mut out =
        String::from("| KPI | Unit | Label | Better | Definition |\n|---|---|---|---|---|\n");
    for m in Metric::ALL {
        let better = match m.direction() {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
            Direction::Neutral => "—",
        };
        let definition = m
            .description()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        out.push_str(&format!(
            "| `{}` | {} | {} | {better} | {definition} |\n",
            m.name(),
            m.unit(),
            m.label()
        ));
    }
    out
}

impl Serialize for Metric {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl JsonSchema for Metric {
    fn schema_name() -> Cow<'static, str> {
        "Metric".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        json_schema!({
            "type": "string",
            "enum": names,
            "description": "A KPI's name; README's KPI table defines each."
        })
    }
}

/// What a KPI is about: the whole pathway, or one group, ward, service, locality, waiting
/// place, urgency or cost category (which the metric's definition says). Written in CSV, JSON and `[[check]]` as that
/// thing's key, and the whole pathway as the empty string, so a subject reads as it always did;
/// compared, ordered and hashed by that string too.
#[derive(Debug, Clone)]
pub enum Subject {
    /// The whole pathway (written as the empty string).
    Pathway,
    /// A patient group, by key.
    Group(String),
    /// A ward, by key.
    Ward(String),
    /// A community service, by key.
    Service(String),
    /// Out-of-area placements as one pool (written `out_of_area`).
    OutOfArea,
    /// An urgency class.
    Urgency(UrgencyClass),
    /// A cost category.
    Cost(CostCategory),
    /// A locality, by key.
    Locality(String),
    /// A place young people wait for a bed in, by key.
    WaitingPlace(String),
}

impl Subject {
    /// The subject as written in outputs: a key, or empty for the whole pathway.
    pub fn as_str(&self) -> &str {
        match self {
            Subject::Pathway => "",
            Subject::Group(k)
            | Subject::Ward(k)
            | Subject::Service(k)
            | Subject::Locality(k)
            | Subject::WaitingPlace(k) => k,
            Subject::OutOfArea => "out_of_area",
            Subject::Urgency(u) => u.name(),
            Subject::Cost(c) => c.name(),
        }
    }

    /// Whether the KPI is about the whole pathway.
    pub fn is_empty(&self) -> bool {
        matches!(self, Subject::Pathway)
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl JsonSchema for Subject {
    fn schema_name() -> Cow<'static, str> {
        "Subject".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "What the KPI is about: a group, ward, service, locality, waiting place, urgency or cost category key, `out_of_area`, or empty for the whole pathway."
        })
    }
}

impl PartialEq for Subject {
    fn eq(&self, other: &Subject) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Subject {}

impl PartialOrd for Subject {
    fn partial_cmp(&self, other: &Subject) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Subject {
    fn cmp(&self, other: &Subject) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Subject {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl PartialEq<str> for Subject {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Subject {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Subject {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// Identifies one KPI.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
pub struct KpiKey {
    /// What is measured.
    pub metric: Metric,
    /// A ward, service, group, urgency or cost category, or the whole pathway.
    pub subject: Subject,
    /// The span covered.
    pub period: Period,
}

/// A quantity estimated across replications.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct Estimate {
    /// Mean across replications.
    #[schemars(with = "Option<f64>")]
    pub mean: f64,
    /// Sample standard deviation across replications.
    #[schemars(with = "Option<f64>")]
    pub sd: f64,
    /// Lower end of the 95 % confidence interval for the mean (Student t).
    #[schemars(with = "Option<f64>")]
    pub ci_low: f64,
    /// Upper end of the 95 % confidence interval for the mean.
    #[schemars(with = "Option<f64>")]
    pub ci_high: f64,
    /// 5th percentile across replications.
    #[schemars(with = "Option<f64>")]
    pub p5: f64,
    /// Median across replications.
    #[schemars(with = "Option<f64>")]
    pub p50: f64,
    /// 95th percentile across replications.
    #[schemars(with = "Option<f64>")]
    pub p95: f64,
    /// Replications that had a value (a mean wait has none when nobody waited).
    pub n: u32,
}

/// One KPI aggregated across replications (in JSON, a number that does not exist, such as
/// the mean wait when nobody waited, is `null`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Kpi {
    /// Which KPI.
    #[serde(flatten)]
    pub key: KpiKey,
    /// Its unit.
    pub unit: &'static str,
    /// The estimate.
    #[serde(flatten)]
    pub estimate: Estimate,
    /// Per-replication values in replication order (NaN where undefined), for paired
    /// comparisons, compressed without loss. Not written out.
    #[serde(skip)]
    pub values: Values,
}

/// What a daily series counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Occupied beds or places at midnight.
    Occupied,
    /// Patients waiting for a bed (pathway) or a community place (service) at midnight.
    Waiting,
}

/// What kind of place a series or distribution is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    /// A local ward.
    Ward,
    /// A community service.
    Service,
    /// Out-of-area placements (unlimited).
    OutOfArea,
    /// The whole pathway (used for the bed-waiting list).
    Pathway,
}

/// A daily series across replications: mean and 5/50/95 percentile bands, one value a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailySeries {
    /// Key of the ward or service (`out_of_area` / `pathway` for those).
    pub subject: String,
    /// Display name.
    pub label: String,
    /// What kind of place.
    pub kind: PoolKind,
    /// What is counted.
    pub measure: Measure,
    /// Capacity each day as the roadmap sets it (empty where unlimited or not applicable).
    pub capacity: Vec<u32>,
    /// Mean across replications.
    pub mean: Vec<f64>,
    /// 5th percentile across replications.
    pub p5: Vec<f64>,
    /// Median across replications.
    pub p50: Vec<f64>,
    /// 95th percentile across replications.
    pub p95: Vec<f64>,
}

/// How often each occupancy level was seen at midnight, over all replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OccupancyDistribution {
    /// Key of the ward or service.
    pub subject: String,
    /// Display name.
    pub label: String,
    /// What kind of place.
    pub kind: PoolKind,
    /// Largest capacity the ward or service has during the horizon (0 for a team that takes
    /// all comers).
    pub max_capacity: u32,
    /// `pct_of_days[k]`: percentage of days with exactly k occupied.
    pub pct_of_days: Vec<f64>,
    /// The same distribution for each stretch of days with one capacity, split wherever the
    /// roadmap changes it, in date order: pooling days before and after a change would
    /// describe a ward that never existed. Empty for a team that takes all comers: it has no
    /// capacity to split by.
    pub segments: Vec<OccupancySegment>,
}

/// The distribution of midnight occupancy over a stretch of days with one capacity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OccupancySegment {
    /// First day of the stretch.
    pub first_day: NaiveDate,
    /// Last day of the stretch.
    pub last_day: NaiveDate,
    /// Beds or places available on every day of the stretch.
    pub capacity: u32,
    /// `pct_of_days[k]`: percentage of the stretch's days (over all replications) with exactly
    /// k occupied.
    pub pct_of_days: Vec<f64>,
}

/// Everything a scenario's replications produced, aggregated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Replications aggregated.
    pub replications: u32,
    /// Seed used.
    pub seed: u64,
    /// First reported day.
    pub start_date: NaiveDate,
    /// Reported days (after warm-up).
    pub days: u32,
    /// Warm-up days simulated before the start date.
    pub warmup_days: u32,
    /// Display names of the groups, wards, services, localities and waiting places, by key.
    pub labels: std::collections::BTreeMap<String, String>,
    /// The reporting periods: `overall` first, then each financial year.
    pub periods: Vec<PeriodInfo>,
    /// Every KPI, ordered by metric, subject and period.
    pub kpis: Vec<Kpi>,
    /// Daily series; `dates[i]` is the day of the i-th value.
    pub dates: Vec<NaiveDate>,
    /// Daily series per ward, service, out-of-area and waiting list.
    pub daily: Vec<DailySeries>,
    /// Distribution of midnight occupancy per ward and service.
    pub occupancy: Vec<OccupancyDistribution>,
}

impl Summary {
    /// The KPI with this key, if the scenario has it.
    pub fn kpi(&self, metric: Metric, subject: &str, period: Period) -> Option<&Kpi> {
        self.kpis
            .iter()
            .find(|k| k.key.metric == metric && k.key.subject == *subject && k.key.period == period)
    }
}

/// A paired difference `b − a` of one KPI between two scenarios run with the same seeds.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Difference {
    /// Which KPI.
    #[serde(flatten)]
    pub key: KpiKey,
    /// Its unit.
    pub unit: &'static str,
    /// Mean in the first scenario.
    #[schemars(with = "Option<f64>")]
    pub mean_a: f64,
    /// Mean in the second scenario.
    #[schemars(with = "Option<f64>")]
    pub mean_b: f64,
    /// Mean of the per-replication differences b − a.
    #[schemars(with = "Option<f64>")]
    pub diff_mean: f64,
    /// 95 % CI of the paired difference (Student t on the differences).
    #[schemars(with = "Option<f64>")]
    pub ci_low: f64,
    /// Upper end of that CI.
    #[schemars(with = "Option<f64>")]
    pub ci_high: f64,
    /// Half-width the CI would have if the runs were independent (Welch), for comparison.
    #[schemars(with = "Option<f64>")]
    pub unpaired_half_width: f64,
    /// Replication pairs with a value in both scenarios.
    pub n: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_a_distinct_label_and_a_definition() {
        let mut labels: Vec<&str> = Metric::ALL.iter().map(|m| m.label()).collect();
        assert!(Metric::ALL.iter().all(|m| !m.description().is_empty()));
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Metric::ALL.len(), "two metrics share a label");
    }
}

/// A replication that stopped early because a waiting list outgrew
/// [`crate::scenario::limits::MAX_WAITING`]: referrals outrun capacity and nothing (no wait
/// target, no limit on a community wait) ends a wait. Its tallies are incomplete, so it has no
/// results; the run it belongs to is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overload {
    /// The replication that stopped.
    pub replication: u32,
    /// The day the list passed the limit.
    pub date: chrono::NaiveDate,
    /// What the young people were waiting for: "a bed (wards gau, picu)" or "service
    /// `home_treatment`".
    pub waiting_for: String,
}

impl std::fmt::Display for Overload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "replication {} stopped on {}: more than {} young people were waiting for {} at once, \
             a waiting list that grows without bound",
            self.replication,
            self.date,
            crate::scenario::limits::MAX_WAITING,
            self.waiting_for
        )
    }
}

impl std::error::Error for Overload {}
