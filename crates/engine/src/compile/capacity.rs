//! Staffing (`staff_wte`, `wte_per_bed`/`wte_per_place`, `vacancy`, the roadmap's staff
//! changes) and `[[disruption]]`: what may keep a pool's physical capacity closed.

use super::check::Checker;
use crate::arrivals::DAYS_PER_YEAR;
use crate::capacity::{Disruption, Plan, Plans, Staffing, Vacancy};
use crate::layout::Pool;
use crate::rng::name_key;
use crate::scenario::{self, KeyPath, Scenario, VacancyDraw};
use crate::time::{next_month, Calendar};
use chrono::Datelike;

/// A pool's staffing keys as written, whatever its kind.
struct Declared<'a> {
    staff: Option<f64>,
    per_unit: Option<f64>,
    per_unit_key: &'static str,
    /// What one unit of capacity is: "bed" or "place".
    unit: &'static str,
    vacancy: Option<&'a scenario::Vacancy>,
}

/// The plans of every local pool (wards, then services), or `None` when no pool has staffing
/// or a disruption.
pub(super) fn plans(c: &mut Checker, s: &Scenario, cal: &Calendar) -> Option<Plans> {
    let ward_names: Vec<&String> = s.wards.keys().collect();
    let service_names: Vec<&String> = s.services.keys().collect();
    for (name, sv) in &s.services {
        if sv.places.is_none() && sv.staff_wte.is_some() {
            c.err(
                KeyPath::root("services").key(name).key("staff_wte"),
                "a service that takes all comers (no `places`) has no places for its staff to open; give it `places`, or leave staffing out",
            );
        }
    }
    let declared = s
        .wards
        .iter()
        .enumerate()
        .map(|(i, (name, w))| {
            let d = Declared {
                staff: w.staff_wte,
                per_unit: w.wte_per_bed,
                per_unit_key: "wte_per_bed",
                unit: "bed",
                vacancy: w.vacancy.as_ref(),
            };
            (Pool::Ward(i), KeyPath::root("wards").key(name), name, d)
        })
        .chain(s.services.iter().enumerate().map(|(i, (name, sv))| {
            let d = Declared {
                staff: sv.staff_wte,
                per_unit: sv.wte_per_place,
                per_unit_key: "wte_per_place",
                unit: "place",
                vacancy: sv.vacancy.as_ref(),
            };
            (
                Pool::Service(i),
                KeyPath::root("services").key(name),
                name,
                d,
            )
        }));
    let mut pools: Vec<Plan> = declared
        .map(|(pool, path, name, d)| Plan {
            pool,
            staffing: staffing(c, s, cal, &path, name, pool, &d),
            disruptions: Vec::new(),
        })
        .collect();
    for (i, d) in s.disruption.iter().enumerate() {
        let path = KeyPath::root("disruption").index(i);
        let pool = match (&d.ward, &d.service) {
            (Some(w), None) => c
                .lookup(path.key("ward"), "ward", w, &ward_names)
                .map(|k| (k, w.clone())),
            (None, Some(sv)) => c
                .lookup(path.key("service"), "service", sv, &service_names)
                .map(|k| (s.wards.len() + k, sv.clone())),
            _ => {
                c.err(path.clone(), "name one `ward` or one `service`");
                None
            }
        };
        if let Some((i, name)) = pool {
            if s.services.get(&name).is_some_and(|sv| sv.places.is_none()) && d.ward.is_none() {
                c.err(
                    path.key("service"),
                    format!("`{name}` takes all comers (it has no `places`), so it has no places to close; give it `places` to disrupt it"),
                );
                continue;
            }
            if let Some(d) = disruption(c, &path, d, &name) {
                pools[i].disruptions.push(d);
            }
        }
    }
    if pools.iter().all(Plan::is_empty) {
        return None;
    }
    let mut months = vec![(0.0, month_key(cal.date_of_offset(-(cal.warmup as i64))))];
    let mut date = next_month(cal.date_of_offset(-(cal.warmup as i64)));
    while cal.time_of(date) < cal.end() {
        months.push((cal.time_of(date), month_key(date)));
        date = next_month(date);
    }
    Some(Plans {
        pools,
        months,
        origin: cal.warmup,
        end: cal.end(),
    })
}

fn month_key(date: chrono::NaiveDate) -> u64 {
    (date.year() as i64 * 12 + date.month0() as i64) as u64
}

