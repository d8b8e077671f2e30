//! `[[roadmap]]`: dated changes to capacity (one bed at a time, over a ramp) and to demand.

use super::check::Checker;
use crate::arrivals::DemandChange;
use crate::layout::{Layout, Pool};
use crate::model::{CapacityStep, ServiceModel, WardModel};
use crate::scenario::{KeyPath, RoadmapChange, Scenario};
use crate::time::Calendar;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The roadmap, compiled.
pub(super) struct Roadmap {
    /// Capacity steps in time order.
    pub steps: Vec<CapacityStep>,
    pub demand_changes: Vec<DemandChange>,
    /// Cumulative group shares, each from a clock time on (the first from 0).
    pub shares: Vec<(f64, Vec<f64>)>,
}

pub(super) fn roadmap(
    c: &mut Checker,
    s: &Scenario,
    cal: &Calendar,
    initial_shares: Vec<f64>,
    wards: &mut [WardModel],
    services: &mut [ServiceModel],
) -> Roadmap {
    let group_names: Vec<&String> = s.groups.keys().collect();
    let ward_names: Vec<&String> = s.wards.keys().collect();
    let service_names: Vec<&String> = s.services.keys().collect();
    let end_date = cal.date_of_offset(cal.days as i64);
    let layout = Layout::new(wards.len(), services.len());
    // Applied in date order; changes on the same date in the order written.
    let mut ids: Vec<&str> = Vec::new();
    for (i, id) in s
        .roadmap
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, r.id.as_deref()?)))
    {
        let path = KeyPath::root("roadmap").index(i).key("id");
        if id.is_empty()
            || !id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        {
            c.err(
                path,
                format!("`{id}` cannot be an id: use letters, digits, `_` or `-`"),
            );
        } else if ids.contains(&id) {
            c.err(
                path,
                format!("another roadmap change already has the id `{id}`"),
            );
        }
        ids.push(id);
    }
    let mut changes: Vec<(usize, &RoadmapChange)> = s.roadmap.iter().enumerate().collect();
    changes.sort_by_key(|(i, r)| (r.date, *i));
    let mut capacity_now: Vec<u32> = wards
        .iter()
        .map(|w| w.beds)
        .chain(services.iter().map(|s| s.places.unwrap_or(0)))
        .collect();
    let mut out = Roadmap {
        steps: Vec::new(),
        demand_changes: Vec::new(),
        shares: vec![(0.0, initial_shares)],
    };
    // The first change to each (pool or demand setting, date): a second one would silently win.
    let mut first: BTreeMap<(String, NaiveDate), usize> = BTreeMap::new();
    let mut once = |c: &mut Checker, path: &KeyPath, what: String, i: usize, date: NaiveDate| {
        if let Some(&j) = first.get(&(what.clone(), date)) {
            c.err(
                path.clone(),
                format!("roadmap[{j}] already changes {what} on {date}; combine the two changes into one"),
            );
        } else {
            first.insert((what, date), i);
        }
    };
    for (i, r) in changes {
        let path = KeyPath::root("roadmap").index(i);
        if r.date < cal.start_date || r.date >= end_date {
            c.err(
                path.key("date"),
                format!(
                    "{} is outside the reported horizon ({} to {})",
                    r.date,
                    cal.start_date,
                    cal.last_date()
                ),
            );
            continue;
        }
        let t = cal.time_of(r.date);
        let demand =
            r.referrals_per_year.is_some() || r.annual_growth.is_some() || r.group_shares.is_some();
        let pool = match (&r.ward, &r.service) {
            (Some(w), None) => c
                .lookup(path.key("ward"), "ward", w, &ward_names)
                .map(Pool::Ward),
            (None, Some(sv)) => c
                .lookup(path.key("service"), "service", sv, &service_names)
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
                    c.err(path.clone(), "changes nothing: name a `ward` or `service` with a `capacity` or `staff_wte`, or set `referrals_per_year`, `annual_growth` or `group_shares`");
                }
                if r.capacity.is_some() || r.ramp_days.is_some() {
                    c.err(
                        path.key("capacity"),
                        "a capacity change needs a `ward` or `service`",
                    );
                }
                if r.staff_wte.is_some() {
                    c.err(
                        path.key("staff_wte"),
                        "a staff change needs a `ward` or `service`",
                    );
                }
                None
            }
        };
        let pool = pool.filter(|&pool| match pool {
            Pool::Service(sv) if services[sv].places.is_none() => {
                c.err(
                    path.key("service"),
                    format!("`{}` takes all comers (it has no `places`), so it has no capacity or staffing to change; give it `places` to plan them", services[sv].key),
                );
                false
            }
            _ => true,
        });
        if (r.ward.is_some() || r.service.is_some()) && demand {
            c.err(
                path.clone(),
                "a change names a ward or service, or changes demand, not both (use two changes)",
            );
        }
        if let Some(pool) = pool {
            let what = match pool {
                Pool::Ward(w) => format!("ward `{}`", wards[w].key),
                Pool::Service(sv) => format!("service `{}`", services[sv].key),
            };
            // Staff alone may change on the day the beds change (a ramp of its own).
            let what = match (r.capacity, r.staff_wte) {
                (None, Some(_)) => format!("the staff of {what}"),
                _ => what,
            };
            once(c, &path, what, i, r.date);
            let Some(target) = r.capacity else {
                if r.staff_wte.is_none() {
                    c.err(
                        path.key("capacity"),
                        "the new number of beds or places (or `staff_wte`) is missing",
                    );
                }
                continue;
            };
            let target = c.capacity(path.key("capacity"), target);
            let idx = layout.of(pool).index();
            ramp(
                &mut out.steps,
                pool,
                capacity_now[idx],
                target,
                t,
                r.ramp_days,
            );
            capacity_now[idx] = target;
            match pool {
                Pool::Ward(w) => wards[w].max_capacity = wards[w].max_capacity.max(target),
                Pool::Service(sv) => {
                    services[sv].max_capacity = services[sv].max_capacity.max(target)
                }
            }
        }
        if demand {
            let set = [
                ("`referrals_per_year`", r.referrals_per_year.is_some()),
                ("`annual_growth`", r.annual_growth.is_some()),
                ("`group_shares`", r.group_shares.is_some()),
            ];
            for (what, _) in set.iter().filter(|(_, is_set)| *is_set) {
                once(c, &path, what.to_string(), i, r.date);
            }
            demand_change(c, &path, r, t, &group_names, &mut out);
        } else if r.ramp_days.is_some() && r.capacity.is_none() && r.staff_wte.is_none() {
            c.err(
                path.key("ramp_days"),
                "`ramp_days` goes with a `capacity` or `staff_wte` change",
            );
        }
    }
    out.steps.sort_by(|a, b| a.time.total_cmp(&b.time));
    out
}

