//! `[localities]` and `[waiting_places]`: where referrals come from, and where young people
//! wait for a bed.

use super::check::{label, Checker};
use crate::layout::PerUrgency;
use crate::model::{LocalityModel, WaitingPlaceModel};
use crate::scenario::{limits, Group, KeyPath, Scenario, UrgencyClass};
use std::collections::BTreeMap;

/// The localities and their cumulative shares: as given, or each locality's share of the
/// under-18 population when none gives a share.
pub(super) fn localities(c: &mut Checker, s: &Scenario) -> (Vec<LocalityModel>, Vec<f64>) {
    let root = KeyPath::root("localities");
    let given = s.localities.values().filter(|l| l.share.is_some()).count();
    if given > 0 && given < s.localities.len() {
        c.err(
            root.clone(),
            "give a `share` for every locality or for none (shares then follow `population_under_18`)",
        );
    }
    let mut models = Vec::with_capacity(s.localities.len());
    let mut weights = Vec::with_capacity(s.localities.len());
    for (name, l) in &s.localities {
        let path = root.key(name);
        // A locality is a KPI subject beside groups, wards, services and urgencies: a shared
        // name would make two rows with one key.
        let urgency = UrgencyClass::ALL.iter().any(|u| u.name() == name);
        if urgency
            || s.groups.contains_key(name)
            || s.wards.contains_key(name)
            || s.services.contains_key(name)
        {
            c.err(
                path.clone(),
                format!("`{name}` already names a group, ward, service or urgency; give the locality a name of its own"),
            );
        }
        let p = l.population_under_18;
        let population = if p.is_finite() && p > 0.0 && p <= limits::MAX_POPULATION {
            p
        } else {
            c.err(
                path.key("population_under_18"),
                format!("must be a positive number, at most 100,000,000, got {p}"),
            );
            1.0
        };
        weights.push(match l.share {
            Some(share) => c.probability(path.key("share"), share),
            None => population,
        });
        let ward_miles = (!l.ward_distance_miles.is_empty())
            .then(|| ward_miles(c, &path, &l.ward_distance_miles, s));
        models.push(LocalityModel {
            key: name.clone(),
            label: label(&l.label, name),
            population,
            ward_miles,
            oap_distance: l
                .out_of_area_distance_miles
                .as_ref()
                .map(|d| c.dist(path.key("out_of_area_distance_miles"), d)),
        });
    }
    let total: f64 = weights.iter().sum();
    if given > 0 && given == s.localities.len() {
        c.shares_sum_to_one(root, "the locality shares", total);
    }
    let mut acc = 0.0;
    let mut cum: Vec<f64> = weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();
    if let Some(last) = cum.last_mut() {
        *last = 1.0;
    }
    (models, cum)
}

/// Miles from a locality to every ward (indexed by ward): each named ward must exist, and
/// every local ward must be named, so that no admission has an unknown distance. Contracted
/// out-of-area wards need none (a placement there draws its own `distance_miles`).
fn ward_miles(
    c: &mut Checker,
    path: &KeyPath,
    given: &BTreeMap<String, f64>,
    s: &Scenario,
) -> Vec<f64> {
    let ward_names: Vec<&String> = s.wards.keys().collect();
    let contracted = |w: &str| s.wards[w].out_of_area.is_some();
    let at = path.key("ward_distance_miles");
    let mut miles = vec![0.0; ward_names.len()];
    for (ward, &d) in given {
        if let Some(w) = c.lookup(at.key(ward), "ward", ward, &ward_names) {
            miles[w] = c.non_negative(at.key(ward), d);
        }
    }
    let missing: Vec<String> = ward_names
        .iter()
        .filter(|w| !given.contains_key(w.as_str()) && !contracted(w))
        .map(|w| format!("`{w}`"))
        .collect();
    if !missing.is_empty() {
        c.err(
            at,
            format!(
                "gives no distance to {}: list every ward",
                missing.join(", ")
            ),
        );
    }
    miles
}

