//! The compiled scenario: names resolved to indices, distributions built, the roadmap expanded
//! into capacity steps and a rate function. Built only by [`crate::Scenario::validate`], so the
//! event loop never looks anything up by name and never meets an invalid parameter.

use crate::arrivals::{Arrivals, DemandChange, DAYS_PER_YEAR};
use crate::dist::Dist;
use crate::record;
use crate::results::{KpiKey, Period, PeriodInfo};
use crate::rng::name_key;
use crate::scenario::{
    Distribution, Funding, Scenario, ScenarioError, ScenarioErrors, ServiceKind, UrgencyClass,
    WhenFull,
};
use crate::time::{financial_year, Calendar};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A validated, compiled scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) name: String,
    pub(crate) seed: u64,
    pub(crate) replications: u32,
    pub(crate) cal: Calendar,
    pub(crate) groups: Vec<GroupModel>,
    /// Cumulative urgency shares, most urgent first.
    pub(crate) urgency_cum: [f64; 3],
    /// Longest wait for a bed per urgency (infinite: wait indefinitely).
    pub(crate) urgency_target: [f64; 3],
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
    pub oap_cost: f64,
    pub distance: Dist,
    pub step_down: Option<StepDownModel>,
    pub delay: Option<(f64, Dist)>,
    pub readmission: Option<(f64, Dist)>,
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
}

#[derive(Debug, Clone)]
pub(crate) struct ServiceModel {
    pub key: String,
    pub label: String,
    pub kind: ServiceKind,
    pub places: u32,
    pub cost: f64,
    /// Stable key of the name, so the service's draws do not depend on its position.
    pub name_key: u64,
    pub episode: Dist,
    /// Escalation probability per group.
    pub escalation: Vec<f64>,
    pub escalation_delay: Option<Dist>,
    pub max_capacity: u32,
}

/// A ward or a community service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pool {
    Ward(usize),
    Service(usize),
}

/// Capacity of one pool changes at a clock time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CapacityStep {
    pub time: f64,
    pub pool: Pool,
    pub capacity: u32,
}

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

/// Collects every problem found while compiling.
struct Checker {
    errors: Vec<ScenarioError>,
}

impl Checker {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ScenarioError {
            path: path.into(),
            message: message.into(),
        });
    }

    fn probability(&mut self, path: impl Into<String>, v: f64) -> f64 {
        if !(0.0..=1.0).contains(&v) {
            self.err(
                path,
                format!("must be a probability between 0 and 1, got {v}"),
            );
            return 0.0;
        }
        v
    }

    fn non_negative(&mut self, path: impl Into<String>, v: f64) -> f64 {
        if !(v.is_finite() && v >= 0.0) {
            self.err(path, format!("must be zero or more, got {v}"));
            return 0.0;
        }
        v
    }

    fn dist(&mut self, path: impl Into<String>, d: &Distribution) -> Dist {
        Dist::new(d).unwrap_or_else(|e| {
            self.err(path, e);
            Dist::fixed(1.0)
        })
    }

    fn shares_sum_to_one(&mut self, path: impl Into<String>, what: &str, sum: f64) {
        if (sum - 1.0).abs() > 1e-6 {
            self.err(path, format!("{what} must sum to 1, but sum to {sum}"));
        }
    }
}

fn label(label: &str, key: &str) -> String {
    if label.is_empty() {
        key.to_string()
    } else {
        label.to_string()
    }
}

/// A name that must refer to an entry of `names`; its index or an error with a suggestion.
fn lookup(
    c: &mut Checker,
    path: String,
    kind: &str,
    name: &str,
    names: &[&String],
) -> Option<usize> {
    let found = names.iter().position(|n| n.as_str() == name);
    if found.is_none() {
        let known = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let known = if known.is_empty() {
            "none are defined".to_string()
        } else {
            format!("known: {known}")
        };
        c.err(path, format!("no {kind} called `{name}` ({known})"));
    }
    found
}

