//! `[wards]` and `[services]`: the local beds and the alternatives to admission, each with its
//! cost.

use super::check::{label, Checker};
use crate::layout::CostCategory;
use crate::model::{CostUnit, ServiceCosting, ServiceModel, TransferModel, WardModel};
use crate::rng::{name_key, ServiceKeys};
use crate::scenario::{Costing, KeyPath, OpenDays, Scenario, Service, ServiceKind, Transfer};

pub(super) fn wards(c: &mut Checker, s: &Scenario, group_names: &[&String]) -> Vec<WardModel> {
    let mut wards = Vec::with_capacity(s.wards.len());
    for (name, w) in &s.wards {
        let path = KeyPath::root("wards").key(name);
        let mut accepts = vec![false; group_names.len()];
        if w.accepts.is_empty() {
            c.err(path.key("accepts"), "must name at least one group");
        }
        for (i, gname) in w.accepts.iter().enumerate() {
            let at = path.key("accepts").index(i);
            if let Some(g) = c.lookup(at.clone(), "group", gname, group_names) {
                if accepts[g] {
                    c.err(at, format!("`{gname}` is listed twice"));
                }
                accepts[g] = true;
            }
        }
        for gname in w.los_days.keys() {
            if !w.accepts.contains(gname) {
                c.err(
                    path.key("los_days").key(gname),
                    format!("ward `{name}` does not accept group `{gname}`"),
                );
            }
        }
        let cost = c.non_negative(path.key("cost_per_bed_day_gbp"), w.cost_per_bed_day_gbp);
        let beds = c.capacity(path.key("beds"), w.beds);
        let tier = w.out_of_area.as_ref().map(|oa| {
            let at = path.key("out_of_area");
            if oa.tier == 0 {
                c.err(at.key("tier"), "must be 1 or more (1 is tried first)");
            }
            if let Some(g) = w.los_days.keys().next() {
                c.err(
                    path.key("los_days").key(g),
                    "a stay in contracted out-of-area beds is an out-of-area stay: set the group's `out_of_area.los_days` instead",
                );
            }
            c.dist(at.key("distance_miles"), &oa.distance_miles)
        });
        let transfer = w
            .transfer
            .as_ref()
            .and_then(|tr| transfer(c, s, name, tr, &path.key("transfer")));
        wards.push(WardModel {
            key: name.clone(),
            label: label(&w.label, name),
            beds,
            accepts,
            funding: w.funding,
            cost,
            max_capacity: beds,
            tier,
            transfer,
        });
    }
    wards
}

/// Contracted out-of-area wards in the order a placement tries them: by tier, then key.
pub(super) fn tiers(s: &Scenario) -> Vec<usize> {
    let mut tiers: Vec<(u32, usize)> = s
        .wards
        .values()
        .enumerate()
        .filter_map(|(w, ward)| ward.out_of_area.as_ref().map(|oa| (oa.tier, w)))
        .collect();
    tiers.sort();
    tiers.into_iter().map(|(_, w)| w).collect()
}

/// A ward's transfer: to another local ward, never to itself, never from or to contracted
/// out-of-area beds (a placement there is not a local stay).
fn transfer(
    c: &mut Checker,
    s: &Scenario,
    from: &str,
    tr: &Transfer,
    path: &KeyPath,
) -> Option<TransferModel> {
    let ward_names: Vec<&String> = s.wards.keys().collect();
    let probability = c.probability(path.key("probability"), tr.probability);
    let los = tr
        .los_days
        .as_ref()
        .map(|d| c.dist(path.key("los_days"), d));
    let max_wait = match tr.max_wait_days {
        Some(d) => c.non_negative(path.key("max_wait_days"), d),
        None => f64::INFINITY,
    };
    if s.wards[from].out_of_area.is_some() {
        c.err(
            path.clone(),
            format!("ward `{from}` is contracted out-of-area beds (`out_of_area`), which take placements only; a transfer starts from a local ward"),
        );
    }
    let to = c.lookup(path.key("to"), "ward", &tr.to, &ward_names)?;
    if tr.to == from {
        c.err(
            path.key("to"),
            format!("ward `{from}` cannot transfer to itself"),
        );
        return None;
    }
    if s.wards[&tr.to].out_of_area.is_some() {
        c.err(
            path.key("to"),
            format!("ward `{}` is contracted out-of-area beds (`out_of_area`), not a local ward to move to", tr.to),
        );
        return None;
    }
    Some(TransferModel {
        to,
        probability,
        los,
        max_wait,
        after_wait: tr.after_wait,
    })
}