/// Which localities a service takes referrals from (`serves[l]`); empty when it takes
/// everyone's.
pub(super) fn serves(
    c: &mut Checker,
    s: &Scenario,
    path: &KeyPath,
    listed: Option<&Vec<String>>,
) -> Vec<bool> {
    let Some(listed) = listed else {
        return Vec::new();
    };
    let names: Vec<&String> = s.localities.keys().collect();
    let mut serves = vec![false; names.len()];
    for (i, name) in listed.iter().enumerate() {
        let at = path.key("localities").index(i);
        if let Some(l) = c.lookup(at.clone(), "locality", name, &names) {
            if serves[l] {
                c.err(at, format!("`{name}` is listed twice"));
            }
            serves[l] = true;
        }
    }
    serves
}

pub(super) fn waiting_places(c: &mut Checker, s: &Scenario) -> Vec<WaitingPlaceModel> {
    for name in s.waiting_places.keys() {
        if s.groups.contains_key(name)
            || s.wards.contains_key(name)
            || s.services.contains_key(name)
            || s.localities.contains_key(name)
        {
            c.err(
                KeyPath::root("waiting_places").key(name),
                format!("`{name}` already names a group, ward, service or locality; give the place a name of its own"),
            );
        }
    }
    s.waiting_places
        .iter()
        .map(|(name, w)| WaitingPlaceModel {
            key: name.clone(),
            label: label(&w.label, name),
            cost: w.cost_per_day_gbp.map_or(0.0, |cost| {
                c.non_negative(
                    KeyPath::root("waiting_places")
                        .key(name)
                        .key("cost_per_day_gbp"),
                    cost,
                )
            }),
        })
        .collect()
}

/// A group's cumulative shares of the waiting places, per urgency: every place named must
/// exist and each set of shares sums to 1; with places declared, every group says where each
/// urgency waits (`waits_in`, or `waits_in_by_urgency` for all three), so that the days waited
/// in the places add up to all days waited.
pub(super) fn waits_in(
    c: &mut Checker,
    s: &Scenario,
    group: &str,
    g: &Group,
) -> PerUrgency<Vec<f64>> {
    let at = KeyPath::root("groups").key(group);
    let shares = |u: UrgencyClass| g.waits_in_by_urgency.get(u).unwrap_or(&g.waits_in);
    if s.waiting_places.is_empty() {
        if !g.waits_in.is_empty() || !g.waits_in_by_urgency.is_empty() {
            let key = if g.waits_in.is_empty() {
                "waits_in_by_urgency"
            } else {
                "waits_in"
            };
            c.err(
                at.key(key),
                "no `[waiting_places]` are declared: declare the places first",
            );
        }
        return PerUrgency::default();
    }
    if UrgencyClass::ALL.iter().any(|&u| shares(u).is_empty()) {
        c.err(
            at.clone(),
            "`waiting_places` are declared, so say where this group waits: `waits_in = { <place> = <share>, … }`",
        );
    }
    // The group-wide shares are checked once, when some urgency uses them.
    let shared = UrgencyClass::ALL
        .iter()
        .any(|&u| g.waits_in_by_urgency.get(u).is_none())
        .then(|| shares_of(c, s, at.key("waits_in"), &g.waits_in));
    let mut cum = PerUrgency::<Vec<f64>>::default();
    for u in UrgencyClass::ALL {
        cum[u] = match g.waits_in_by_urgency.get(u) {
            Some(own) => shares_of(c, s, at.key("waits_in_by_urgency").key(u.name()), own),
            None => shared.clone().unwrap_or_default(),
        };
    }
    cum
}

/// Cumulative shares over the declared places, in their order.
fn shares_of(
    c: &mut Checker,
    s: &Scenario,
    path: KeyPath,
    given: &BTreeMap<String, f64>,
) -> Vec<f64> {
    let names: Vec<&String> = s.waiting_places.keys().collect();
    for name in given.keys() {
        c.lookup(path.key(name), "waiting place", name, &names);
    }
    let mut acc = 0.0;
    let mut cum: Vec<f64> = names
        .iter()
        .map(|name| {
            if let Some(&share) = given.get(name.as_str()) {
                acc += c.probability(path.key(name), share);
            }
            acc
        })
        .collect();
    if !given.is_empty() {
        c.shares_sum_to_one(path, "the waiting-place shares", acc);
    }
    if let Some(last) = cum.last_mut() {
        *last = 1.0;
    }
    cum
}