impl Model {
    pub(crate) fn build(s: &Scenario) -> Result<Model, ScenarioErrors> {
        let mut c = Checker { errors: Vec::new() };
        let group_names: Vec<&String> = s.groups.keys().collect();
        let ward_names: Vec<&String> = s.wards.keys().collect();
        let service_names: Vec<&String> = s.services.keys().collect();

        // Simulation and calendar.
        let sim = &s.simulation;
        let years = sim.years;
        if !(years.is_finite() && years > 0.0 && years <= 100.0) {
            c.err(
                "simulation.years",
                format!("must be more than 0 and at most 100, got {years}"),
            );
        }
        let days = if years.is_finite() && years > 0.0 {
            ((years.min(100.0) * DAYS_PER_YEAR).round() as u32).max(1)
        } else {
            1
        };
        if sim.replications == 0 || sim.replications > 100_000 {
            c.err(
                "simulation.replications",
                format!("must be between 1 and 100000, got {}", sim.replications),
            );
        }
        if sim.warmup_days > 36_525 {
            c.err(
                "simulation.warmup_days",
                format!("must be at most 36525 (100 years), got {}", sim.warmup_days),
            );
        }
        let warmup = if s.census.is_some() {
            0
        } else {
            sim.warmup_days.min(36_525)
        };
        let cal = Calendar {
            start_date: sim.start_date,
            warmup: warmup as f64,
            days,
        };
        let end_date = cal.date_of_offset(days as i64);

        // Demand.
        let d = &s.demand;
        if !(d.referrals_per_year.is_finite()
            && d.referrals_per_year >= 0.0
            && d.referrals_per_year <= 1e7)
        {
            c.err(
                "demand.referrals_per_year",
                format!(
                    "must be between 0 and 10,000,000, got {}",
                    d.referrals_per_year
                ),
            );
        }
        check_growth(&mut c, "demand.annual_growth", d.annual_growth);
        let mut seasonality = [1.0; 12];
        if let Some(season) = &d.seasonality {
            if season.len() != 12 {
                c.err(
                    "demand.seasonality",
                    format!(
                        "needs 12 monthly multipliers (January to December), got {}",
                        season.len()
                    ),
                );
            } else {
                for (i, &m) in season.iter().enumerate() {
                    seasonality[i] = c.non_negative(format!("demand.seasonality[{i}]"), m);
                }
            }
        }
        if let Some(p) = d.population_under_18 {
            if !(p.is_finite() && p > 0.0) {
                c.err(
                    "demand.population_under_18",
                    format!("must be a positive number, got {p}"),
                );
            }
        }

        // Urgency.
        let u = &s.urgency;
        let classes = [
            (&u.emergency, "emergency"),
            (&u.urgent, "urgent"),
            (&u.routine, "routine"),
        ];
        let mut urgency_cum = [0.0; 3];
        let mut urgency_target = [f64::INFINITY; 3];
        let mut acc = 0.0;
        for (i, (class, name)) in classes.iter().enumerate() {
            acc += c.probability(format!("urgency.{name}.share"), class.share);
            urgency_cum[i] = acc;
            if let Some(t) = class.target_days {
                urgency_target[i] = c.non_negative(format!("urgency.{name}.target_days"), t);
            }
        }
        c.shares_sum_to_one("urgency", "the urgency shares", acc);
        urgency_cum[2] = 1.0;

        // Groups (without wards and services yet).
        if s.groups.is_empty() {
            c.err("groups", "at least one group is needed");
        }
        let mut share_sum = 0.0;
        let mut cum = Vec::with_capacity(s.groups.len());
        for (name, g) in &s.groups {
            share_sum += c.probability(format!("groups.{name}.share"), g.share);
            cum.push(share_sum);
        }
        c.shares_sum_to_one("groups", "the group shares", share_sum);
        if let Some(last) = cum.last_mut() {
            *last = 1.0;
        }

        // Wards.
        let mut wards = Vec::with_capacity(s.wards.len());
        for (name, w) in &s.wards {
            let path = format!("wards.{name}");
            let mut accepts = vec![false; group_names.len()];
            if w.accepts.is_empty() {
                c.err(format!("{path}.accepts"), "must name at least one group");
            }
            for (i, gname) in w.accepts.iter().enumerate() {
                if let Some(g) = lookup(
                    &mut c,
                    format!("{path}.accepts[{i}]"),
                    "group",
                    gname,
                    &group_names,
                ) {
                    if accepts[g] {
                        c.err(
                            format!("{path}.accepts[{i}]"),
                            format!("`{gname}` is listed twice"),
                        );
                    }
                    accepts[g] = true;
                }
            }
            let cost = c.non_negative(
                format!("{path}.cost_per_bed_day_gbp"),
                w.cost_per_bed_day_gbp,
            );
            wards.push(WardModel {
                key: name.clone(),
                label: label(&w.label, name),
                beds: w.beds,
                accepts,
                funding: w.funding,
                cost,
                max_capacity: w.beds,
            });
        }

        // Services.
        let mut services = Vec::with_capacity(s.services.len());
        for (name, sv) in &s.services {
            let path = format!("services.{name}");
            let mut escalation = vec![0.0; group_names.len()];
            for (gname, &p) in &sv.escalation {
                if let Some(g) = lookup(
                    &mut c,
                    format!("{path}.escalation.{gname}"),
                    "group",
                    gname,
                    &group_names,
                ) {
                    escalation[g] = c.probability(format!("{path}.escalation.{gname}"), p);
                }
            }
            for (gname, &p) in &sv.eligibility {
                let epath = format!("{path}.eligibility.{gname}");
                c.probability(epath.clone(), p);
                if let Some(g) = s.groups.get(gname) {
                    if !g.alternatives.contains(name) {
                        c.err(epath, format!("group `{gname}` does not list `{name}` in its `alternatives`, so this is never used"));
                    }
                } else {
                    lookup(&mut c, epath, "group", gname, &group_names);
                }
            }
            services.push(ServiceModel {
                key: name.clone(),
                label: label(&sv.label, name),
                kind: sv.kind,
                places: sv.places,
                cost: c.non_negative(format!("{path}.cost_per_day_gbp"), sv.cost_per_day_gbp),
                name_key: name_key(name),
                episode: c.dist(format!("{path}.episode_days"), &sv.episode_days),
                escalation,
                escalation_delay: sv
                    .escalation_delay_days
                    .as_ref()
                    .map(|d| c.dist(format!("{path}.escalation_delay_days"), d)),
                max_capacity: sv.places,
            });
        }

        // Groups, now that wards and services are known.
        let mut groups = Vec::with_capacity(s.groups.len());
        for (gi, (name, g)) in s.groups.iter().enumerate() {
            let path = format!("groups.{name}");
            let decline =
                c.probability(format!("{path}.decline_probability"), g.decline_probability);
            let mut alternatives = Vec::new();
            for (i, sname) in g.alternatives.iter().enumerate() {
                let apath = format!("{path}.alternatives[{i}]");
                if let Some(si) = lookup(&mut c, apath.clone(), "service", sname, &service_names) {
                    if alternatives.iter().any(|&(x, _)| x == si) {
                        c.err(apath, format!("`{sname}` is listed twice"));
                        continue;
                    }
                    match s.services[sname].eligibility.get(name) {
                        Some(&p) => alternatives.push((si, p.clamp(0.0, 1.0))),
                        None => c.err(apath, format!("service `{sname}` has no `eligibility.{name}`: say how likely a `{name}` referral is to suit it")),
                    }
                }
            }
            let los = c.dist(format!("{path}.los_days"), &g.los_days);
            // Preference: the ward listing this group earliest, then ward order.
            let mut ranked: Vec<(usize, usize)> = s
                .wards
                .values()
                .enumerate()
                .filter_map(|(wi, w)| {
                    w.accepts
                        .iter()
                        .position(|a| a == name)
                        .map(|rank| (rank, wi))
                })
                .collect();
            ranked.sort();
            let ward_los = s
                .wards
                .iter()
                .map(|(wname, w)| match w.los_days.get(name) {
                    Some(d) => c.dist(format!("wards.{wname}.los_days.{name}"), d),
                    None => los.clone(),
                })
                .collect();
            let oap = &g.out_of_area;
            let step_down = g.step_down.as_ref().and_then(|sd| {
                let sp = format!("{path}.step_down");
                let probability = c.probability(format!("{sp}.probability"), sd.probability);
                if !(sd.los_factor > 0.0 && sd.los_factor <= 1.0) {
                    c.err(
                        format!("{sp}.los_factor"),
                        format!("must be more than 0 and at most 1, got {}", sd.los_factor),
                    );
                }
                let episode = c.dist(format!("{sp}.episode_days"), &sd.episode_days);
                let service = lookup(
                    &mut c,
                    format!("{sp}.service"),
                    "service",
                    &sd.service,
                    &service_names,
                )?;
                Some(StepDownModel {
                    probability,
                    service,
                    factor: sd.los_factor.clamp(0.0, 1.0),
                    episode,
                })
            });
            let delay = g.delayed_discharge.as_ref().map(|dd| {
                (
                    c.probability(
                        format!("{path}.delayed_discharge.probability"),
                        dd.probability,
                    ),
                    c.dist(
                        format!("{path}.delayed_discharge.extra_days"),
                        &dd.extra_days,
                    ),
                )
            });
            let readmission = g.readmission.as_ref().map(|r| {
                (
                    c.probability(format!("{path}.readmission.probability"), r.probability),
                    c.dist(format!("{path}.readmission.delay_days"), &r.delay_days),
                )
            });
            let _ = gi;
            groups.push(GroupModel {
                key: name.clone(),
                label: label(&g.label, name),
                decline,
                alternatives,
                wards: ranked.into_iter().map(|(_, wi)| wi).collect(),
                oap_los: match &oap.los_days {
                    Some(d) => c.dist(format!("{path}.out_of_area.los_days"), d),
                    None => los.clone(),
                },
                los: ward_los,
                oap_cost: c.non_negative(
                    format!("{path}.out_of_area.cost_per_day_gbp"),
                    oap.cost_per_day_gbp,
                ),
                distance: c.dist(
                    format!("{path}.out_of_area.distance_miles"),
                    &oap.distance_miles,
                ),
                step_down,
                delay,
                readmission,
            });
        }
        for (wname, w) in &s.wards {
            for gname in w.los_days.keys() {
                if !w.accepts.contains(gname) {
                    c.err(
                        format!("wards.{wname}.los_days.{gname}"),
                        format!("ward `{wname}` does not accept group `{gname}`"),
                    );
                }
            }
        }

        // Policy and budget.
        let p = &s.policy;
        let alternative_wait = match p.when_alternatives_full {
            WhenFull::Admit => None,
            WhenFull::Wait => {
                Some(c.non_negative("policy.alternative_wait_days", p.alternative_wait_days))
            }
        };
        let mut fy_budget = BTreeMap::new();
        for (fy, &v) in &s.budget.by_financial_year {
            match crate::results::FinancialYear::parse(fy) {
                Some(y) => {
                    fy_budget.insert(
                        y,
                        c.non_negative(format!("budget.by_financial_year.{fy}"), v),
                    );
                }
                None => c.err(
                    format!("budget.by_financial_year.{fy}"),
                    "expected a financial year written like \"2024/25\"",
                ),
            }
        }
        let annual_budget = s
            .budget
            .annual_gbp
            .map(|v| c.non_negative("budget.annual_gbp", v));

        // Roadmap.
        let mut roadmap: Vec<(usize, &crate::scenario::RoadmapChange)> =
            s.roadmap.iter().enumerate().collect();
        roadmap.sort_by_key(|(i, r)| (r.date, *i));
        let mut capacity_now: Vec<u32> = wards
            .iter()
            .map(|w| w.beds)
            .chain(services.iter().map(|s| s.places))
            .collect();
        let mut steps = Vec::new();
        let mut demand_changes = Vec::new();
        let mut shares = vec![(0.0, cum)];
        for (i, r) in roadmap {
            let path = format!("roadmap[{i}]");
            if r.date < sim.start_date || r.date >= end_date {
                c.err(
                    format!("{path}.date"),
                    format!(
                        "{} is outside the reported horizon ({} to {})",
                        r.date,
                        sim.start_date,
                        cal.last_date()
                    ),
                );
                continue;
            }
            let t = cal.time_of(r.date);
            let demand = r.referrals_per_year.is_some()
                || r.annual_growth.is_some()
                || r.group_shares.is_some();
            let pool = match (&r.ward, &r.service) {
                (Some(w), None) => {
                    lookup(&mut c, format!("{path}.ward"), "ward", w, &ward_names).map(Pool::Ward)
                }
                (None, Some(sv)) => lookup(
                    &mut c,
                    format!("{path}.service"),
                    "service",
                    sv,
                    &service_names,
                )
                .map(Pool::Service),
                (Some(_), Some(_)) => {
                    c.err(
                        path.clone(),
                        "name a `ward` or a `service`, not both (use two changes)",
                    );
                    None
                }
                (None, None) => {
                    if !demand {
                        c.err(path.clone(), "changes nothing: name a `ward` or `service` with a `capacity`, or set `referrals_per_year`, `annual_growth` or `group_shares`");
                    }
                    if r.capacity.is_some() || r.ramp_days.is_some() {
                        c.err(
                            format!("{path}.capacity"),
                            "a capacity change needs a `ward` or `service`",
                        );
                    }
                    None
                }
            };
            if (r.ward.is_some() || r.service.is_some()) && demand {
                c.err(path.clone(), "a change names a ward or service, or changes demand, not both (use two changes)");
            }
            if let Some(pool) = pool {
                let Some(target) = r.capacity else {
                    c.err(
                        format!("{path}.capacity"),
                        "the new number of beds or places is missing",
                    );
                    continue;
                };
                let idx = match pool {
                    Pool::Ward(w) => w,
                    Pool::Service(sv) => wards.len() + sv,
                };
                let from = capacity_now[idx];
                let ramp = r.ramp_days.unwrap_or(0) as f64;
                let n = from.abs_diff(target);
                for k in 1..=n {
                    let cap = if target > from { from + k } else { from - k };
                    let time = if ramp > 0.0 {
                        t + ramp * k as f64 / n as f64
                    } else {
                        t
                    };
                    steps.push(CapacityStep {
                        time,
                        pool,
                        capacity: cap,
                    });
                }
                capacity_now[idx] = target;
                match pool {
                    Pool::Ward(w) => wards[w].max_capacity = wards[w].max_capacity.max(target),
                    Pool::Service(sv) => {
                        services[sv].max_capacity = services[sv].max_capacity.max(target)
                    }
                }
            }
            if demand {
                if let Some(rate) = r.referrals_per_year {
                    if !(rate.is_finite() && (0.0..=1e7).contains(&rate)) {
                        c.err(
                            format!("{path}.referrals_per_year"),
                            format!("must be between 0 and 10,000,000, got {rate}"),
                        );
                    }
                }
                if let Some(g) = r.annual_growth {
                    check_growth(&mut c, &format!("{path}.annual_growth"), g);
                }
                demand_changes.push(DemandChange {
                    time: t,
                    per_year: r.referrals_per_year,
                    annual_growth: r.annual_growth,
                });
                if let Some(new) = &r.group_shares {
                    let mut acc = 0.0;
                    let mut cum = Vec::with_capacity(group_names.len());
                    for gname in &group_names {
                        match new.get(*gname) {
                            Some(&v) => {
                                acc += c.probability(format!("{path}.group_shares.{gname}"), v)
                            }
                            None => c.err(
                                format!("{path}.group_shares"),
                                format!("gives no share for group `{gname}` (list every group)"),
                            ),
                        }
                        cum.push(acc);
                    }
                    for gname in new.keys() {
                        lookup(
                            &mut c,
                            format!("{path}.group_shares.{gname}"),
                            "group",
                            gname,
                            &group_names,
                        );
                    }
                    c.shares_sum_to_one(format!("{path}.group_shares"), "the group shares", acc);
                    if let Some(last) = cum.last_mut() {
                        *last = 1.0;
                    }
                    shares.push((t, cum));
                }
            } else if r.ramp_days.is_some() && r.capacity.is_none() {
                c.err(
                    format!("{path}.ramp_days"),
                    "`ramp_days` goes with a `capacity` change",
                );
            }
        }
        steps.sort_by(|a, b| a.time.total_cmp(&b.time));

        // Census.
        let mut census = Vec::new();
        if let Some(cs) = &s.census {
            let mut per_ward = vec![0u32; wards.len()];
            for (i, o) in cs.occupants.iter().enumerate() {
                let path = format!("census.occupants[{i}]");
                let w = lookup(&mut c, format!("{path}.ward"), "ward", &o.ward, &ward_names);
                let g = lookup(
                    &mut c,
                    format!("{path}.group"),
                    "group",
                    &o.group,
                    &group_names,
                );
                let days = c.non_negative(format!("{path}.days_in_bed"), o.days_in_bed);
                if let (Some(w), Some(g)) = (w, g) {
                    if !wards[w].accepts[g] {
                        c.err(
                            format!("{path}.group"),
                            format!("ward `{}` does not accept group `{}`", o.ward, o.group),
                        );
                    }
                    per_ward[w] = per_ward[w].saturating_add(o.count);
                    census.extend((0..o.count.min(100_000)).map(|_| CensusEntry::InWard {
                        ward: w,
                        group: g,
                        days,
                    }));
                }
            }
            for (w, &n) in per_ward.iter().enumerate() {
                if n > wards[w].beds {
                    c.err(
                        "census.occupants",
                        format!(
                            "{n} patients in ward `{}`, which has {} beds",
                            wards[w].key, wards[w].beds
                        ),
                    );
                }
            }
            for (i, o) in cs.out_of_area.iter().enumerate() {
                let path = format!("census.out_of_area[{i}]");
                let g = lookup(
                    &mut c,
                    format!("{path}.group"),
                    "group",
                    &o.group,
                    &group_names,
                );
                let days = c.non_negative(format!("{path}.days_in_bed"), o.days_in_bed);
                if let Some(g) = g {
                    census.extend(
                        (0..o.count.min(100_000))
                            .map(|_| CensusEntry::OutOfArea { group: g, days }),
                    );
                }
            }
            for (i, o) in cs.waiting.iter().enumerate() {
                let path = format!("census.waiting[{i}]");
                let g = lookup(
                    &mut c,
                    format!("{path}.group"),
                    "group",
                    &o.group,
                    &group_names,
                );
                let days = c.non_negative(format!("{path}.days_waiting"), o.days_waiting);
                if let Some(g) = g {
                    census.extend((0..o.count.min(100_000)).map(|_| CensusEntry::Waiting {
                        group: g,
                        urgency: o.urgency,
                        days,
                    }));
                }
            }
        }

        if !c.errors.is_empty() {
            return Err(ScenarioErrors(c.errors));
        }

        let arrivals = Arrivals::new(
            &cal,
            d.referrals_per_year,
            d.annual_growth,
            &seasonality,
            &demand_changes,
        );

        // Periods: overall, then each financial year the horizon touches.
        let mut periods = vec![PeriodInfo {
            period: Period::Overall,
            first_day: sim.start_date,
            last_day: cal.last_date(),
            days,
        }];
        let mut period_of_day = Vec::with_capacity(days as usize);
        for day in 0..days as i64 {
            let date = cal.date_of_offset(day);
            let fy = Period::FinancialYear(financial_year(date));
            if periods.last().map(|p| p.period) != Some(fy) {
                periods.push(PeriodInfo {
                    period: fy,
                    first_day: date,
                    last_day: date,
                    days: 0,
                });
            }
            let last = periods.last_mut().expect("just pushed");
            last.last_day = date;
            last.days += 1;
            period_of_day.push((periods.len() - 1) as u16);
        }
        let budget: Vec<Option<f64>> = periods
            .iter()
            .map(|p| match p.period {
                Period::Overall => None,
                Period::FinancialYear(fy) => {
                    fy_budget.get(&fy).copied().or(annual_budget).map(|b| {
                        let fy_days = (NaiveDate::from_ymd_opt(fy.0 + 1, 4, 1)
                            .unwrap_or(NaiveDate::MAX)
                            - NaiveDate::from_ymd_opt(fy.0, 4, 1).unwrap_or(NaiveDate::MIN))
                        .num_days() as f64;
                        b * p.days as f64 / fy_days
                    })
                }
            })
            .collect();
        let overall_budget = budget[1..]
            .iter()
            .try_fold(0.0, |acc, b| b.map(|b| acc + b));
        let mut budget = budget;
        budget[0] = if periods.len() > 1 {
            overall_budget
        } else {
            None
        };

        // Capacity at each reported midnight.
        let n_pools = wards.len() + services.len();
        let mut capacity_by_day = vec![Vec::with_capacity(days as usize); n_pools];
        let mut current: Vec<u32> = wards
            .iter()
            .map(|w| w.beds)
            .chain(services.iter().map(|s| s.places))
            .collect();
        let mut next = 0;
        for day in 0..days {
            let midnight = cal.warmup + day as f64 + 1.0;
            while next < steps.len() && steps[next].time <= midnight {
                let st = steps[next];
                let idx = match st.pool {
                    Pool::Ward(w) => w,
                    Pool::Service(sv) => wards.len() + sv,
                };
                current[idx] = st.capacity;
                next += 1;
            }
            for (idx, series) in capacity_by_day.iter_mut().enumerate() {
                series.push(current[idx]);
            }
        }

        let mut model = Model {
            name: s.name.clone(),
            seed: sim.seed,
            replications: sim.replications,
            cal,
            groups,
            urgency_cum,
            urgency_target,
            wards,
            services,
            arrivals,
            shares,
            steps,
            alternative_wait,
            repatriation: p.repatriation,
            census,
            periods,
            period_of_day,
            weekday: (0..days as i64).map(|day| cal.is_weekday(day)).collect(),
            budget,
            population: d.population_under_18,
            capacity_by_day,
            kpi_keys: Vec::new(),
        };
        model.kpi_keys = record::kpi_keys(&model);
        Ok(model)
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

    /// The KPIs every replication reports, in order.
    pub fn kpi_keys(&self) -> &[KpiKey] {
        &self.kpi_keys
    }

    /// Runs replication `index`: a pure function of the model and the index.
    pub fn run_replication(&self, index: u32) -> crate::Replication {
        crate::sim::replicate(self, index)
    }

    /// Expected referrals (excluding readmissions) between two dates: the integral of the rate.
    pub fn expected_referrals(&self, from: NaiveDate, to: NaiveDate) -> f64 {
        self.arrivals
            .expected(self.cal.time_of(from), self.cal.time_of(to))
    }
}

fn check_growth(c: &mut Checker, path: &str, g: f64) {
    if !(g.is_finite() && g > -1.0 && g <= 10.0) {
        c.err(
            path,
            format!("must be a fraction above -1 and at most 10 (0.05 = 5 % a year), got {g}"),
        );
    }
}
