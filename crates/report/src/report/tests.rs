use super::*;
use carepath_engine::{compare, examples, run};

fn runs() -> (Vec<ScenarioRun>, Vec<Comparison>) {
    let mk = |name: &str, beds| {
        let mut s = examples::erlang_loss(0.5, 60.0, beds, 4);
        s.simulation.years = 2.0;
        ScenarioRun {
            name: name.into(),
            description: "A <test> & more".into(),
            sweep: None,
            roadmap: vec![],
            checks: vec![],
            inputs: vec![],
            summary: run(&s.validate().unwrap(), 0..4).unwrap(),
            uncertainty: None,
            warmup: None,
        }
    };
    let runs = vec![mk("baseline", 24), mk("more_beds", 36)];
    let cmp = Comparison {
        baseline: "baseline".into(),
        scenario: "more_beds".into(),
        differences: compare(&runs[0].summary, &runs[1].summary),
    };
    (runs, vec![cmp])
}

fn methods() -> Methods {
    Methods {
        version: "0.1.0".into(),
        replications: 4,
        seed: 1,
        warmup_days: 600,
    }
}

#[test]
fn report_is_self_contained_and_says_what_changed() {
    let (runs, cmp) = runs();
    let html = render(&Report {
        runs: &runs,
        reference: Some(0),
        comparisons: &cmp,
        differences: None,
        sweep_charts: &[],
        scenario_charts: &[],
        tornado_charts: &[],
        methods: &methods(),
    });
    assert!(!html.contains("<script"));
    let external = html.matches("http").count();
    let svg_ns = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(external, svg_ns, "only the SVG namespace may be a URL");
    for text in [
        "Summary",
        "more_beds</b>",
        "fewer out-of-area placements a year",
        "All KPIs",
        "Differences from the reference",
        "class=better",
        "Assumptions and sources",
        "STRESS-DES",
        "Out-of-area placements",
    ] {
        assert!(html.contains(text), "missing {text}");
    }
    assert!(
        !html.contains("oap_bed_days</td>"),
        "code names are not labels"
    );
    assert!(!html.contains("£-"), "a minus goes before the £");
}

#[test]
fn sentences_say_no_clear_difference_when_the_interval_spans_zero() {
    let (runs, _) = runs();
    let same = Comparison {
        baseline: "baseline".into(),
        scenario: "baseline".into(),
        differences: compare(&runs[0].summary, &runs[0].summary),
    };
    let d = overall(&same, Metric::OapPlacements).unwrap();
    assert_eq!(phrase(Metric::OapPlacements, d, &runs[0].summary), None);
    assert_eq!(
        first_sentence("S1: how many beds? More text."),
        "How many beds?"
    );
}
