//! The pathway yardstick simulates the same model as carepath: the hand-written loop the
//! bench measures carepath against (`benches/pathway_loop.rs`) and `examples::pathway` give the
//! same KPI means within sampling error, so the yardstick is not a cheaper model.

#[path = "../../../../benches/pathway_loop.rs"]
mod pathway_loop;

use carepath_engine::{examples, run, Metric, Period};
use pathway_loop::{Tallies, DAY, HOME, OUT, WARD};

/// Reads one KPI from the hand-written loop's tallies.
type Tally = fn(&Tallies) -> f64;

#[test]
fn the_hand_written_pathway_is_the_same_model_as_carepaths() {
    let n = 300;
    let model = examples::pathway(n).validate().unwrap();
    let summary = run(&model, 0..n).unwrap();
    let warmup = model.warmup_days() as f64;
    let end = warmup + model.days() as f64;
    let hand: Vec<Tallies> = (0..n as u64)
        .map(|seed| pathway_loop::replicate(seed, warmup, end))
        .collect();

    let cases: [(Metric, &str, Tally); 14] = [
        (Metric::Referrals, "", |t| t.referrals),
        (Metric::Declined, "", |t| t.declined),
        (Metric::Diverted, "home_treatment", |t| t.diverted[HOME]),
        (Metric::Diverted, "day_hospital", |t| t.diverted[DAY]),
        (Metric::AdmissionsAvoided, "", |t| t.avoided),
        (Metric::AvoidableAdmissions, "", |t| t.avoidable),
        (Metric::Escalations, "", |t| t.escalations),
        (Metric::Admissions, "", |t| t.admissions),
        (Metric::StepDowns, "", |t| t.step_downs),
        (Metric::OapPlacements, "", |t| t.oap_placements),
        (Metric::MeanOccupied, "ward", |t| t.mean_occupied[WARD]),
        (Metric::MeanOccupied, "home_treatment", |t| {
            t.mean_occupied[HOME]
        }),
        (Metric::MeanOccupied, "day_hospital", |t| {
            t.mean_occupied[DAY]
        }),
        (Metric::MeanOccupied, "out_of_area", |t| {
            t.mean_occupied[OUT]
        }),
    ];
    for (metric, subject, of) in cases {
        let ours = &summary
            .kpi(metric, subject, Period::Overall)
            .unwrap_or_else(|| panic!("{metric:?} {subject}"))
            .estimate;
        let theirs: Vec<f64> = hand.iter().map(of).collect();
        let mean = theirs.iter().sum::<f64>() / n as f64;
        let var = theirs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        // Two independent samples: the difference of means has this standard error.
        let se = ((ours.sd.powi(2) + var) / n as f64).sqrt();
        assert!(
            mean > 0.0 && (ours.mean - mean).abs() <= 4.0 * se,
            "{} {subject}: carepath {:.3}, hand-written {mean:.3} (se of the difference {se:.3})",
            metric.name(),
            ours.mean,
        );
    }
}
