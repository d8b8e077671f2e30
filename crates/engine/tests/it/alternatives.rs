//! Alternatives to admission described by what they do. A team that takes all comers is an
//! infinite-server queue: its caseload is Poisson with mean λ × mean episode (M/G/∞), nobody
//! waits for it and nobody is admitted for want of its place. Each costing rule prices what
//! it counts, exactly; and the two kinds keep their meaning, bit for bit.

use carepath_engine::scenario::{Costing, OpenDays};
use carepath_engine::{examples, run, Metric, Period, Scenario, Summary};

/// Referrals 400 a year, all general. Half suit the crisis team (no places; episodes of 10
/// days on average, a fifth escalating at a uniform time within the episode). Of the rest,
/// 40 % suit the crisis house (4 places, 7-day stays, paid per episode), which also takes
/// step-downs from the ward. Home treatment is paid per commissioned place-day.
const CRISIS: &str = r#"
[simulation]
start_date = "2024-04-01"
years = 4
warmup_days = 200
replications = 24
seed = 5

[demand]
referrals_per_year = 400

[groups.general]
share = 1.0
alternatives = ["team", "house", "home"]
los_days = { dist = "exponential", mean = 30 }
out_of_area = { cost_per_day_gbp = 900, distance_miles = { dist = "fixed", value = 60 } }
step_down = { probability = 0.3, service = "house", los_factor = 0.8, episode_days = { dist = "fixed", value = 7 } }

[wards.gau]
beds = 14
accepts = ["general"]
funding = "block"
cost_per_bed_day_gbp = 700

[services.team]
label = "Crisis team"
cost = { per = "contact", gbp = 150, contacts_per_week = 3.5 }
eligibility = { general = 0.5 }
episode_days = { dist = "exponential", mean = 10 }
escalation = { general = 0.2 }

[services.house]
label = "Crisis house"
places = 4
cost = { per = "episode", gbp = 2000 }
eligibility = { general = 0.4 }
episode_days = { dist = "fixed", value = 7 }

[services.home]
kind = "home_treatment"
places = 6
cost = { per = "place_day", gbp = 130 }
eligibility = { general = 0.3 }
episode_days = { dist = "exponential", mean = 20 }
"#;

fn crisis() -> Scenario {
    toml::from_str(CRISIS).unwrap()
}

fn summary(s: &Scenario) -> Summary {
    let model = s.validate().unwrap();
    run(&model, 0..model.replications()).unwrap()
}

fn values(s: &Summary, metric: Metric, subject: &str) -> Vec<f64> {
    s.kpi(metric, subject, Period::Overall)
        .unwrap_or_else(|| panic!("no {} for `{subject}`", metric.name()))
        .values
        .to_vec()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        "{what}: {a} against {b}"
    );
}