fn staffing(
    c: &mut Checker,
    s: &Scenario,
    cal: &Calendar,
    path: &KeyPath,
    name: &str,
    pool: Pool,
    d: &Declared,
) -> Option<Staffing> {
    let changes: Vec<(usize, &scenario::RoadmapChange)> = s
        .roadmap
        .iter()
        .enumerate()
        .filter(|(_, r)| r.staff_wte.is_some() && names(r, pool, name))
        .collect();
    let Some(staff) = d.staff else {
        if d.per_unit.is_some() || d.vacancy.is_some() {
            c.err(
                path.key("staff_wte"),
                format!(
                    "`{}` and `vacancy` need the staff in post, `staff_wte`",
                    d.per_unit_key
                ),
            );
        }
        for (i, _) in changes {
            c.err(
                KeyPath::root("roadmap").index(i).key("staff_wte"),
                format!("`{name}` declares no `staff_wte` to change"),
            );
        }
        return None;
    };
    let staff = c.non_negative(path.key("staff_wte"), staff);
    let per_unit = match d.per_unit {
        Some(v) if v.is_finite() && v > 0.0 => v,
        Some(v) => {
            c.err(
                path.key(d.per_unit_key),
                format!("must be above zero, got {v}"),
            );
            1.0
        }
        None => {
            c.err(
                path.key(d.per_unit_key),
                format!(
                    "missing: the WTE needed to open one {} (with `staff_wte`)",
                    d.unit
                ),
            );
            1.0
        }
    };
    let vacancy = d.vacancy.map(|v| {
        let at = path.key("vacancy").key("rate");
        let rate = c.dist(at.clone(), &v.rate);
        let (lo, hi) = (rate.quantile(0.0), rate.quantile(1.0));
        if !(lo >= 0.0 && hi <= 1.0) {
            c.err(
                at,
                format!("a vacancy rate lies between 0 and 1, but this one reaches {lo:.3} to {hi:.3}: use a fixed, uniform, triangular or empirical distribution"),
            );
        }
        Vacancy {
            rate,
            monthly: v.drawn == VacancyDraw::Month,
            key: name_key(name),
        }
    });
    // Staff over time: a knot where each change starts and one where its ramp ends.
    let mut changes: Vec<_> = changes
        .into_iter()
        .filter(|(_, r)| r.date >= cal.start_date)
        .collect();
    changes.sort_by_key(|(i, r)| (r.date, *i));
    let mut knots = vec![(0.0, staff)];
    let mut busy_until = 0.0;
    for (i, r) in changes {
        let at = KeyPath::root("roadmap").index(i).key("staff_wte");
        let target = c.non_negative(at.clone(), r.staff_wte.unwrap_or(staff));
        let t = cal.time_of(r.date);
        if t < busy_until {
            c.err(at, "starts before the last staff change's ramp has ended");
            continue;
        }
        let now = knots.last().map_or(staff, |k| k.1);
        let ramp = r.ramp_days.unwrap_or(0) as f64;
        knots.push((t, now));
        knots.push((t + ramp, target));
        busy_until = t + ramp;
    }
    Some(Staffing {
        knots,
        per_unit,
        vacancy,
    })
}

/// Whether roadmap change `r` is about `pool`, called `name`.
fn names(r: &scenario::RoadmapChange, pool: Pool, name: &str) -> bool {
    let (this, other) = match pool {
        Pool::Ward(_) => (&r.ward, &r.service),
        Pool::Service(_) => (&r.service, &r.ward),
    };
    other.is_none() && this.as_deref() == Some(name)
}

fn disruption(
    c: &mut Checker,
    path: &KeyPath,
    d: &scenario::Disruption,
    pool_name: &str,
) -> Option<Disruption> {
    if d.closed_share.is_none() && d.closure_hazard_per_year.is_none() {
        c.err(
            path.clone(),
            "disrupts nothing: set `closed_share` (closed in a share of spells) or `closure_hazard_per_year` (closed for good)",
        );
        return None;
    }
    if d.capacity_lost.is_some() && d.closure_hazard_per_year.is_none() {
        c.err(
            path.key("capacity_lost"),
            "goes with `closure_hazard_per_year`",
        );
    }
    let hazard = d.closure_hazard_per_year.map_or(0.0, |h| {
        let h = c.non_negative(path.key("closure_hazard_per_year"), h);
        if h > 100.0 {
            c.err(
                path.key("closure_hazard_per_year"),
                format!("must be at most 100 closures a year, got {h}"),
            );
        }
        h
    });
    let key = match &d.id {
        Some(id) if id.is_empty() => {
            c.err(path.key("id"), "an id cannot be empty");
            pool_name
        }
        Some(id) => id,
        None => pool_name,
    };
    Some(Disruption {
        key: name_key(key),
        closed_share: d
            .closed_share
            .map_or(0.0, |p| c.probability(path.key("closed_share"), p)),
        spell_days: d.spell_days.max(1) as f64,
        hazard: hazard / DAYS_PER_YEAR,
        lost: d.capacity_lost,
    })
}
