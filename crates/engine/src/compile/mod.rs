//! Compiling a [`Scenario`] into a [`Model`]: names resolved to indices, distributions built,
//! the roadmap expanded into capacity steps. One file per section of the scenario, each check
//! beside the thing it checks; every problem is collected with its [`KeyPath`], not only the
//! first. Nothing else builds a `Model`, so the event loop never looks anything up by name
//! and never meets an invalid parameter.
//!
//! [`KeyPath`]: crate::scenario::KeyPath

mod calendar;
mod capacity;
mod census;
mod check;
mod demand;
mod groups;
mod localities;
mod pools;
mod roadmap;

use crate::arrivals::Arrivals;
use crate::layout::Layout;
use crate::model::{GroupArrivals, Model};
use crate::record;
use crate::rng::name_key;
use crate::scenario::{limits, KeyPath, Scenario, ScenarioError, ScenarioErrors, WhenFull};
use check::Checker;

impl Scenario {
    /// Checks everything and compiles the scenario into a [`Model`] the simulation can run.
    /// Nothing inside a run can fail or panic on a model this returns.
    pub fn validate(&self) -> Result<Model, ScenarioErrors> {
        build(self)
    }
}

/// Runs the sections in the order their references need: groups are named by wards and
/// services, which are named by groups' alternatives, the roadmap and the census.
fn build(s: &Scenario) -> Result<Model, ScenarioErrors> {
    let mut c = Checker { errors: Vec::new() };
    let group_names: Vec<&String> = s.groups.keys().collect();
    let cal = calendar::calendar(&mut c, s);
    let seasonality = demand::demand(&mut c, &s.demand);
    let urgency = demand::urgency(&mut c, &s.urgency);
    let shares = groups::shares(&mut c, s);
    let mut wards = pools::wards(&mut c, s, &group_names);
    let mut services = pools::services(&mut c, s, &group_names);
    let groups = groups::groups(&mut c, s);
    let alternative_wait = match s.policy.when_alternatives_full {
        WhenFull::Admit => None,
        WhenFull::Wait => Some(c.non_negative(
            KeyPath::root("policy").key("alternative_wait_days"),
            s.policy.alternative_wait_days,
        )),
    };
    let budgets = calendar::budget(&mut c, &s.budget);
    let roadmap = roadmap::roadmap(&mut c, s, &cal, shares, &mut wards, &mut services);
    let capacity = capacity::plans(&mut c, s, &cal);
    let census = match &s.census {
        Some(cs) => census::census(&mut c, s, cs, &wards),
        None => Vec::new(),
    };
    let (localities, locality_cum) = localities::localities(&mut c, s);
    let waiting_places = localities::waiting_places(&mut c, s);
    let own_growth = demand::group_growth(&mut c, s);
    if !c.errors.is_empty() {
        return Err(ScenarioErrors(c.errors));
    }

    // Without a group growing at its own rate, one process carries every group.
    let (arrivals, shares, group_arrivals) = if own_growth.iter().all(Option::is_none) {
        let arrivals = Arrivals::new(
            &cal,
            s.demand.referrals_per_year,
            s.demand.annual_growth,
            &seasonality,
            &roadmap.demand_changes,
        );
        (arrivals, roadmap.shares, Vec::new())
    } else {
        let split = demand::split_arrivals(
            &cal,
            &s.demand,
            &seasonality,
            &roadmap.demand_changes,
            &roadmap.shares,
            &own_growth,
        );
        (split.common, split.common_shares, split.by_group)
    };
    let group_keys: Vec<&String> = s.groups.keys().collect();
    let group_arrivals: Vec<GroupArrivals> = group_arrivals
        .into_iter()
        .map(|(group, arrivals)| GroupArrivals {
            group,
            stream: name_key(group_keys[group]),
            arrivals,
        })
        .collect();
    // What bounds the young people a replication can hold at once (and so its memory): a
    // queue with no target that grows without bound holds at most every referral.
    let expected = arrivals.expected(0.0, cal.end())
        + group_arrivals
            .iter()
            .map(|g| g.arrivals.expected(0.0, cal.end()))
            .sum::<f64>();
    if expected.is_nan() || expected > limits::MAX_REFERRALS_PER_RUN {
        return Err(ScenarioErrors(vec![ScenarioError {
            path: KeyPath::root("demand").key("referrals_per_year"),
            message: format!(
                "the warm-up and horizon would bring about {} referrals a replication, more than the 2,000,000 a run may simulate; check the rate, its growth and seasonality, and the horizon",
                if expected.is_finite() { format!("{expected:.0}") } else { "infinitely many".into() }
            ),
        }]));
    }
    let (periods, period_of_day) = calendar::periods(&cal);
    let budget = calendar::budget_by_period(&budgets, &periods);
    let capacity_by_day = roadmap::capacity_by_day(&cal, &wards, &services, &roadmap.steps);
    let mut model = Model {
        name: s.name.clone(),
        seed: s.simulation.seed,
        replications: s.simulation.replications,
        cal,
        gatekeeping: groups.iter().any(|g| g.gatekeeping.is_some()),
        groups,
        urgency_cum: urgency.cum,
        urgency_target: urgency.target,
        urgency_trigger: urgency.trigger,
        layout: Layout::new(wards.len(), services.len()),
        wards,
        services,
        arrivals,
        shares,
        steps: roadmap.steps,
        alternative_wait,
        repatriation: s.policy.repatriation,
        census,
        periods,
        period_of_day,
        weekday: (0..cal.days as i64)
            .map(|day| cal.is_weekday(day))
            .collect(),
        budget,
        population: s.demand.population_under_18,
        capacity_by_day,
        kpi_keys: Vec::new(),
        tiers: pools::tiers(s),
        capacity,
        localities,
        locality_cum,
        waiting_places,
        group_arrivals,
    };
    model.kpi_keys = record::kpi_keys(&model);
    Ok(model)
}