pub(super) fn services(
    c: &mut Checker,
    s: &Scenario,
    group_names: &[&String],
) -> Vec<ServiceModel> {
    let mut services = Vec::with_capacity(s.services.len());
    for (name, sv) in &s.services {
        let path = KeyPath::root("services").key(name);
        let mut escalation = vec![0.0; group_names.len()];
        for (gname, &p) in &sv.escalation {
            let at = path.key("escalation").key(gname);
            if let Some(g) = c.lookup(at.clone(), "group", gname, group_names) {
                escalation[g] = c.probability(at, p);
            }
        }
        for (gname, &p) in &sv.eligibility {
            let at = path.key("eligibility").key(gname);
            c.probability(at.clone(), p);
            if let Some(g) = s.groups.get(gname) {
                if !g.alternatives.contains(name) {
                    c.err(at, format!("group `{gname}` does not list `{name}` in its `alternatives`, so this is never used"));
                }
            } else {
                c.lookup(at, "group", gname, group_names);
            }
        }
        let places = sv.places.map(|n| c.capacity(path.key("places"), n));
        let costing = costing(c, &path, sv, places.is_some());
        services.push(ServiceModel {
            key: name.clone(),
            label: label(&sv.label, name),
            places,
            costing,
            category: match sv.kind {
                Some(ServiceKind::HomeTreatment) => CostCategory::HomeTreatment,
                Some(ServiceKind::DayHospital) => CostCategory::DayHospital,
                None => CostCategory::OtherAlternatives,
            },
            streams: ServiceKeys::new(name_key(name)),
            episode: c.dist(path.key("episode_days"), &sv.episode_days),
            escalation,
            escalation_delay: sv
                .escalation_delay_days
                .as_ref()
                .map(|d| c.dist(path.key("escalation_delay_days"), d)),
            max_capacity: places.unwrap_or(0),
            serves: super::localities::serves(c, s, &path, sv.localities.as_ref()),
        });
    }
    services
}

/// A service's costing: its own `cost`, or the one its `kind` implies, priced per unit.
fn costing(c: &mut Checker, path: &KeyPath, sv: &Service, limited: bool) -> ServiceCosting {
    let free = ServiceCosting {
        unit: CostUnit::Episode,
        gbp: 0.0,
    };
    let at = path.key("cost");
    let (unit, gbp, gbp_at) = match (&sv.cost, sv.kind, sv.cost_per_day_gbp) {
        (Some(_), _, Some(_)) => {
            c.err(
                path.key("cost_per_day_gbp"),
                "give `cost` or `cost_per_day_gbp`, not both: `cost` says how the service is paid for",
            );
            return free;
        }
        (None, None, _) => {
            c.err(
                at,
                "a service needs a costing: `cost = { per = \"place_day\" | \"attendance\" | \"episode\" | \"contact\", gbp = … }`, or a `kind` (`home_treatment`, `day_hospital`) with `cost_per_day_gbp`",
            );
            return free;
        }
        (None, Some(kind), None) => {
            c.err(
                path.key("cost_per_day_gbp"),
                format!(
                    "a `{}` service needs `cost_per_day_gbp` (or a `cost` table)",
                    kind_name(kind)
                ),
            );
            return free;
        }
        (None, Some(ServiceKind::HomeTreatment), Some(gbp)) => {
            (CostUnit::PlaceDay, gbp, path.key("cost_per_day_gbp"))
        }
        (None, Some(ServiceKind::DayHospital), Some(gbp)) => (
            CostUnit::Attendance {
                weekdays_only: true,
            },
            gbp,
            path.key("cost_per_day_gbp"),
        ),
        (Some(cost), _, None) => match *cost {
            Costing::PlaceDay { gbp } => (CostUnit::PlaceDay, gbp, at.key("gbp")),
            Costing::Attendance { gbp, open } => (
                CostUnit::Attendance {
                    weekdays_only: open == OpenDays::Weekdays,
                },
                gbp,
                at.key("gbp"),
            ),
            Costing::Episode { gbp } => (CostUnit::Episode, gbp, at.key("gbp")),
            Costing::Contact {
                gbp,
                contacts_per_week,
            } => {
                let per_week = c.non_negative(at.key("contacts_per_week"), contacts_per_week);
                (CostUnit::CaseloadDay, gbp * per_week / 7.0, at.key("gbp"))
            }
        },
    };
    if unit == CostUnit::PlaceDay && !limited {
        let what = if sv.cost.is_some() {
            at.key("per")
        } else {
            path.key("kind")
        };
        c.err(
            what,
            "a service paid per place-day needs `places`: without them it takes all comers and has no place-days to pay for; cost it per `attendance`, `episode` or `contact`",
        );
    }
    ServiceCosting {
        unit,
        gbp: c.non_negative(gbp_at, gbp),
    }
}

fn kind_name(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::HomeTreatment => "home_treatment",
        ServiceKind::DayHospital => "day_hospital",
    }
}
