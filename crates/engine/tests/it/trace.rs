//! The event log: every young person's steps form a path through the pathway, the log counts
//! what the KPIs count, and tracing changes nothing.

use carepath_engine::scenario::{AfterWait, ContractedBeds, Distribution, Transfer, UrgencyClass};
use carepath_engine::scenario::{Census, CensusOutOfArea, Occupant, Scenario, Waiting, WhenFull};
use carepath_engine::trace::{Activity, Resource, TraceEvent};
use carepath_engine::{examples, Metric, Model, Period};
use std::collections::HashMap;

use Activity::*;

/// The example roadmap with everything the log can show: a census start (in a ward, out of
/// area, waiting), waits for a community place, repatriation, step-down, delayed discharge,
/// readmission, PICU stays stepping down to the GAU (moved, or waiting too long) and
/// contracted out-of-area beds.
fn everything() -> Scenario {
    let mut s = examples::roadmap(1);
    for picu in ["picu", "picu_independent"] {
        s.wards.get_mut(picu).unwrap().transfer = Some(Transfer {
            to: "gau".into(),
            probability: 0.6,
            los_days: None,
            max_wait_days: Some(7.0),
            after_wait: AfterWait::Stay,
        });
    }
    let mut next_best = s.wards["gau_independent"].clone();
    next_best.out_of_area = Some(ContractedBeds {
        tier: 1,
        distance_miles: Distribution::Fixed { value: 60.0 },
    });
    s.wards.insert("next_best".into(), next_best);
    s.policy.when_alternatives_full = WhenFull::Wait;
    s.policy.repatriation = true;
    s.census = Some(Census {
        occupants: vec![Occupant {
            ward: "gau".into(),
            group: "gau".into(),
            days_in_bed: 20.0,
            count: 5,
        }],
        out_of_area: vec![CensusOutOfArea {
            group: "gau".into(),
            days_in_bed: 10.0,
            count: 3,
        }],
        waiting: vec![Waiting {
            group: "picu".into(),
            urgency: UrgencyClass::Emergency,
            days_waiting: 2.0,
            count: 2,
        }],
    });
    s
}

/// Where a young person can be after each activity, and what may come next. `None`: before
/// their first event.
fn allowed(before: Option<Activity>, next: Activity) -> bool {
    let starts = [Referral, InBedAtStart, OutOfAreaAtStart, WaitingAtStart];
    let in_bed_local = [
        Admission,
        InBedAtStart,
        Repatriation,
        Transfer,
        TransferAbandoned,
    ];
    let in_bed_away = [OutOfAreaPlacement, OutOfAreaAtStart];
    let waiting = [BedWait, WaitingAtStart, TargetPassed];
    match before {
        None => starts.contains(&next),
        Some(Referral | Readmission) => {
            matches!(next, Declined | EpisodeStart | CommunityWait | BedRequest)
        }
        Some(CommunityWait) => matches!(next, EpisodeStart | CommunityWaitOver),
        Some(CommunityWaitOver | Escalation) => next == BedRequest,
        Some(EpisodeStart) => matches!(next, EpisodeEnd | Escalation),
        Some(BedRequest) => matches!(next, Admission | BedWait),
        Some(b) if waiting.contains(&b) => {
            matches!(next, Admission | OutOfAreaPlacement)
                || (next == TargetPassed && b != TargetPassed)
        }
        // A repatriated stay keeps the out-of-area stay's timers: no early discharge after it.
        Some(Repatriation) => matches!(next, Ready | Discharge),
        // A transfer, or one abandoned, ends at home: a spell moves at most once.
        Some(Transfer | TransferAbandoned) => matches!(next, Ready | StepDown | Discharge),
        Some(TransferRequest) => matches!(next, Transfer | TransferAbandoned),
        Some(Admission) => matches!(next, Ready | StepDown | Discharge | TransferRequest),
        Some(b) if in_bed_local.contains(&b) => matches!(next, Ready | StepDown | Discharge),
        Some(b) if in_bed_away.contains(&b) => matches!(next, Ready | Repatriation | Discharge),
        Some(Ready) => matches!(next, Discharge | Repatriation),
        Some(StepDown) => next == StepDownEnd,
        Some(Discharge | StepDownEnd) => next == Readmission,
        // Declined and EpisodeEnd end a journey for good.
        Some(_) => false,
    }
}

/// The resource each activity must name.
fn resource_fits(e: &TraceEvent) -> bool {
    match e.activity {
        Referral | Readmission | Declined | BedRequest | BedWait | TargetPassed | Ready
        | WaitingAtStart => e.resource.is_none(),
        CommunityWait | CommunityWaitOver | EpisodeStart | EpisodeEnd | Escalation | StepDown
        | StepDownEnd => matches!(e.resource, Some(Resource::Service(_))),
        Admission | Repatriation | InBedAtStart | TransferRequest | Transfer
        | TransferAbandoned => matches!(e.resource, Some(Resource::Ward(_))),
        // Out of area: the national pool, or contracted beds (a ward).
        OutOfAreaPlacement => matches!(e.resource, Some(Resource::OutOfArea | Resource::Ward(_))),
        OutOfAreaAtStart => e.resource == Some(Resource::OutOfArea),
        Discharge => matches!(e.resource, Some(Resource::Ward(_) | Resource::OutOfArea)),
    }
}

