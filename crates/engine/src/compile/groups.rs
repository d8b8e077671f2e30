//! `[groups]`: each group's share of referrals, its path through gatekeeping and community
//! alternatives, its wards in order of preference and its stays.

use super::check::{label, Checker};
use crate::model::{GroupModel, StepDownModel};
use crate::scenario::{Group, KeyPath, Scenario};

/// Cumulative group shares in key order (the last exactly 1, whatever rounding left).
pub(super) fn shares(c: &mut Checker, s: &Scenario) -> Vec<f64> {
    if s.groups.is_empty() {
        c.err(KeyPath::root("groups"), "at least one group is needed");
    }
    let mut sum = 0.0;
    let mut cum = Vec::with_capacity(s.groups.len());
    for (name, g) in &s.groups {
        sum += c.probability(KeyPath::root("groups").key(name).key("share"), g.share);
        cum.push(sum);
    }
    c.shares_sum_to_one(KeyPath::root("groups"), "the group shares", sum);
    if let Some(last) = cum.last_mut() {
        *last = 1.0;
    }
    cum
}

pub(super) fn groups(c: &mut Checker, s: &Scenario) -> Vec<GroupModel> {
    let service_names: Vec<&String> = s.services.keys().collect();
    s.groups
        .iter()
        .map(|(name, g)| group(c, s, name, g, &service_names))
        .collect()
}

fn group(
    c: &mut Checker,
    s: &Scenario,
    name: &str,
    g: &Group,
    service_names: &[&String],
) -> GroupModel {
    let path = KeyPath::root("groups").key(name);
    let decline = c.probability(path.key("decline_probability"), g.decline_probability);
    let los = c.dist(path.key("los_days"), &g.los_days);
    // A ward may override the group's stay; every ward has an entry so the loop can index.
    let ward_los = s
        .wards
        .iter()
        .map(|(wname, w)| match w.los_days.get(name) {
            Some(d) => c.dist(
                KeyPath::root("wards").key(wname).key("los_days").key(name),
                d,
            ),
            None => los.clone(),
        })
        .collect();
    let oap = &g.out_of_area;
    let oap_path = path.key("out_of_area");
    let delay = g.delayed_discharge.as_ref().map(|dd| {
        let at = path.key("delayed_discharge");
        (
            c.probability(at.key("probability"), dd.probability),
            c.dist(at.key("extra_days"), &dd.extra_days),
        )
    });
    let readmission = g.readmission.as_ref().map(|r| {
        let at = path.key("readmission");
        (
            c.probability(at.key("probability"), r.probability),
            c.dist(at.key("delay_days"), &r.delay_days),
        )
    });
    GroupModel {
        key: name.to_string(),
        label: label(&g.label, name),
        decline,
        alternatives: alternatives(c, s, name, g, service_names),
        wards: preference(s, name),
        oap_los: match &oap.los_days {
            Some(d) => c.dist(oap_path.key("los_days"), d),
            None => los.clone(),
        },
        oap_delay: oap.los_days.is_none(),
        los_alarm: g
            .los_alarm_days
            .map(|d| c.non_negative(path.key("los_alarm_days"), d)),
        los: ward_los,
        oap_cost: c.non_negative(oap_path.key("cost_per_day_gbp"), oap.cost_per_day_gbp),
        distance: c.dist(oap_path.key("distance_miles"), &oap.distance_miles),
        step_down: step_down(c, g, &path, service_names),
        delay,
        readmission,
        waits_in: super::localities::waits_in(c, s, name, g),
        gatekeeping: g
            .gatekeeping_days
            .as_ref()
            .map(|d| c.dist(path.key("gatekeeping_days"), d)),
    }
}

/// The services a group tries, in order, each with the chance that a referral suits it.
fn alternatives(
    c: &mut Checker,
    s: &Scenario,
    name: &str,
    g: &Group,
    service_names: &[&String],
) -> Vec<(usize, f64)> {
    let mut alternatives = Vec::new();
    for (i, sname) in g.alternatives.iter().enumerate() {
        let at = KeyPath::root("groups")
            .key(name)
            .key("alternatives")
            .index(i);
        let Some(si) = c.lookup(at.clone(), "service", sname, service_names) else {
            continue;
        };
        if alternatives.iter().any(|&(x, _)| x == si) {
            c.err(at, format!("`{sname}` is listed twice"));
            continue;
        }
        match s.services[sname].eligibility.get(name) {
            Some(&p) => alternatives.push((si, p.clamp(0.0, 1.0))),
            None => c.err(at, format!("service `{sname}` has no `eligibility.{name}`: say how likely a `{name}` referral is to suit it")),
        }
    }
    alternatives
}

/// The local wards that accept a group, most preferred first: the ward listing the group
/// earliest in its `accepts`, then the ward whose key sorts first.
fn preference(s: &Scenario, name: &str) -> Vec<usize> {
    let mut ranked: Vec<(usize, usize)> = s
        .wards
        .values()
        .enumerate()
        // Contracted out-of-area beds are never a local admission.
        .filter(|(_, w)| w.out_of_area.is_none())
        .filter_map(|(wi, w)| {
            w.accepts
                .iter()
                .position(|a| a == name)
                .map(|rank| (rank, wi))
        })
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, wi)| wi).collect()
}

fn step_down(
    c: &mut Checker,
    g: &Group,
    path: &KeyPath,
    service_names: &[&String],
) -> Option<StepDownModel> {
    let sd = g.step_down.as_ref()?;
    let at = path.key("step_down");
    let probability = c.probability(at.key("probability"), sd.probability);
    if !(sd.los_factor > 0.0 && sd.los_factor <= 1.0) {
        c.err(
            at.key("los_factor"),
            format!("must be more than 0 and at most 1, got {}", sd.los_factor),
        );
    }
    let episode = c.dist(at.key("episode_days"), &sd.episode_days);
    let service = c.lookup(at.key("service"), "service", &sd.service, service_names)?;
    Some(StepDownModel {
        probability,
        service,
        factor: sd.los_factor.clamp(0.0, 1.0),
        episode,
    })
}
