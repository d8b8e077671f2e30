//! `[census]`: the young people already in beds, placed out of area or waiting on the start
//! date, for a run that starts from today rather than from an empty system.

use super::check::Checker;
use crate::model::{CensusEntry, WardModel};
use crate::scenario::{limits, Census, KeyPath, Scenario};

pub(super) fn census(
    c: &mut Checker,
    s: &Scenario,
    cs: &Census,
    wards: &[WardModel],
) -> Vec<CensusEntry> {
    let group_names: Vec<&String> = s.groups.keys().collect();
    let ward_names: Vec<&String> = s.wards.keys().collect();
    let root = KeyPath::root("census");
    let mut census = Vec::new();
    let mut per_ward = vec![0u32; wards.len()];
    // Young people so far; the first entry past the bound is reported, and none past it built.
    let (mut total, mut full) = (0u32, false);
    let mut room = |c: &mut Checker, path: &KeyPath, count: u32| {
        if full {
            return false;
        }
        let after = u64::from(total) + u64::from(count);
        if after > u64::from(limits::MAX_CENSUS) {
            c.err(
                path.key("count"),
                format!(
                    "with these {count}, the census would hold {after} young people, more than \
                     the 100,000 it may hold in all"
                ),
            );
            full = true;
            return false;
        }
        total += count;
        true
    };
    for (i, o) in cs.occupants.iter().enumerate() {
        let path = root.key("occupants").index(i);
        let w = c.lookup(path.key("ward"), "ward", &o.ward, &ward_names);
        let g = c.lookup(path.key("group"), "group", &o.group, &group_names);
        let days = c.non_negative(path.key("days_in_bed"), o.days_in_bed);
        let count = c.capacity(path.key("count"), o.count);
        if let (Some(w), Some(g)) = (w, g) {
            if wards[w].tier.is_some() {
                c.err(
                    path.key("ward"),
                    format!("ward `{}` is contracted out-of-area beds: list young people placed there under `census.out_of_area`", o.ward),
                );
            }
            if !wards[w].accepts[g] {
                c.err(
                    path.key("group"),
                    format!("ward `{}` does not accept group `{}`", o.ward, o.group),
                );
            }
            per_ward[w] = per_ward[w].saturating_add(count);
            if !room(c, &path, count) {
                continue;
            }
            census.extend((0..count).map(|_| CensusEntry::InWard {
                ward: w,
                group: g,
                days,
            }));
        }
    }
    for (w, &n) in per_ward.iter().enumerate() {
        if n > wards[w].beds {
            c.err(
                root.key("occupants"),
                format!(
                    "{n} patients in ward `{}`, which has {} beds",
                    wards[w].key, wards[w].beds
                ),
            );
        }
    }
    for (i, o) in cs.out_of_area.iter().enumerate() {
        let path = root.key("out_of_area").index(i);
        let g = c.lookup(path.key("group"), "group", &o.group, &group_names);
        let days = c.non_negative(path.key("days_in_bed"), o.days_in_bed);
        let count = c.capacity(path.key("count"), o.count);
        if let Some(g) = g.filter(|_| room(c, &path, count)) {
            census.extend((0..count).map(|_| CensusEntry::OutOfArea { group: g, days }));
        }
    }
    for (i, o) in cs.waiting.iter().enumerate() {
        let path = root.key("waiting").index(i);
        let g = c.lookup(path.key("group"), "group", &o.group, &group_names);
        let days = c.non_negative(path.key("days_waiting"), o.days_waiting);
        let count = c.capacity(path.key("count"), o.count);
        if let Some(g) = g.filter(|_| room(c, &path, count)) {
            census.extend((0..count).map(|_| CensusEntry::Waiting {
                group: g,
                urgency: o.urgency,
                days,
            }));
        }
    }
    census
}