/// The crisis team's caseload against M/G/∞: Poisson, with mean λ × E[sojourn], where λ is
/// half the referrals and a fifth of episodes end at a uniform time within them (so the mean
/// sojourn is 10 × (0.8 + 0.2 / 2) = 9 days).
#[test]
fn a_team_that_takes_all_comers_is_an_infinite_server_queue() {
    let s = summary(&crisis());
    let expected = 400.0 / 365.25 * 0.5 * 9.0;
    let caseload = values(&s, Metric::MeanOccupied, "team");
    let m = mean(&caseload);
    assert!(
        (m - expected).abs() < 0.03 * expected,
        "mean caseload {m}, M/G/∞ gives {expected}"
    );
    // The days' caseloads, pooled over replications: a Poisson's variance equals its mean.
    let dist = s.occupancy.iter().find(|d| d.subject == "team").unwrap();
    let p: Vec<f64> = dist.pct_of_days.iter().map(|x| x / 100.0).collect();
    let mu: f64 = p.iter().enumerate().map(|(k, q)| k as f64 * q).sum();
    let var: f64 = (p.iter().enumerate())
        .map(|(k, q)| (k as f64 - mu).powi(2) * q)
        .sum();
    assert!(
        (var / mu - 1.0).abs() < 0.08,
        "caseload variance {var} against its mean {mu}"
    );
    // It is never full, so nobody waits for it, and it reports no capacity.
    for metric in [Metric::Occupancy, Metric::DaysFull, Metric::DaysAbove85] {
        assert!(
            s.kpi(metric, "team", Period::Overall).is_none(),
            "{}",
            metric.name()
        );
        assert!(
            s.kpi(metric, "house", Period::Overall).is_some(),
            "{}",
            metric.name()
        );
    }
    assert!(dist.segments.is_empty() && dist.max_capacity == 0);
    let daily = (s.daily.iter()).find(|d| d.subject == "team" && d.capacity.is_empty());
    assert!(
        daily.is_some(),
        "the team's daily caseload has no capacity line"
    );
    // Everyone the team suits is taken: the only avoidable admissions are the house's and
    // home treatment's, whose places run out. With the team given 2 places instead, its
    // referrals are turned away too.
    let avoidable = mean(&values(&s, Metric::AvoidableAdmissions, ""));
    let mut small = crisis();
    small.services.get_mut("team").unwrap().places = Some(2);
    let tight = mean(&values(&summary(&small), Metric::AvoidableAdmissions, ""));
    assert!(
        tight > avoidable + 50.0,
        "with 2 places the team turns {tight} away, against {avoidable} without a limit"
    );
}

/// Every rule prices its own unit: contacts per caseload-day, episodes (step-downs
/// included), commissioned place-days and attendances on open days; the category of
/// services without a kind is the sum of theirs, and the total the sum of the categories.
#[test]
fn each_costing_rule_prices_what_it_counts() {
    let s = summary(&crisis());
    let days = 4.0 * 365.0 + 1.0; // 2024-04-01 to 2028-03-31
    let team = values(&s, Metric::ServiceCost, "team");
    let house = values(&s, Metric::ServiceCost, "house");
    let home = values(&s, Metric::ServiceCost, "home");
    let other = values(&s, Metric::Cost, "other_alternatives");
    let total = values(&s, Metric::Cost, "");
    let categories: Vec<Vec<f64>> = carepath_engine::COST_CATEGORIES
        .iter()
        .filter_map(|c| s.kpi(Metric::Cost, c, Period::Overall))
        .map(|k| k.values.to_vec())
        .collect();
    let caseload = values(&s, Metric::MeanOccupied, "team");
    let episodes = values(&s, Metric::Diverted, "house");
    let step_downs = values(&s, Metric::StepDowns, "");
    assert!(mean(&step_downs) > 10.0, "the house takes step-downs");
    for r in 0..team.len() {
        close(team[r], caseload[r] * days * 3.5 / 7.0 * 150.0, "contacts");
        close(house[r], (episodes[r] + step_downs[r]) * 2000.0, "episodes");
        close(home[r], 6.0 * days * 130.0, "place-days");
        close(other[r], team[r] + house[r], "other alternatives");
        let sum: f64 = categories.iter().map(|c| c[r]).sum();
        close(total[r], sum, "total");
    }
    assert!(
        s.kpi(Metric::Cost, "home_treatment", Period::Overall)
            .is_some_and(|k| k.values.to_vec() == home),
        "a service with a kind keeps its category"
    );

    // Attendance: every day it is the caseload-days; on weekdays only, five days in seven.
    let attended = |open| {
        let mut sc = crisis();
        sc.services.get_mut("team").unwrap().cost = Some(Costing::Attendance { gbp: 100.0, open });
        values(&summary(&sc), Metric::ServiceCost, "team")
    };
    let (every, weekdays) = (attended(OpenDays::EveryDay), attended(OpenDays::Weekdays));
    for r in 0..every.len() {
        close(
            every[r],
            caseload[r] * days * 100.0,
            "attendances every day",
        );
        let share = weekdays[r] / every[r];
        assert!(
            (share - 5.0 / 7.0).abs() < 0.01,
            "weekday attendances are {share} of all"
        );
    }
}