/// A change to the referral rate, its growth or the group shares, from clock time `t`.
fn demand_change(
    c: &mut Checker,
    path: &KeyPath,
    r: &RoadmapChange,
    t: f64,
    group_names: &[&String],
    out: &mut Roadmap,
) {
    if let Some(rate) = r.referrals_per_year {
        c.referral_rate(path.key("referrals_per_year"), rate);
    }
    if let Some(g) = r.annual_growth {
        c.growth(path.key("annual_growth"), g);
    }
    out.demand_changes.push(DemandChange {
        time: t,
        per_year: r.referrals_per_year,
        annual_growth: r.annual_growth,
    });
    if let Some(new) = &r.group_shares {
        let cum = group_shares(c, &path.key("group_shares"), new, group_names);
        out.shares.push((t, cum));
    }
}

/// One step per bed (or place) from `from` to `to`: all at `t`, or the k-th of n at
/// `t + ramp × k / n`, so the last bed opens exactly when the ramp ends.
fn ramp(steps: &mut Vec<CapacityStep>, pool: Pool, from: u32, to: u32, t: f64, days: Option<u32>) {
    let ramp = days.unwrap_or(0) as f64;
    let n = from.abs_diff(to);
    for k in 1..=n {
        let capacity = if to > from { from + k } else { from - k };
        let time = if ramp > 0.0 {
            t + ramp * k as f64 / n as f64
        } else {
            t
        };
        steps.push(CapacityStep {
            time,
            pool,
            capacity,
            physical: capacity,
        });
    }
}

/// New group shares, which must name every group and sum to 1; cumulative, in key order.
fn group_shares(
    c: &mut Checker,
    path: &KeyPath,
    new: &std::collections::BTreeMap<String, f64>,
    group_names: &[&String],
) -> Vec<f64> {
    let mut acc = 0.0;
    let mut cum = Vec::with_capacity(group_names.len());
    for gname in group_names {
        match new.get(*gname) {
            Some(&v) => acc += c.probability(path.key(gname), v),
            None => c.err(
                path.clone(),
                format!("gives no share for group `{gname}` (list every group)"),
            ),
        }
        cum.push(acc);
    }
    for gname in new.keys() {
        c.lookup(path.key(gname), "group", gname, group_names);
    }
    c.shares_sum_to_one(path.clone(), "the group shares", acc);
    if let Some(last) = cum.last_mut() {
        *last = 1.0;
    }
    cum
}

/// Capacity at each reported midnight, per local pool, for the daily series (none for a
/// team that takes all comers).
pub(super) fn capacity_by_day(
    cal: &Calendar,
    wards: &[WardModel],
    services: &[ServiceModel],
    steps: &[CapacityStep],
) -> Vec<Vec<u32>> {
    let layout = Layout::new(wards.len(), services.len());
    let mut by_day = vec![Vec::with_capacity(cal.days as usize); layout.pools()];
    let mut current: Vec<u32> = wards
        .iter()
        .map(|w| w.beds)
        .chain(services.iter().map(|s| s.places.unwrap_or(0)))
        .collect();
    let mut next = 0;
    for day in 0..cal.days {
        let midnight = cal.warmup + day as f64 + 1.0;
        while next < steps.len() && steps[next].time <= midnight {
            let st = steps[next];
            current[layout.of(st.pool).index()] = st.capacity;
            next += 1;
        }
        for (idx, series) in by_day.iter_mut().enumerate() {
            series.push(current[idx]);
        }
    }
    // A team that takes all comers has no capacity to draw.
    for (s, svc) in services.iter().enumerate() {
        if svc.places.is_none() {
            by_day[layout.service(s).index()] = Vec::new();
        }
    }
    by_day
}
