//! Simulation speed: events per second and replications per second.
//!
//! `cargo bench -p carepath-engine --bench throughput`
//!
//! - `mmcc`: M/M/c/c with λ = 5 referrals a day, mean stay 60 days, 330 beds, 10 years;
//! - `roadmap`: the example roadmap scenario (wards, home treatment, day hospital, step-down,
//!   readmissions, a roadmap of capacity changes);
//! - `disrupted`: the same with staffing, monthly vacancies, closed weeks and a closure hazard,
//!   whose capacity steps each replication builds at its start.
//!
//! Criterion reports each as elements per second, where an element is an event (referral,
//! admission, discharge, …); divide by the events per replication printed first for
//! replications per second.

use carepath_engine::examples;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let cases = [
        (
            "mmcc",
            examples::erlang_loss(5.0, 60.0, 330, 1)
                .validate()
                .expect("valid"),
        ),
        ("roadmap", examples::roadmap(1).validate().expect("valid")),
        (
            "disrupted",
            examples::disrupted(1).validate().expect("valid"),
        ),
    ];
    let mut group = c.benchmark_group("replication");
    for (name, model) in &cases {
        let events = model.run_replication(0).unwrap().events;
        eprintln!("{name}: {events} events per replication");
        group.throughput(Throughput::Elements(events));
        group.bench_function(*name, |b| {
            b.iter(|| black_box(model.run_replication(black_box(0)).unwrap()))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