fn kpi(model: &Model, values: &[f64], metric: Metric) -> f64 {
    let i = model
        .kpi_keys()
        .iter()
        .position(|k| k.metric == metric && k.subject.is_empty() && k.period == Period::Overall)
        .unwrap_or_else(|| panic!("{metric:?} is reported"));
    values[i]
}

#[test]
fn every_journey_is_a_path_through_the_pathway() {
    let model = everything().validate().unwrap();
    let (_, log) = model.trace_replication(0).unwrap();
    let mut last: HashMap<u64, (Option<Activity>, f64)> = HashMap::new();
    let mut seen: HashMap<Activity, u32> = HashMap::new();
    for (i, e) in log.iter().enumerate() {
        let (before, at) = last.get(&e.case).copied().unwrap_or((None, 0.0));
        assert!(
            allowed(before, e.activity),
            "event {i}: case {} goes from {before:?} to {:?}",
            e.case,
            e.activity
        );
        assert!(
            e.time >= at,
            "event {i}: time runs backwards for case {}",
            e.case
        );
        assert!(resource_fits(e), "event {i}: {e:?}");
        last.insert(e.case, (Some(e.activity), e.time));
        *seen.entry(e.activity).or_default() += 1;
    }
    // Cases are numbered in order of first appearance, with no gaps.
    let cases = last.len() as u64;
    assert_eq!(last.keys().max(), Some(&(cases - 1)));
    // The log is in time order: what an animation or process-mining tool expects.
    assert!(log.windows(2).all(|w| w[0].time <= w[1].time));
    // Every activity happened, so a path the machine above forbids would have shown.
    for a in Activity::ALL {
        assert!(
            seen.get(&a).copied().unwrap_or(0) > 0,
            "{a:?} never happened"
        );
    }
}

#[test]
fn the_log_counts_what_the_kpis_count() {
    // With a census start (no warm-up) and with a warm-up whose events the KPIs leave out.
    for (model, rep) in [everything(), examples::roadmap(1)]
        .into_iter()
        .flat_map(|s| {
            let m = s.validate().unwrap();
            (0..3).map(move |rep| (m.clone(), rep))
        })
    {
        let (r, log) = model.trace_replication(rep).unwrap();
        let count = |activities: &[Activity]| {
            log.iter()
                .filter(|e| model.in_reported_window(e.time) && activities.contains(&e.activity))
                .count() as f64
        };
        let k = |m| kpi(&model, &r.values, m);
        assert_eq!(count(&[Referral, Readmission]), k(Metric::Referrals));
        assert_eq!(count(&[Readmission]), k(Metric::Readmissions));
        assert_eq!(count(&[Declined]), k(Metric::Declined));
        assert_eq!(count(&[EpisodeStart]), k(Metric::Diverted));
        assert_eq!(count(&[EpisodeEnd]), k(Metric::AdmissionsAvoided));
        assert_eq!(count(&[Escalation]), k(Metric::Escalations));
        assert_eq!(
            count(&[Admission, Repatriation, Transfer]),
            k(Metric::Admissions)
        );
        assert_eq!(count(&[OutOfAreaPlacement]), k(Metric::OapPlacements));
        assert_eq!(count(&[Repatriation]), k(Metric::Repatriations));
        assert_eq!(count(&[StepDown]), k(Metric::StepDowns));
        assert_eq!(count(&[BedWait]), k(Metric::BedWaits));
        assert_eq!(count(&[TargetPassed]), k(Metric::BedWaitsOverTarget));
        // Over the whole run, the ledger's flows.
        let all = |a: Activity| log.iter().filter(|e| e.activity == a).count() as u64;
        let l = r.ledger;
        assert_eq!(all(Referral) + all(Readmission), l.referrals);
        assert_eq!(all(Declined), l.declined);
        assert_eq!(all(EpisodeEnd), l.avoided);
        assert_eq!(all(Discharge) + all(StepDownEnd), l.discharged);
        assert_eq!(
            all(InBedAtStart) + all(OutOfAreaAtStart) + all(WaitingAtStart),
            l.initial
        );
    }
}

#[test]
fn tracing_changes_nothing() {
    let model = everything().validate().unwrap();
    for rep in 0..3 {
        let plain = model.run_replication(rep).unwrap();
        let (traced, log) = model.trace_replication(rep).unwrap();
        assert!(!log.is_empty());
        assert_eq!(plain.events, traced.events);
        assert_eq!(plain.daily, traced.daily);
        assert_eq!(plain.ledger, traced.ledger);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&plain.values), bits(&traced.values));
    }
}

#[test]
fn times_become_dates_from_the_start_date() {
    let model = examples::roadmap(1).validate().unwrap();
    let warmup = model.warmup_days() as f64;
    assert_eq!(warmup, 365.0);
    let start = model.date_time(warmup);
    assert_eq!(start.to_string(), "2022-04-01 00:00:00");
    assert_eq!(
        model.date_time(warmup + 1.5).to_string(),
        "2022-04-02 12:00:00"
    );
    assert_eq!(model.date_time(0.0).to_string(), "2021-04-01 00:00:00");
}