/// Home treatment and day hospitals written with `kind` and `cost_per_day_gbp`, and the same
/// written as `cost` rules (place-days; attendances on weekdays), give the same results bit
/// for bit: the kinds keep their meaning.
#[test]
fn the_two_kinds_keep_their_meaning() {
    let plain = examples::roadmap(6);
    let mut ruled = plain.clone();
    let mut kinds = Vec::new();
    for sv in ruled.services.values_mut() {
        let gbp = sv.cost_per_day_gbp.take().unwrap();
        kinds.push(sv.kind.unwrap());
        sv.cost = Some(match sv.kind.unwrap() {
            carepath_engine::scenario::ServiceKind::HomeTreatment => Costing::PlaceDay { gbp },
            carepath_engine::scenario::ServiceKind::DayHospital => Costing::Attendance {
                gbp,
                open: OpenDays::Weekdays,
            },
        });
    }
    assert_eq!(kinds.len(), 2, "the example has both kinds");
    let (a, b) = (summary(&plain), summary(&ruled));
    assert_eq!(a.kpis.len(), b.kpis.len());
    for (x, y) in a.kpis.iter().zip(&b.kpis) {
        assert_eq!(x.key, y.key);
        let (x, y): (Vec<u64>, Vec<u64>) = (
            x.values.iter().map(|v| v.to_bits()).collect(),
            y.values.iter().map(|v| v.to_bits()).collect(),
        );
        assert_eq!(x, y, "{:?}", a.kpis[0].key.metric.name());
    }
}

/// A change to the crisis scenario.
type Edit<'a> = &'a dyn Fn(&mut Scenario);

/// What cannot be priced or planned is an error at its key.
#[test]
fn a_service_without_places_or_costing_is_a_located_error() {
    let with = |extra: &str| toml::from_str::<Scenario>(&format!("{CRISIS}\n{extra}")).unwrap();
    let cases: [(Edit, &str); 7] = [
        (
            &|s| s.services.get_mut("team").unwrap().cost = Some(Costing::PlaceDay { gbp: 10.0 }),
            "services.team.cost.per: a service paid per place-day needs `places`",
        ),
        (
            &|s| s.services.get_mut("team").unwrap().cost = None,
            "services.team.cost: a service needs a costing",
        ),
        (
            &|s| s.services.get_mut("house").unwrap().cost_per_day_gbp = Some(5.0),
            "services.house.cost_per_day_gbp: give `cost` or `cost_per_day_gbp`, not both",
        ),
        (
            &|s| s.services.get_mut("home").unwrap().cost = None,
            "services.home.cost_per_day_gbp: a `home_treatment` service needs `cost_per_day_gbp`",
        ),
        (
            &|s| s.services.get_mut("team").unwrap().staff_wte = Some(8.0),
            "services.team.staff_wte: a service that takes all comers",
        ),
        (
            &|s| {
                s.roadmap =
                    with("[[roadmap]]\ndate = \"2025-04-01\"\nservice = \"team\"\ncapacity = 3")
                        .roadmap
            },
            "roadmap[0].service: `team` takes all comers",
        ),
        (
            &|s| {
                s.disruption =
                    with("[[disruption]]\nservice = \"team\"\nclosed_share = 0.2").disruption
            },
            "disruption[0].service: `team` takes all comers",
        ),
    ];
    for (edit, expected) in cases {
        let mut s = crisis();
        edit(&mut s);
        let errors = s.validate().unwrap_err();
        let text: Vec<String> = (errors.0.iter())
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect();
        assert!(
            text.iter().any(|e| e.starts_with(expected)),
            "expected `{expected}`, got {text:?}"
        );
    }
}
