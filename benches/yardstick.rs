//! The speed of light: minimal hand-written loops against carepath on the same models.
//!
//! `cargo bench -p carepath-engine --bench yardstick`
//!
//! - `mmcc`: λ = 5 referrals a day, mean stay 60 days, 330 beds, 600 days of warm-up and 10
//!   years, as `examples::erlang_loss(5.0, 60.0, 330, _)`. The yardstick does only what that
//!   model needs: a binary heap of departure times (as `u64` bit patterns), one xoshiro256++
//!   stream, a count of blocked referrals and one time-weighted occupancy accumulator.
//! - `pathway`: `examples::pathway` (home treatment and a day hospital escalating to a ward,
//!   step-down, out of area when no bed is free), written by hand in `pathway_loop.rs`; a test
//!   (`crates/engine/tests/yardstick.rs`) checks that both give the same KPI means.
//!
//! carepath goes through the same path as `carepath run`: `Model::run_replication`, then
//! `Aggregator::push`. Criterion reports both as events a second (carepath's events per
//! replication, so the two figures compare directly); after each pair of benchmarks, the
//! ratio is printed as the median over replications of the two kinds run alternately.

mod pathway_loop;

use carepath_engine::{examples, Aggregator, Model};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

const RATE: f64 = 5.0;
const MEAN_STAY: f64 = 60.0;
const BEDS: usize = 330;

/// One replication of M/M/c/c: (blocked referrals, mean occupied beds after warm-up).
fn handwritten(seed: u64, warmup: f64, end: f64) -> (u64, f64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut exp = |mean: f64| -mean * (1.0 - rng.random::<f64>()).ln();
    let mut departures: BinaryHeap<Reverse<u64>> = BinaryHeap::with_capacity(BEDS + 1);
    let (mut now, mut blocked, mut area) = (0.0f64, 0u64, 0.0f64);
    let mut next_arrival = exp(1.0 / RATE);
    let mut advance = |to: f64, busy: usize, now: &mut f64| {
        if to > warmup {
            area += busy as f64 * (to - now.max(warmup));
        }
        *now = to;
    };
    loop {
        let next_departure = departures
            .peek()
            .map_or(f64::INFINITY, |d| f64::from_bits(d.0));
        let t = next_arrival.min(next_departure);
        if t >= end {
            advance(end, departures.len(), &mut now);
            break;
        }
        advance(t, departures.len(), &mut now);
        if next_departure <= next_arrival {
            departures.pop();
        } else {
            if departures.len() < BEDS {
                departures.push(Reverse((t + exp(MEAN_STAY)).to_bits()));
            } else if t > warmup {
                blocked += 1;
            }
            next_arrival = t + exp(1.0 / RATE);
        }
    }
    (blocked, area / (end - warmup))
}

/// Criterion's events a second for the hand-written loop and carepath on one model, then the
/// median ratio of their times over pairs of replications run alternately, so that both see
/// the same machine load.
fn yardstick(c: &mut Criterion, name: &str, model: &Model, mut hand: impl FnMut(u64, f64, f64)) {
    let warmup = model.warmup_days() as f64;
    let end = warmup + model.days() as f64;
    let events = model.run_replication(0).unwrap().events;
    eprintln!(
        "{name}: {events} carepath events a replication, {warmup} + {} days",
        model.days()
    );
    let mut group = c.benchmark_group("yardstick");
    group.throughput(Throughput::Elements(events));
    let mut seed = 0u64;
    group.bench_function(format!("{name}_handwritten"), |b| {
        b.iter(|| {
            seed += 1;
            hand(black_box(seed), warmup, end)
        })
    });
    let mut agg = Aggregator::new(model);
    let mut rep = 0u32;
    group.bench_function(format!("{name}_carepath"), |b| {
        b.iter(|| {
            rep = rep.wrapping_add(1);
            agg.push(model.run_replication(black_box(rep)).unwrap());
        })
    });
    group.finish();

    // Pairs of replications, one of each, timed back to back: this machine's speed drifts
    // within seconds, and the median of the pairs' ratios follows the drift where a ratio of
    // two medians taken apart would not.
    let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut agg = Aggregator::new(model);
    for i in 0..PAIRS {
        let t = Instant::now();
        hand(1000 + i as u64, warmup, end);
        let h = t.elapsed().as_secs_f64();
        let t = Instant::now();
        agg.push(model.run_replication(1000 + i).unwrap());
        let o = t.elapsed().as_secs_f64();
        theirs.push(h);
        ours.push(o);
        ratios.push(o / h);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (h, o) = (median(&mut theirs), median(&mut ours));
    let ratio = median(&mut ratios);
    let (q1, q3) = (ratios[PAIRS as usize / 4], ratios[3 * PAIRS as usize / 4]);
    eprintln!(
        "{name} yardstick: hand-written {:.2} ms, carepath {:.2} ms a replication (medians of {PAIRS} pairs): carepath takes {ratio:.2}× the yardstick (median of the pairs' ratios; quartiles {q1:.2}–{q3:.2}), {:.1} vs {:.1} million events/s",
        h * 1e3,
        o * 1e3,
        events as f64 / h / 1e6,
        events as f64 / o / 1e6
    );
}

/// Replications of each kind timed alternately for the ratio.
const PAIRS: u32 = 101;

fn bench(c: &mut Criterion) {
    let mmcc = examples::erlang_loss(RATE, MEAN_STAY, BEDS as u32, 1)
        .validate()
        .expect("valid");
    yardstick(c, "mmcc", &mmcc, |seed, warmup, end| {
        black_box(handwritten(seed, warmup, end));
    });
    let pathway = examples::pathway(1).validate().expect("valid");
    yardstick(c, "pathway", &pathway, |seed, warmup, end| {
        black_box(pathway_loop::replicate(seed, warmup, end));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
