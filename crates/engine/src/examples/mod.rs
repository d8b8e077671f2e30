//! Small scenarios built in code, for documentation examples, tests and benchmarks.
use crate::scenario::*;
use std::collections::BTreeMap;

/// M/M/c/c: Poisson referrals at `rate_per_day`, exponential stays with mean `mean_los_days`,
/// `beds` beds and no waiting (every referral that finds no bed is placed out of area).
pub fn erlang_loss(
    rate_per_day: f64,
    mean_los_days: f64,
    beds: u32,
    replications: u32,
) -> Scenario {
    let group = Group {
        label: "All".into(),
        share: 1.0,
        decline_probability: 0.0,
        alternatives: vec![],
        los_days: Distribution::exponential(mean_los_days),
        step_down: None,
        delayed_discharge: None,
        readmission: None,
        los_alarm_days: None,
        out_of_area: OutOfArea {
            los_days: None,
            cost_per_day_gbp: 1000.0,
            distance_miles: Distribution::Fixed { value: 90.0 },
        },
        annual_growth: None,
        waits_in: BTreeMap::new(),
        waits_in_by_urgency: Default::default(),
        gatekeeping_days: None,
    };
    let ward = Ward {
        label: "Ward".into(),
        beds,
        accepts: vec!["all".into()],
        funding: Funding::Block,
        cost_per_bed_day_gbp: 700.0,
        los_days: BTreeMap::new(),
        out_of_area: None,
        transfer: None,
        staff_wte: None,
        wte_per_bed: None,
        vacancy: None,
    };
    let zero_wait = Urgency {
        share: 1.0,
        target_days: Some(0.0),
        place_out_of_area_after_days: None,
    };
    Scenario {
        name: "erlang_loss".into(),
        description: "M/M/c/c loss system".into(),
        simulation: Simulation {
            start_date: chrono::NaiveDate::from_ymd_opt(2020, 4, 1).expect("valid date"),
            years: 10.0,
            warmup_days: (mean_los_days * 10.0) as u32,
            replications,
            parameter_draws: None,
            seed: 1,
        },
        demand: Demand {
            referrals_per_year: rate_per_day * 365.25,
            annual_growth: 0.0,
            seasonality: None,
            population_under_18: None,
        },
        urgency: Urgencies {
            emergency: zero_wait.clone(),
            urgent: Urgency {
                share: 0.0,
                ..zero_wait.clone()
            },
            routine: Urgency {
                share: 0.0,
                ..zero_wait
            },
        },
        groups: BTreeMap::from([("all".to_string(), group)]),
        wards: BTreeMap::from([("ward".to_string(), ward)]),
        services: BTreeMap::new(),
        policy: Policy::default(),
        budget: Budget::default(),
        roadmap: vec![],
        census: None,
        disruption: vec![],
        localities: BTreeMap::new(),
        waiting_places: BTreeMap::new(),
    }
}

/// A whole blended pathway (four groups, six wards, home treatment, day hospital, step-down,
/// delayed discharge, readmission, repatriation, a provider closure and a new PICU) with
/// `replications` replications: exercises every part of the model at once.
pub fn roadmap(replications: u32) -> Scenario {
    let mut s: Scenario = toml::from_str(include_str!("roadmap.toml"))
        .unwrap_or_else(|e| panic!("the bundled example: {}", e.message()));
    s.simulation.replications = replications;
    s
}

/// A small whole pathway (home treatment and a day hospital that escalate to a bed, one ward,
/// step-down, out-of-area placement when no bed is free) with `replications` replications:
/// the model of the pathway speed yardstick, whose hand-written loop follows it exactly.
pub fn pathway(replications: u32) -> Scenario {
    let mut s: Scenario = toml::from_str(include_str!("pathway.toml"))
        .unwrap_or_else(|e| panic!("the bundled example: {}", e.message()));
    s.simulation.replications = replications;
    s
}

/// [`roadmap`] with every ward short of staff (1.4 WTE a bed at 1.5 a bed, a vacancy uniform
/// on 0–20 % drawn every month), home treatment closed to new referrals in 20 % of weeks, and
/// the LD/autism ward at a hazard of 0.3 a year of losing 2 beds for good: every way capacity
/// can be closed, at once.
pub fn disrupted(replications: u32) -> Scenario {
    let mut s = roadmap(replications);
    let closes = |ward: Option<&str>, service: Option<&str>| Disruption {
        id: None,
        note: String::new(),
        ward: ward.map(str::to_string),
        service: service.map(str::to_string),
        closed_share: None,
        spell_days: 7,
        closure_hazard_per_year: None,
        capacity_lost: None,
    };
    for w in s.wards.values_mut() {
        w.staff_wte = Some(w.beds as f64 * 1.4);
        w.wte_per_bed = Some(1.5);
        w.vacancy = Some(Vacancy {
            rate: Distribution::Uniform { min: 0.0, max: 0.2 },
            drawn: VacancyDraw::Month,
        });
    }
    s.disruption.push(Disruption {
        closure_hazard_per_year: Some(0.3),
        capacity_lost: Some(2),
        ..closes(Some("ld_autism"), None)
    });
    s.disruption.push(Disruption {
        closed_share: Some(0.2),
        ..closes(None, Some("home_treatment"))
    });
    s
}
