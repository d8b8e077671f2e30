//! The pathway example (`examples::pathway`, from `crates/engine/src/examples/pathway.toml`)
//! written by hand as the smallest loop that simulates it: one binary heap of timed events,
//! one xoshiro256++ stream for every draw, a count per pool and the tallies the KPIs need.
//! No patient records, no event log, no financial years, no daily series: the speed of light
//! for this model, which the yardstick bench measures carepath against.
//!
//! `crates/engine/tests/yardstick.rs` checks that it is the same model as carepath's: the
//! means of their KPIs agree within sampling error.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The figures of `pathway.toml`.
const RATE_PER_DAY: f64 = 1000.0 / 365.25;
const DECLINE: f64 = 0.2;
const BEDS: u32 = 60;
const LOS: f64 = 45.0;
const STEP_DOWN: f64 = 0.3;
const STEP_DOWN_FACTOR: f64 = 0.6;
const STEP_DOWN_EPISODE: f64 = 21.0;
/// Home treatment, then the day hospital (the group's order of alternatives).
const PLACES: [u32; 2] = [25, 20];
const ELIGIBLE: [f64; 2] = [0.4, 0.3];
const EPISODE: [f64; 2] = [35.0, 40.0];
const ESCALATION: [f64; 2] = [0.2, 0.1];
/// Pools, in the order of [`Tallies::mean_occupied`].
pub const HOME: usize = 0;
pub const DAY: usize = 1;
pub const WARD: usize = 2;
pub const OUT: usize = 3;

/// What a timed event does.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    EpisodeEnd(u8),
    Escalation(u8),
    /// Early discharge to step-down; the rest of the stay if the day hospital is full.
    EarlyDischarge,
    Discharge,
    StepDownEnd,
    OutOfAreaDischarge,
}

/// One replication's tallies over the reported window.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tallies {
    pub referrals: f64,
    pub declined: f64,
    /// Home treatment, day hospital.
    pub diverted: [f64; 2],
    pub avoided: f64,
    pub avoidable: f64,
    pub escalations: f64,
    pub admissions: f64,
    pub step_downs: f64,
    pub oap_placements: f64,
    /// Mean occupied: home treatment, day hospital, ward, out of area.
    pub mean_occupied: [f64; 4],
}

/// The simulation state: who is where, and the time-weighted occupancy since the warm-up.
struct Loop {
    rng: Xoshiro256PlusPlus,
    heap: BinaryHeap<Reverse<(u64, Ev, u64)>>,
    /// Occupied: home treatment, day hospital, ward, out of area.
    busy: [u32; 4],
    area: [f64; 4],
    now: f64,
    warmup: f64,
    end: f64,
    tally: Tallies,
}

impl Loop {
    fn exp(&mut self, mean: f64) -> f64 {
        let e: f64 = Exp1.sample(&mut self.rng);
        mean * e
    }
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random::<f64>() < p
    }
    fn at(&mut self, t: f64, ev: Ev, payload: f64) {
        self.heap
            .push(Reverse((t.to_bits(), ev, payload.to_bits())));
    }
    /// Moves the clock to `t`, integrating occupancy inside the window.
    fn advance(&mut self, t: f64) {
        if t > self.warmup {
            let span = t - self.now.max(self.warmup);
            for (a, &b) in self.area.iter_mut().zip(&self.busy) {
                *a += b as f64 * span;
            }
        }
        self.now = t;
    }
    fn counted(&self) -> bool {
        self.now >= self.warmup
    }

    fn referral(&mut self) {
        let counted = self.counted();
        self.tally.referrals += counted as u8 as f64;
        if self.chance(DECLINE) {
            self.tally.declined += counted as u8 as f64;
            return;
        }
        let mut suitable = false;
        for s in [HOME, DAY] {
            if self.chance(ELIGIBLE[s]) {
                if self.busy[s] < PLACES[s] {
                    self.episode(s);
                    return;
                }
                suitable = true;
            }
        }
        self.tally.avoidable += (suitable && counted) as u8 as f64;
        self.bed();
    }

    fn episode(&mut self, s: usize) {
        self.busy[s] += 1;
        self.tally.diverted[s] += self.counted() as u8 as f64;
        let length = self.exp(EPISODE[s]);
        if self.chance(ESCALATION[s]) {
            let after = self.rng.random::<f64>() * length;
            self.at(self.now + after, Ev::Escalation(s as u8), 0.0);
        } else {
            self.at(self.now + length, Ev::EpisodeEnd(s as u8), 0.0);
        }
    }

    fn bed(&mut self) {
        let counted = self.counted() as u8 as f64;
        let los = self.exp(LOS);
        if self.busy[WARD] < BEDS {
            self.busy[WARD] += 1;
            self.tally.admissions += counted;
            if self.chance(STEP_DOWN) {
                let early = los * STEP_DOWN_FACTOR;
                self.at(self.now + early, Ev::EarlyDischarge, los - early);
            } else {
                self.at(self.now + los, Ev::Discharge, 0.0);
            }
        } else {
            self.busy[OUT] += 1;
            self.tally.oap_placements += counted;
            self.at(self.now + los, Ev::OutOfAreaDischarge, 0.0);
        }
    }

    fn handle(&mut self, ev: Ev, rest: f64) {
        let counted = self.counted() as u8 as f64;
        match ev {
            Ev::EpisodeEnd(s) => {
                self.busy[s as usize] -= 1;
                self.tally.avoided += counted;
            }
            Ev::Escalation(s) => {
                self.busy[s as usize] -= 1;
                self.tally.escalations += counted;
                self.bed();
            }
            Ev::EarlyDischarge if self.busy[DAY] < PLACES[DAY] => {
                self.busy[WARD] -= 1;
                self.busy[DAY] += 1;
                self.tally.step_downs += counted;
                let episode = self.exp(STEP_DOWN_EPISODE);
                self.at(self.now + episode, Ev::StepDownEnd, 0.0);
            }
            Ev::EarlyDischarge => self.at(self.now + rest, Ev::Discharge, 0.0),
            Ev::Discharge => self.busy[WARD] -= 1,
            Ev::StepDownEnd => self.busy[DAY] -= 1,
            Ev::OutOfAreaDischarge => self.busy[OUT] -= 1,
        }
    }
}

/// One replication of the pathway from an empty start, reported over `[warmup, end)`.
pub fn replicate(seed: u64, warmup: f64, end: f64) -> Tallies {
    let mut sim = Loop {
        rng: Xoshiro256PlusPlus::seed_from_u64(seed),
        heap: BinaryHeap::with_capacity(256),
        busy: [0; 4],
        area: [0.0; 4],
        now: 0.0,
        warmup,
        end,
        tally: Tallies::default(),
    };
    let mut next_referral = sim.exp(1.0 / RATE_PER_DAY);
    loop {
        let next_event = sim
            .heap
            .peek()
            .map_or(f64::INFINITY, |e| f64::from_bits(e.0 .0));
        let t = next_referral.min(next_event);
        if t >= sim.end {
            sim.advance(sim.end);
            break;
        }
        sim.advance(t);
        if next_event <= next_referral {
            let Reverse((_, ev, rest)) = sim.heap.pop().expect("peeked");
            sim.handle(ev, f64::from_bits(rest));
        } else {
            sim.referral();
            next_referral = t + sim.exp(1.0 / RATE_PER_DAY);
        }
    }
    let mut tally = sim.tally;
    tally.mean_occupied = sim.area.map(|a| a / (end - warmup));
    tally
}
