//! One replication: the event loop and one handler per event of the pathway.
//!
//! ```text
//! referral ─ access decision (at once, or after `gatekeeping_days`)
//!          ├ declined
//!          ├ suits an alternative with a free place ─ episode ─┬ ends: admission avoided
//!          │                                                   └ escalates ─┐
//!          ├ suits one, all full ─ (admit | wait for a place) ──────────────┤
//!          └ needs admission ───────────────────────────────────────────────┤
//!                                                                 bed request
//!   free compatible bed ─ ward ─┬ early discharge to step-down (place free) ─ episode ─ discharged
//!   else wait (urgency, FCFS)   └ discharge (+ delayed discharge) ─ readmission?
//!   past the target ─ out of area ─ discharge, or repatriated when a local bed frees
//! ```
//!
//! Four clocks drive the loop: the event heap (patient events), the next referral (the
//! earliest of the arrival processes: the common one and any group's own), the next roadmap
//! capacity step and the next midnight. At equal times a capacity step comes first,
//! then patient events, then the referral, then the midnight census, so a bed that opens on
//! a day is counted that night. Nothing in the loop allocates once the buffers have grown to
//! the scenario's size. A patient has at most one live timer; a timer that becomes void (the
//! patient was served from a queue, or left) stays in the heap and is recognised when it
//! comes out, because it no longer matches the patient's current timer.
//!
//! The event dispatch and the handlers on the path of every referral, decision, community
//! episode, admission and discharge are `#[inline(always)]`: left to itself the compiler
//! keeps them as calls, and saving and restoring registers around those calls took a tenth
//! of the instructions of an M/M/c/c replication.

use crate::arrivals::Arrivals;
use crate::layout::{Pool, PoolId};
use crate::model::{CapacityStep, CensusEntry, CostUnit, Model, TransferModel};
use crate::record::{Recorder, Replication};
use crate::results::Overload;
use crate::rng::{self, Attr, ReferralKeys, Seeds};
use crate::scenario::{limits, AfterWait, UrgencyClass};
use crate::trace::{Activity, Resource, TraceEvent};
use dary_heap::QuaternaryHeap;
use rand::Rng;
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};

/// Where a patient is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The slot is free for reuse.
    Free,
    CommunityWait(u16),
    Community(u16),
    BedWait,
    Ward(u16),
    OutOfArea,
    StepDown(u16),
    AwaitingReadmission,
    /// Referred, waiting for the access decision.
    Gatekeeping,
}

#[derive(Debug, Clone, Copy)]
struct Patient {
    key: u64,
    /// The young person, for the event log: kept across readmissions.
    case: u64,
    group: u16,
    urgency: UrgencyClass,
    place: Place,
    /// Sequence number of the patient's one live timer ([`NO_TIMER`]: none); an entry of the
    /// heap with any other number is void.
    timer: u64,
    /// What the live timer does when it fires.
    pending: Ev,
    /// When the current bed request was made.
    requested: f64,
    /// When the patient entered a bed (local or out of area), or the current pool.
    admitted: f64,
    entered: f64,
    /// Planned end of the inpatient stay, delay included.
    stay_end: f64,
    delay: f64,
    /// Still waiting for a local bed after the urgency's standard passed (a breach).
    breached: bool,
    /// The stay began out of area (it stays an out-of-area stay after a repatriation).
    began_out_of_area: bool,
    /// Ready to leave, kept in bed by a delayed discharge.
    in_delay: bool,
    /// Placed out of area before in the reported window (carried over to a readmission), so
    /// that young people placed can be told from placements.
    ever_placed: bool,
    /// Miles from home of the current out-of-area placement.
    distance: f64,
    /// The locality the young person comes from (0 without `[localities]`).
    locality: u16,
    /// Where the young person waits for a bed, while waiting (with `[waiting_places]`).
    waits_at: u16,
    /// When the current referral was made.
    referred: f64,
}

/// What a readmission carries over from the young person's last stay.
#[derive(Debug, Clone, Copy)]
struct Prior {
    case: u64,
    group: usize,
    ever_placed: bool,
    /// When they were discharged.
    discharged: f64,
    locality: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    AlternativeWaitOver,
    EpisodeEnd,
    Escalation,
    /// The access standard passes while the young person waits for a local bed.
    TargetPassed,
    /// The wait after which the young person is placed out of area is over.
    BedWaitOver,
    /// Clinically ready to leave; a delayed discharge keeps the bed until `Discharge`.
    Ready,
    EarlyDischarge,
    Discharge,
    StepDownEnd,
    Readmission,
    /// Ready to move to another ward (a stay that ends in a transfer).
    TransferDue,
    /// Waited `max_wait_days` for a bed in the other ward.
    TransferWaitOver,
    /// The access decision is made.
    Decision,
}

/// The `timer` of a patient with no live timer (sequence numbers start at 1).
const NO_TIMER: u64 = 0;

/// Bits of a [`Timer`] that hold the patient slot; the sequence number takes the rest of
/// the low 64 bits. So a replication holds at most 2^24 (16.7 million) patients at once and
/// schedules at most 2^40 (10^12) timers, both checked; neither is near reach (10^12 timers
/// would take a day of computing for one replication).
const SLOT_BITS: u32 = 24;
const MAX_SLOTS: usize = 1 << SLOT_BITS;
const MAX_SEQ: u64 = 1 << (64 - SLOT_BITS);

/// An entry of the event heap, packed into 16 bytes so that the heap moves little memory and
/// compares entries with one integer comparison: the high 64 bits are the time mapped to an
/// unsigned integer in the order of [`f64::total_cmp`], the low 64 bits the sequence number
/// (shifted) and the patient slot. Sequence numbers are unique and increase, so entries are
/// ordered by time and, at equal times, first in first out. What the timer does is kept in
/// the patient (one live timer each), not in the heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Timer(u128);

impl Timer {
    fn new(time: f64, seq: u64, patient: u32) -> Timer {
        let bits = time.to_bits();
        // Negative: flip every bit; otherwise set the sign bit (the order of `total_cmp`).
        let key = bits ^ ((bits as i64 >> 63) as u64 | 1 << 63);
        Timer((key as u128) << 64 | ((seq << SLOT_BITS) | patient as u64) as u128)
    }
    fn time(self) -> f64 {
        let key = (self.0 >> 64) as u64;
        f64::from_bits(key ^ ((!key as i64 >> 63) as u64 | 1 << 63))
    }
    fn seq(self) -> u64 {
        self.0 as u64 >> SLOT_BITS
    }
    fn patient(self) -> u32 {
        (self.0 as u64 & (MAX_SLOTS as u64 - 1)) as u32
    }
}

/// A count that changes over time, with its time-integral since the last flush.
#[derive(Debug, Clone, Copy, Default)]
struct Level {
    value: u32,
    since: f64,
    area: f64,
}

impl Level {
    #[inline]
    fn set(&mut self, t: f64, v: u32) {
        self.area += self.value as f64 * (t - self.since);
        self.since = t;
        self.value = v;
    }
    /// The integral since the last flush, up to `t`.
    #[inline]
    fn flush(&mut self, t: f64) -> f64 {
        self.set(t, self.value);
        std::mem::take(&mut self.area)
    }
}

/// Occupancy and capacity of a ward or service.
#[derive(Debug, Clone, Copy, Default)]
struct PoolState {
    occupied: Level,
    /// Beds available: capacity, or more while closing beds are still occupied.
    available: Level,
    capacity: Level,
    /// Physical beds or places (the roadmap's) kept closed: physical − capacity.
    closed: Level,
    /// Beds or places the roadmap has closed that a young person still occupies
    /// (occupied − physical, when positive): paid for until they leave.
    kept: Level,
    physical: u32,
    /// False for a team that takes all comers: its room never runs out, and it has no
    /// capacity to tally.
    limited: bool,
}

impl PoolState {
    fn has_room(&self) -> bool {
        self.occupied.value < self.capacity.value
    }
    fn set_occupied(&mut self, t: f64, v: u32) {
        self.occupied.set(t, v);
        self.available.set(t, v.max(self.capacity.value));
        if v > self.physical || self.kept.value > 0 {
            self.kept.set(t, v.saturating_sub(self.physical));
        }
    }
    fn set_capacity(&mut self, t: f64, c: u32) {
        self.capacity.set(t, c);
        self.available.set(t, c.max(self.occupied.value));
    }
    fn set_physical(&mut self, t: f64, physical: u32) {
        self.physical = physical;
        self.closed
            .set(t, physical.saturating_sub(self.capacity.value));
        self.kept
            .set(t, self.occupied.value.saturating_sub(physical));
    }
}

struct Sim<'m> {
    m: &'m Model,
    rec: Recorder,
    /// Earliest first (`Reverse` of a max-heap).
    heap: QuaternaryHeap<Reverse<Timer>>,
    seq: u64,
    patients: Vec<Patient>,
    free: Vec<u32>,
    /// Per local pool ([`crate::layout::Layout`]).
    pools: Vec<PoolState>,
    oap: Vec<Level>,
    /// Patients waiting for a bed, in arrival order.
    bed_queue: Vec<u32>,
    waiting: Level,
    /// Of those waiting, how many have waited past their standard.
    over_target: Level,
    /// Young people in a bed (local or out of area) whose discharge is delayed.
    delayed: Level,
    /// Patients waiting for each service, in arrival order.
    service_queues: Vec<Vec<u32>>,
    /// Patients out of area in placement order (kept only for repatriation).
    placed: Vec<u32>,
    /// Per ward: young people in other wards waiting to move here, in order of request.
    transfer_queues: Vec<Vec<u32>>,
    /// Per ward: its young people waiting for a bed in another ward.
    transfer_waiting: Vec<Level>,
    share_cursor: usize,
    /// The urgency of every referral, when the shares leave no choice.
    certain_urgency: Option<UrgencyClass>,
    events: u64,
    /// Young people seen so far (the next case number).
    cases: u64,
    /// The event log, when one is asked for.
    trace: Option<Vec<TraceEvent>>,
    /// Set when a waiting list outgrows [`limits::MAX_WAITING`]: when, and for what.
    overload: Option<(f64, Queue)>,
    /// Per declared locality: its young people in local beds, and out of area.
    locality_beds: Vec<Level>,
    locality_oap: Vec<Level>,
    /// Per declared waiting place: young people waiting there.
    place_waiting: Vec<Level>,
}

/// An arrival process of referrals: the common one, or that of a group with its own growth.
struct Source<'m> {
    arrivals: &'m Arrivals,
    rng: Xoshiro256PlusPlus,
    segment: usize,
    /// The time of its next referral (infinite once the horizon ends).
    next: f64,
    /// Referrals so far: the next one's number.
    count: u64,
    keys: ReferralKeys,
    /// The group, for a group's own process.
    group: Option<usize>,
}

impl Source<'_> {
    #[inline(always)]
    fn advance(&mut self, t: f64) {
        self.next = self
            .arrivals
            .next(&mut self.segment, t, Exp1.sample(&mut self.rng))
            .unwrap_or(f64::INFINITY);
    }
}

/// A waiting list: for a bed, or for service `s`.
#[derive(Debug, Clone, Copy)]
enum Queue {
    Beds,
    Service(usize),
}

impl Model {
    /// Runs replication `index`: a pure function of the model and the index. It stops early,
    /// with no results, if a waiting list grows past [`limits::MAX_WAITING`].
    pub fn run_replication(&self, index: u32) -> Result<Replication, Overload> {
        simulate(self, index, None).map(|(r, _)| r)
    }

    /// Runs replication `index` and logs every step of every journey. Its [`Replication`]
    /// is identical to [`Model::run_replication`]'s.
    pub fn trace_replication(
        &self,
        index: u32,
    ) -> Result<(Replication, Vec<TraceEvent>), Overload> {
        simulate(self, index, Some(Vec::with_capacity(1 << 16)))
            .map(|(r, trace)| (r, trace.unwrap_or_default()))
    }

    /// What a waiting list is for, in words.
    fn queue_name(&self, queue: Queue) -> String {
        match queue {
            Queue::Beds => {
                let local = self.wards.iter().filter(|w| w.tier.is_none());
                let wards: Vec<&str> = local.map(|w| w.key.as_str()).collect();
                format!("a bed (wards {})", wards.join(", "))
            }
            Queue::Service(s) => format!("service `{}`", self.services[s].key),
        }
    }
}

fn simulate(
    m: &Model,
    rep: u32,
    trace: Option<Vec<TraceEvent>>,
) -> Result<(Replication, Option<Vec<TraceEvent>>), Overload> {
    let seeds = Seeds::new(m.seed, rep);
    // Open capacity: the roadmap's, unless staffing or a disruption closes some of it, which
    // this replication draws now.
    let physical: Vec<u32> = m.pools().map(|p| p.initial).collect();
    let (initial, steps) = match &m.capacity {
        Some(plans) => {
            let (initial, steps) = plans.open(&seeds, &physical, &m.steps);
            (initial, Cow::Owned(steps))
        }
        None => (physical.clone(), Cow::Borrowed(&m.steps[..])),
    };
    // Not sized by capacity: a large pool that stays nearly empty should not cost its
    // capacity in memory. The buffers grow to what the replication needs early in the
    // warm-up, and stay that size.
    let capacity_hint = 256;
    let mut sim = Sim {
        m,
        rec: Recorder::new(m),
        heap: QuaternaryHeap::with_capacity(capacity_hint),
        seq: 0,
        patients: Vec::with_capacity(capacity_hint),
        free: Vec::with_capacity(capacity_hint),
        pools: (initial.iter().zip(&physical).zip(m.pools()))
            .map(|((&c, &physical), pool)| PoolState {
                capacity: Level {
                    value: c,
                    ..Level::default()
                },
                available: Level {
                    value: c,
                    ..Level::default()
                },
                closed: Level {
                    value: physical.saturating_sub(c),
                    ..Level::default()
                },
                physical,
                limited: pool.limited,
                ..PoolState::default()
            })
            .collect(),
        oap: vec![Level::default(); m.groups.len()],
        bed_queue: Vec::with_capacity(256),
        waiting: Level::default(),
        over_target: Level::default(),
        delayed: Level::default(),
        service_queues: vec![Vec::with_capacity(64); m.services.len()],
        placed: Vec::with_capacity(if m.repatriation { 256 } else { 0 }),
        transfer_queues: vec![Vec::new(); m.wards.len()],
        transfer_waiting: vec![Level::default(); m.wards.len()],
        share_cursor: 0,
        certain_urgency: certain(UrgencyClass::ALL.map(|c| m.urgency_cum[c]).into_iter())
            .map(|i| UrgencyClass::ALL[i]),
        events: 0,
        cases: 0,
        trace,
        overload: None,
        locality_beds: vec![Level::default(); m.localities.len()],
        locality_oap: vec![Level::default(); m.localities.len()],
        place_waiting: vec![Level::default(); m.waiting_places.len()],
    };
    sim.start_census(&seeds);
    if let Some(plans) = &m.capacity {
        for (i, t) in plans.closures(&seeds) {
            sim.rec.add(m, t, |tot| tot.closures[i] += 1.0);
        }
    }

    // The common process first, so that it wins ties (as the only one did before).
    let common = Source {
        arrivals: &m.arrivals,
        rng: seeds.arrivals(),
        segment: 0,
        next: 0.0,
        count: 0,
        keys: seeds.referrals(),
        group: None,
    };
    let own = m.group_arrivals.iter().map(|g| Source {
        arrivals: &g.arrivals,
        rng: seeds.group_arrivals(g.stream),
        segment: 0,
        next: 0.0,
        count: 0,
        keys: seeds.group_referrals(g.stream),
        group: Some(g.group),
    });
    let mut sources: Vec<Source> = std::iter::once(common).chain(own).collect();
    for source in sources.iter_mut() {
        source.advance(0.0);
    }
    let end = m.cal.end();
    // The roadmap and midnight clocks change only when they fire, so their next times are
    // kept rather than recomputed every turn. A time that can no longer fire (a step at or
    // after the end, a midnight after it) is infinite: in every comparison below it then
    // acts exactly like the finite time did.
    let step_time = |i: usize| match steps.get(i) {
        Some(s) if s.time < end => s.time,
        _ => f64::INFINITY,
    };
    let midnight_time = |n: u32| {
        let t = m.cal.warmup + n as f64;
        if n <= m.cal.days && t <= end {
            t
        } else {
            f64::INFINITY
        }
    };
    let mut next_step = 0;
    let mut t_step = step_time(next_step);
    let mut midnight = 0u32; // reported midnights 0..=days
    let mut t_midnight = midnight_time(midnight);

    // The earliest source changes only when a referral is made, so it is kept too.
    let (mut source, mut next_arrival) = earliest(&sources);

    loop {
        let t_event = sim.heap.peek().map_or(f64::INFINITY, |e| e.0.time());
        if t_step <= t_event && t_step <= next_arrival && t_step <= t_midnight && t_step < end {
            sim.capacity_step(steps[next_step]);
            next_step += 1;
            t_step = step_time(next_step);
        } else if t_event <= next_arrival && t_event <= t_midnight && t_event < end {
            let Reverse(e) = sim.heap.pop().expect("peeked");
            sim.events += 1;
            sim.handle(e);
        } else if next_arrival <= t_midnight && next_arrival < end {
            let t = next_arrival;
            sim.events += 1;
            let s = &mut sources[source];
            let (key, group) = (s.keys.nth(s.count), s.group);
            s.count += 1;
            sim.refer(t, key, None, group);
            // Waiting lists grow only as referrals arrive, so this is where to stop one.
            if sim.overload.is_some() {
                break;
            }
            sources[source].advance(t);
            (source, next_arrival) = earliest(&sources);
        } else if t_midnight.is_finite() {
            sim.midnight(midnight, t_midnight);
            midnight += 1;
            t_midnight = midnight_time(midnight);
        } else {
            break;
        }
    }
    sim.rec.ledger.in_system = sim
        .patients
        .iter()
        .filter(|p| !matches!(p.place, Place::Free | Place::AwaitingReadmission))
        .count() as u64;
    if let Some((t, queue)) = sim.overload {
        return Err(Overload {
            replication: rep,
            date: m.cal.date_of_offset((t - m.cal.warmup).floor() as i64),
            waiting_for: m.queue_name(queue),
        });
    }
    let Sim {
        rec, events, trace, ..
    } = sim;
    Ok((rec.finish(m, rep, events), trace))
}

/// The source of the next referral and its time (the first source wins a tie).
#[inline(always)]
fn earliest(sources: &[Source]) -> (usize, f64) {
    sources
        .iter()
        .enumerate()
        .fold((0, f64::INFINITY), |best, (i, s)| {
            if s.next < best.1 {
                (i, s.next)
            } else {
                best
            }
        })
}

/// The index a uniform draw `u` in [0, 1) always picks from these cumulative shares (the
/// first share above `u`), when there is only one: the first positive share is already 1.
fn certain(cumulative: impl Iterator<Item = f64>) -> Option<usize> {
    cumulative
        .enumerate()
        .find(|&(_, c)| c > 0.0)
        .filter(|&(_, c)| c >= 1.0)
        .map(|(i, _)| i)
}

impl<'m> Sim<'m> {
    #[inline(always)]
    fn schedule(&mut self, time: f64, patient: u32, ev: Ev) {
        self.seq += 1;
        assert!(
            self.seq < MAX_SEQ,
            "more than 2^40 timers in one replication"
        );
        let pat = &mut self.patients[patient as usize];
        debug_assert_eq!(pat.timer, NO_TIMER, "a patient has one live timer at most");
        pat.timer = self.seq;
        pat.pending = ev;
        self.heap.push(Reverse(Timer::new(time, self.seq, patient)));
    }

    /// Voids the patient's live timer, if any.
    fn cancel_timer(&mut self, p: u32) {
        self.patients[p as usize].timer = NO_TIMER;
    }

    /// Logs a step of patient `p`'s journey, when a log is kept.
    #[inline(always)]
    fn note(&mut self, p: u32, t: f64, activity: Activity, resource: Option<Resource>) {
        if let Some(log) = self.trace.as_mut() {
            let pat = &self.patients[p as usize];
            log.push(TraceEvent {
                time: t,
                case: pat.case,
                activity,
                resource,
                group: pat.group,
                urgency: pat.urgency,
            });
        }
    }

    /// A new patient slot for a young person; `case` is theirs when they were seen before
    /// (a readmission), else a new one is numbered.
    #[inline(always)]
    fn new_patient(
        &mut self,
        key: u64,
        case: Option<u64>,
        group: usize,
        urgency: UrgencyClass,
    ) -> u32 {
        let case = case.unwrap_or_else(|| {
            self.cases += 1;
            self.cases - 1
        });
        let p = Patient {
            key,
            case,
            group: group as u16,
            urgency,
            place: Place::Free,
            timer: NO_TIMER,
            pending: Ev::Discharge,
            requested: 0.0,
            admitted: 0.0,
            entered: 0.0,
            stay_end: 0.0,
            delay: 0.0,
            breached: false,
            began_out_of_area: false,
            in_delay: false,
            ever_placed: false,
            distance: 0.0,
            locality: 0,
            waits_at: 0,
            referred: 0.0,
        };
        match self.free.pop() {
            Some(i) => {
                self.patients[i as usize] = p;
                i
            }
            None => {
                assert!(
                    self.patients.len() < MAX_SLOTS,
                    "more than 2^24 patients at once"
                );
                self.patients.push(p);
                (self.patients.len() - 1) as u32
            }
        }
    }

    #[inline(always)]
    fn release(&mut self, p: u32) {
        let pat = &mut self.patients[p as usize];
        pat.place = Place::Free;
        pat.timer = NO_TIMER;
        self.free.push(p);
    }

    #[inline(always)]
    fn handle(&mut self, e: Timer) {
        let (p, t) = (e.patient(), e.time());
        let pat = &mut self.patients[p as usize];
        if pat.timer != e.seq() {
            return; // a void timer
        }
        pat.timer = NO_TIMER;
        let (ev, key) = (pat.pending, pat.key);
        match ev {
            Ev::AlternativeWaitOver => self.alternative_wait_over(p, t),
            Ev::EpisodeEnd => self.episode_end(p, t),
            Ev::Escalation => self.escalation(p, t),
            Ev::TargetPassed => self.target_passed(p, t),
            Ev::BedWaitOver => self.bed_wait_over(p, t),
            Ev::Ready => self.ready(p, t),
            Ev::EarlyDischarge => self.early_discharge(p, t),
            Ev::Discharge => self.discharge(p, t),
            Ev::StepDownEnd => self.step_down_end(p, t),
            Ev::TransferDue => self.transfer_due(p, t),
            Ev::TransferWaitOver => self.transfer_wait_over(p, t),
            Ev::Decision => self.decide(p, t),
            Ev::Readmission => {
                let pat = self.patients[p as usize];
                let prior = Prior {
                    case: pat.case,
                    group: pat.group as usize,
                    ever_placed: pat.ever_placed,
                    discharged: pat.entered,
                    locality: pat.locality,
                };
                self.release(p);
                self.refer(t, rng::readmission(key), Some(prior), None);
            }
        }
    }

    // ----- referral and gatekeeping -------------------------------------------------------

    /// A referral: new (`prior` is `None`), or the readmission of a young person, who keeps
    /// their group and locality. A group's own arrival process gives its `group`.
    #[inline(always)]
    fn refer(&mut self, t: f64, key: u64, prior: Option<Prior>, group: Option<usize>) {
        let m = self.m;
        while self.share_cursor + 1 < m.shares.len() && m.shares[self.share_cursor + 1].0 <= t {
            self.share_cursor += 1;
        }
        // A draw whose outcome is certain is not made: every attribute has its own stream, so
        // leaving one out changes no other draw.
        let group = prior.map(|r| r.group).or(group).unwrap_or_else(|| {
            let cum = &m.shares[self.share_cursor].1;
            certain(cum.iter().copied()).unwrap_or_else(|| {
                let u = rng::uniform(key, Attr::Group);
                cum.iter().position(|&c| u < c).unwrap_or(cum.len() - 1)
            })
        });
        let urgency = match self.certain_urgency {
            Some(u) => u,
            None => {
                let u = rng::uniform(key, Attr::Urgency);
                UrgencyClass::ALL
                    .into_iter()
                    .find(|&c| u < m.urgency_cum[c])
                    .unwrap_or(UrgencyClass::Routine)
            }
        };
        let p = self.new_patient(key, prior.map(|r| r.case), group, urgency);
        let activity = match prior {
            Some(_) => Activity::Readmission,
            None => Activity::Referral,
        };
        self.note(p, t, activity, None);
        self.rec.ledger.referrals += 1;
        if let Some(prior) = prior {
            self.patients[p as usize].ever_placed = prior.ever_placed;
        }
        let locality = match prior {
            Some(r) => r.locality as usize,
            None => self.draw_locality(key),
        };
        self.patients[p as usize].locality = locality as u16;
        let since_discharge = prior.map(|r| t - r.discharged);
        self.rec.add(m, t, |tot| {
            tot.referrals[group] += 1.0;
            if let Some(after) = since_discharge {
                tot.readmissions.add(after);
            }
            if let Some(l) = tot.localities.get_mut(locality) {
                l.referrals += 1.0;
            }
        });

        self.patients[p as usize].referred = t;
        match &m.groups[group].gatekeeping {
            Some(d) => {
                let after = d.sample(&mut rng::draw(key, Attr::Gatekeeping));
                self.patients[p as usize].place = Place::Gatekeeping;
                self.schedule(t + after, p, Ev::Decision);
            }
            None => self.decide(p, t),
        }
    }

    /// The access decision on referral `p`: declined, a community alternative, or a bed
    /// request. Made at referral, or when the group's `gatekeeping_days` are over.
    #[inline(always)]
    fn decide(&mut self, p: u32, t: f64) {
        let m = self.m;
        let pat = self.patients[p as usize];
        let (key, group, locality) = (pat.key, pat.group as usize, pat.locality as usize);
        if m.gatekeeping {
            self.rec.decision(m, t, group, t - pat.referred);
        }
        let g = &m.groups[group];
        if g.decline > 0.0 && rng::uniform(key, Attr::Decline) < g.decline {
            self.rec.ledger.declined += 1;
            self.rec.add(m, t, |tot| tot.declined += 1.0);
            self.note(p, t, Activity::Declined, None);
            self.release(p);
            return;
        }
        let mut suitable = None;
        for &(s, eligibility) in &g.alternatives {
            // A service with no places (not yet open, or closed) is no alternative at all.
            let pool = &self.pools[m.layout.service(s).index()];
            let open = pool.capacity.value > 0;
            // Nor is one that does not serve the young person's locality (no draw is made).
            let serves = m.services[s].serves.get(locality).is_none_or(|&x| x);
            if open && serves && rng::uniform(key, m.services[s].streams.eligible) < eligibility {
                if pool.has_room() {
                    self.start_episode(p, s, t);
                    return;
                }
                suitable.get_or_insert(s);
            }
        }
        match (suitable, m.alternative_wait) {
            (Some(s), Some(wait)) => {
                self.note(p, t, Activity::CommunityWait, Some(Resource::Service(s)));
                self.patients[p as usize].place = Place::CommunityWait(s as u16);
                self.service_queues[s].push(p);
                self.check_queue(self.service_queues[s].len(), t, Queue::Service(s));
                self.schedule(t + wait, p, Ev::AlternativeWaitOver);
            }
            (Some(_), None) => {
                self.rec.add(m, t, |tot| tot.avoidable += 1.0);
                self.request_bed(p, t);
            }
            (None, _) => self.request_bed(p, t),
        }
    }

    /// The locality of a new young person: drawn only when there are two or more (0 without
    /// `[localities]`).
    fn draw_locality(&self, key: u64) -> usize {
        let cum = &self.m.locality_cum;
        if cum.is_empty() {
            return 0;
        }
        certain(cum.iter().copied()).unwrap_or_else(|| {
            let u = rng::uniform(key, Attr::Locality);
            cum.iter().position(|&c| u < c).unwrap_or(cum.len() - 1)
        })
    }

    /// Someone of locality `l` enters (+1) or leaves (-1) a local bed or an out-of-area one.
    #[inline(always)]
    fn locality_bed(&mut self, p: u32, t: f64, out_of_area: bool, delta: i32) {
        let l = self.patients[p as usize].locality as usize;
        let levels = if out_of_area {
            &mut self.locality_oap
        } else {
            &mut self.locality_beds
        };
        if let Some(level) = levels.get_mut(l) {
            level.set(t, (level.value as i32 + delta) as u32);
        }
    }

    /// The young person starts waiting for a bed in one of the declared places, drawn from
    /// their group's shares (only when more than one is possible).
    fn start_waiting_place(&mut self, p: u32, t: f64) -> Option<usize> {
        let m = self.m;
        let pat = self.patients[p as usize];
        let cum = &m.groups[pat.group as usize].waits_in[pat.urgency];
        if cum.is_empty() {
            return None;
        }
        let place = certain(cum.iter().copied()).unwrap_or_else(|| {
            let u = rng::uniform(pat.key, Attr::WaitingPlace);
            cum.iter().position(|&c| u < c).unwrap_or(cum.len() - 1)
        });
        self.patients[p as usize].waits_at = place as u16;
        let level = &mut self.place_waiting[place];
        level.set(t, level.value + 1);
        Some(place)
    }

    // ----- community alternatives ---------------------------------------------------------

    #[inline(always)]
    fn occupy(&mut self, pool: PoolId, t: f64, delta: i32) {
        let state = &mut self.pools[pool.index()];
        let v = (state.occupied.value as i32 + delta).max(0) as u32;
        state.set_occupied(t, v);
    }

    #[inline(always)]
    fn start_episode(&mut self, p: u32, s: usize, t: f64) {
        let m = self.m;
        let pool = m.layout.service(s);
        self.occupy(pool, t, 1);
        self.rec.enter(pool, t);
        self.note(p, t, Activity::EpisodeStart, Some(Resource::Service(s)));
        let pat = &mut self.patients[p as usize];
        pat.place = Place::Community(s as u16);
        pat.entered = t;
        let (key, group) = (pat.key, pat.group as usize);
        self.rec.add(m, t, |tot| tot.diverted[s] += 1.0);
        self.bill_episode(s, t);
        let svc = &m.services[s];
        let length = svc.episode.sample(&mut rng::draw(key, svc.streams.episode));
        let mut esc = rng::draw(key, svc.streams.escalation);
        if esc.random::<f64>() < svc.escalation[group] {
            let after = match &svc.escalation_delay {
                Some(d) => d.sample(&mut esc).min(length),
                None => esc.random::<f64>() * length,
            };
            self.schedule(t + after, p, Ev::Escalation);
        } else {
            self.schedule(t + length, p, Ev::EpisodeEnd);
        }
    }

    /// An episode of service `s` starts: one unit for a service paid per episode.
    #[inline(always)]
    fn bill_episode(&mut self, s: usize, t: f64) {
        if self.m.services[s].costing.unit == CostUnit::Episode {
            self.rec.add(self.m, t, |tot| tot.billed[s] += 1.0);
        }
    }

    #[inline(always)]
    fn leave_service(&mut self, p: u32, s: usize, t: f64) {
        let pool = self.m.layout.service(s);
        self.occupy(pool, t, -1);
        let entered = self.patients[p as usize].entered;
        self.rec.exit(pool, t, t - entered);
        if !self.service_queues[s].is_empty() {
            self.serve_service(s, t);
        }
    }

    #[inline(always)]
    fn episode_end(&mut self, p: u32, t: f64) {
        let Place::Community(s) = self.patients[p as usize].place else {
            return;
        };
        self.leave_service(p, s as usize, t);
        self.note(
            p,
            t,
            Activity::EpisodeEnd,
            Some(Resource::Service(s as usize)),
        );
        self.rec.ledger.avoided += 1;
        self.rec
            .add(self.m, t, |tot| tot.avoided[s as usize] += 1.0);
        self.release(p);
    }

    #[inline(always)]
    fn escalation(&mut self, p: u32, t: f64) {
        let Place::Community(s) = self.patients[p as usize].place else {
            return;
        };
        self.leave_service(p, s as usize, t);
        self.note(
            p,
            t,
            Activity::Escalation,
            Some(Resource::Service(s as usize)),
        );
        self.rec
            .add(self.m, t, |tot| tot.escalations[s as usize] += 1.0);
        self.request_bed(p, t);
    }

    fn alternative_wait_over(&mut self, p: u32, t: f64) {
        let Place::CommunityWait(s) = self.patients[p as usize].place else {
            return;
        };
        let queue = &mut self.service_queues[s as usize];
        if let Some(i) = queue.iter().position(|&q| q == p) {
            queue.remove(i);
        }
        self.note(
            p,
            t,
            Activity::CommunityWaitOver,
            Some(Resource::Service(s as usize)),
        );
        self.rec.add(self.m, t, |tot| tot.avoidable += 1.0);
        self.request_bed(p, t);
    }

    /// Gives free places of service `s` to those waiting for it, first come first served.
    fn serve_service(&mut self, s: usize, t: f64) {
        let pool = self.m.layout.service(s).index();
        while self.pools[pool].has_room() && !self.service_queues[s].is_empty() {
            let p = self.service_queues[s].remove(0);
            self.cancel_timer(p); // the wait timer
            self.start_episode(p, s, t);
        }
    }

    // ----- beds -----------------------------------------------------------------------------

    #[inline(always)]
    fn request_bed(&mut self, p: u32, t: f64) {
        let m = self.m;
        self.note(p, t, Activity::BedRequest, None);
        let pat = &mut self.patients[p as usize];
        pat.requested = t;
        let group = pat.group as usize;
        if let Some(&w) = m.groups[group]
            .wards
            .iter()
            .find(|&&w| self.pools[m.layout.ward(w).index()].has_room())
        {
            self.admit(p, w, t);
            return;
        }
        // No free bed: the request joins the queue, even if only for an instant (a zero
        // standard or trigger is acted on at once), so that every breach is a bed wait.
        self.join_bed_queue(p, t);
        self.wait_clock(p, t);
    }

    /// Sets the waiting young person's next deadline: the standard first (a breach is counted
    /// when it passes), then the trigger of an out-of-area placement. A deadline that has
    /// already passed (a zero standard, a census patient who has waited long) is acted on at
    /// once rather than scheduled, which saves an event on every blocked referral of a loss
    /// system.
    fn wait_clock(&mut self, p: u32, t: f64) {
        let m = self.m;
        let pat = self.patients[p as usize];
        let target_at = pat.requested + m.urgency_target[pat.urgency];
        let trigger_at = pat.requested + m.urgency_trigger[pat.urgency];
        if !pat.breached && target_at.is_finite() && target_at <= trigger_at {
            if target_at <= t {
                self.target_passed(p, t);
            } else {
                self.schedule(target_at, p, Ev::TargetPassed);
            }
        } else if trigger_at.is_finite() {
            if trigger_at <= t {
                self.bed_wait_over(p, t);
            } else {
                self.schedule(trigger_at, p, Ev::BedWaitOver);
            }
        }
    }

    fn target_passed(&mut self, p: u32, t: f64) {
        let pat = &mut self.patients[p as usize];
        if pat.place != Place::BedWait || pat.breached {
            return;
        }
        pat.breached = true;
        let (urgency, locality) = (pat.urgency, pat.locality as usize);
        self.note(p, t, Activity::TargetPassed, None);
        self.over_target.set(t, self.over_target.value + 1);
        self.rec.add(self.m, t, |tot| {
            tot.over_target[urgency] += 1.0;
            if let Some(l) = tot.localities.get_mut(locality) {
                l.over_target += 1.0;
            }
        });
        self.wait_clock(p, t);
    }

    fn join_bed_queue(&mut self, p: u32, t: f64) {
        let urgency = self.patients[p as usize].urgency;
        self.patients[p as usize].place = Place::BedWait;
        self.note(p, t, Activity::BedWait, None);
        self.bed_queue.push(p);
        self.waiting.set(t, self.bed_queue.len() as u32);
        self.check_queue(self.bed_queue.len(), t, Queue::Beds);
        let place = self.start_waiting_place(p, t);
        let locality = self.patients[p as usize].locality as usize;
        self.rec.add(self.m, t, |tot| {
            tot.bed_waits[urgency] += 1.0;
            if let Some(l) = tot.localities.get_mut(locality) {
                l.bed_waits += 1.0;
            }
            if let Some(place) = place {
                tot.places[place].waits += 1.0;
            }
        });
    }

    /// Notes the first time a waiting list outgrows [`limits::MAX_WAITING`].
    fn check_queue(&mut self, len: usize, t: f64, queue: Queue) {
        if len > limits::MAX_WAITING && self.overload.is_none() {
            self.overload = Some((t, queue));
        }
    }

    fn leave_bed_queue(&mut self, i: usize, t: f64) -> u32 {
        let p = self.bed_queue.remove(i);
        self.waiting.set(t, self.bed_queue.len() as u32);
        self.cancel_timer(p); // the wait timer
        let pat = &mut self.patients[p as usize];
        if pat.breached {
            pat.breached = false;
            self.over_target.set(t, self.over_target.value - 1);
        }
        if let Some(level) = self.place_waiting.get_mut(pat.waits_at as usize) {
            level.set(t, level.value - 1);
        }
        let (urgency, waited) = (pat.urgency, t - pat.requested);
        self.rec.wait(self.m, t, urgency, waited);
        p
    }

    fn bed_wait_over(&mut self, p: u32, t: f64) {
        let Some(i) = self.bed_queue.iter().position(|&q| q == p) else {
            return;
        };
        let p = self.leave_bed_queue(i, t);
        self.place_out_of_area(p, t);
    }

    /// Samples the delayed-discharge days of a stay that starts now.
    #[inline(always)]
    fn delay(&self, key: u64, group: usize) -> f64 {
        match &self.m.groups[group].delay {
            Some((probability, extra)) => {
                let mut r = rng::draw(key, Attr::Delay);
                if r.random::<f64>() < *probability {
                    extra.sample(&mut r)
                } else {
                    0.0
                }
            }
            None => 0.0,
        }
    }

    /// Schedules the end of an inpatient stay: readiness first when the stay has a delay (so
    /// that delayed bed-days are counted day by day, like every other bed-day), else the
    /// discharge.
    #[inline(always)]
    fn schedule_stay_end(&mut self, p: u32) {
        let pat = self.patients[p as usize];
        if pat.delay > 0.0 && !pat.in_delay {
            self.schedule(pat.stay_end - pat.delay, p, Ev::Ready);
        } else {
            self.schedule(pat.stay_end, p, Ev::Discharge);
        }
    }

    fn ready(&mut self, p: u32, t: f64) {
        self.note(p, t, Activity::Ready, None);
        self.patients[p as usize].in_delay = true;
        self.delayed.set(t, self.delayed.value + 1);
        let stay_end = self.patients[p as usize].stay_end;
        self.schedule(stay_end, p, Ev::Discharge);
    }

    #[inline(always)]
    fn enter_ward(&mut self, p: u32, w: usize, t: f64) {
        let pool = self.m.layout.ward(w);
        self.occupy(pool, t, 1);
        // Contracted out-of-area beds are wards, but out of area for the young person.
        let out_of_area = self.m.wards[w].tier.is_some();
        self.locality_bed(p, t, out_of_area, 1);
        self.rec.enter(pool, t);
        let pat = &mut self.patients[p as usize];
        pat.place = Place::Ward(w as u16);
        pat.entered = t;
    }

    #[inline(always)]
    fn admit(&mut self, p: u32, w: usize, t: f64) {
        let m = self.m;
        self.enter_ward(p, w, t);
        self.note(p, t, Activity::Admission, Some(Resource::Ward(w)));
        let (locality, miles) = self.miles_to(p, w);
        self.rec.add(m, t, |tot| {
            tot.admissions[w] += 1.0;
            if let Some(l) = tot.localities.get_mut(locality) {
                l.admissions += 1.0;
                l.admission_miles += miles;
            }
        });
        let (key, group) = (
            self.patients[p as usize].key,
            self.patients[p as usize].group as usize,
        );
        let los = m.groups[group].los[w].sample(&mut rng::draw(key, Attr::Los));
        let pat = &mut self.patients[p as usize];
        pat.admitted = t;
        pat.began_out_of_area = false;
        let moves = m.wards[w].transfer.as_ref().is_some_and(|tr| {
            tr.probability > 0.0 && rng::uniform(key, Attr::Transfer) < tr.probability
        });
        if moves {
            // No delayed discharge and no step-down: the stay ends in a move, not at home.
            pat.delay = 0.0;
            pat.stay_end = t + los;
            self.schedule(t + los, p, Ev::TransferDue);
        } else {
            self.begin_stay(p, t, los);
        }
    }

    /// Plans a stay of `los` days from `t` that ends at home: a delayed discharge on top,
    /// or an early discharge into step-down.
    #[inline(always)]
    fn begin_stay(&mut self, p: u32, t: f64, los: f64) {
        let (key, group) = (
            self.patients[p as usize].key,
            self.patients[p as usize].group as usize,
        );
        let delay = self.delay(key, group);
        let pat = &mut self.patients[p as usize];
        pat.delay = delay;
        pat.stay_end = t + los + delay;
        match &self.m.groups[group].step_down {
            Some(sd) if rng::uniform(key, Attr::StepDown) < sd.probability => {
                self.schedule(t + los * sd.factor, p, Ev::EarlyDischarge)
            }
            _ => self.schedule_stay_end(p),
        }
    }

    /// The ward young person `p` is in and its transfer, when they are in a ward that has one.
    fn transfer_rule(&self, p: u32) -> Option<(usize, &'m TransferModel)> {
        let m: &'m Model = self.m;
        let Place::Ward(w) = self.patients[p as usize].place else {
            return None;
        };
        let tr = m.wards[w as usize].transfer.as_ref()?;
        Some((w as usize, tr))
    }

    /// The stay after a transfer (or in place of one): `transfer.los_days`, else the group's
    /// stay in the ward moved to.
    fn transfer_los(&self, p: u32, tr: &TransferModel) -> f64 {
        let pat = &self.patients[p as usize];
        let dist = tr
            .los
            .as_ref()
            .unwrap_or(&self.m.groups[pat.group as usize].los[tr.to]);
        dist.sample(&mut rng::draw(pat.key, Attr::TransferLos))
    }

    /// Ready to move on: to a free bed in the other ward now, else wait for one in this bed.
    fn transfer_due(&mut self, p: u32, t: f64) {
        let m = self.m;
        let Some((from, tr)) = self.transfer_rule(p) else {
            return;
        };
        self.note(p, t, Activity::TransferRequest, Some(Resource::Ward(tr.to)));
        // A ward with a free bed has nobody waiting for it, so the move can be made at once.
        if self.pools[m.layout.ward(tr.to).index()].has_room() {
            self.transfer(p, from, tr.to, t);
            return;
        }
        self.transfer_queues[tr.to].push(p);
        let waiting = &mut self.transfer_waiting[from];
        waiting.set(t, waiting.value + 1);
        if tr.max_wait.is_finite() {
            self.schedule(t + tr.max_wait, p, Ev::TransferWaitOver);
        }
    }

    /// Moves young person `p` from ward `from` to a free bed in `to`. They take the new bed
    /// before leaving the old one, so that the bed they free (which may go to someone waiting
    /// in `to`) cannot overfill `to`.
    fn transfer(&mut self, p: u32, from: usize, to: usize, t: f64) {
        let m = self.m;
        self.cancel_timer(p); // the wait timer
        let since = self.patients[p as usize].entered;
        let los = self
            .transfer_rule(p)
            .map_or(0.0, |(_, tr)| self.transfer_los(p, tr));
        self.locality_bed(p, t, false, -1); // and +1 as they enter `to`
        self.enter_ward(p, to, t);
        self.note(p, t, Activity::Transfer, Some(Resource::Ward(to)));
        let (locality, miles) = self.miles_to(p, to);
        self.rec.add(m, t, |tot| {
            tot.transfers[from] += 1.0;
            tot.admissions[to] += 1.0;
            if let Some(l) = tot.localities.get_mut(locality) {
                l.admissions += 1.0;
                l.admission_miles += miles;
                l.transfers += 1.0;
            }
        });
        self.begin_stay(p, t, los);
        self.vacate(from, t, t - since);
    }

    /// The wait for the other ward is over: home, or the rest of the care here.
    fn transfer_wait_over(&mut self, p: u32, t: f64) {
        let m = self.m;
        let Some((from, tr)) = self.transfer_rule(p) else {
            return;
        };
        let queue = &mut self.transfer_queues[tr.to];
        let Some(i) = queue.iter().position(|&q| q == p) else {
            return;
        };
        queue.remove(i);
        let waiting = &mut self.transfer_waiting[from];
        waiting.set(t, waiting.value - 1);
        self.note(
            p,
            t,
            Activity::TransferAbandoned,
            Some(Resource::Ward(from)),
        );
        self.rec
            .add(m, t, |tot| tot.transfers_abandoned[from] += 1.0);
        match tr.after_wait {
            AfterWait::Discharge => self.discharge(p, t),
            AfterWait::Stay => {
                let los = self.transfer_los(p, tr);
                self.begin_stay(p, t, los);
            }
        }
    }

    /// The locality of patient `p` and its miles to ward `w` (0 when not given).
    #[inline(always)]
    fn miles_to(&self, p: u32, w: usize) -> (usize, f64) {
        let l = self.patients[p as usize].locality as usize;
        let miles = self
            .m
            .localities
            .get(l)
            .and_then(|x| x.ward_miles.as_ref())
            .map_or(0.0, |miles| miles[w]);
        (l, miles)
    }

    fn place_out_of_area(&mut self, p: u32, t: f64) {
        let m = self.m;
        let (key, group) = (
            self.patients[p as usize].key,
            self.patients[p as usize].group as usize,
        );
        let g = &m.groups[group];
        let los = g.oap_los.sample(&mut rng::draw(key, Attr::OutOfAreaLos));
        // The stated rule: an out-of-area stay drawn from the local stay is delayed like a
        // local one; an explicit `out_of_area.los_days` is the whole stay.
        let delay = if g.oap_delay {
            self.delay(key, group)
        } else {
            0.0
        };
        let locality = self.patients[p as usize].locality as usize;
        // The first tier of contracted beds with a free bed that takes the group, else the
        // national pool (at the locality's own out-of-area distances when it gives them).
        let tier = m.tiers.iter().copied().find(|&w| {
            m.wards[w].accepts[group] && self.pools[m.layout.ward(w).index()].has_room()
        });
        let distance = tier
            .and_then(|w| m.wards[w].tier.as_ref())
            .or_else(|| {
                m.localities
                    .get(locality)
                    .and_then(|l| l.oap_distance.as_ref())
            })
            .unwrap_or(&g.distance)
            .sample(&mut rng::draw(key, Attr::Distance));
        let first_time = self.rec.in_window(t) && !self.patients[p as usize].ever_placed;
        match tier {
            Some(w) => {
                self.enter_ward(p, w, t);
                self.rec.add(m, t, |tot| {
                    tot.tier_placements[w] += 1.0;
                    tot.tier_distance[w] += distance;
                });
            }
            None => {
                let v = self.oap[group].value + 1;
                self.oap[group].set(t, v);
                self.locality_bed(p, t, true, 1);
                self.rec.enter(m.layout.out_of_area(), t);
                let pat = &mut self.patients[p as usize];
                pat.place = Place::OutOfArea;
                pat.entered = t;
            }
        }
        let pat = &mut self.patients[p as usize];
        pat.admitted = t;
        pat.began_out_of_area = true;
        pat.delay = delay;
        pat.stay_end = t + los + delay;
        pat.distance = distance;
        pat.ever_placed |= first_time;
        let resource = tier.map_or(Resource::OutOfArea, Resource::Ward);
        self.note(p, t, Activity::OutOfAreaPlacement, Some(resource));
        self.rec.add(m, t, |tot| {
            if let Some(l) = tot.localities.get_mut(locality) {
                l.oap_placements += 1.0;
                l.oap_distance += distance;
            }
            tot.oap_placements += 1.0;
            tot.oap_young_people += first_time as u8 as f64;
            tot.oap_distance += distance;
            tot.oap_over_50 += (distance > 50.0) as u8 as f64;
            tot.oap_over_100 += (distance > 100.0) as u8 as f64;
        });
        if m.repatriation {
            self.placed.push(p);
        }
        self.schedule_stay_end(p);
    }

    /// Ends a stay out of area: in contracted beds (a ward) or the national pool.
    fn leave_out_of_area(&mut self, p: u32, t: f64) {
        let pat = self.patients[p as usize];
        if let Place::Ward(w) = pat.place {
            self.vacate(w as usize, t, t - pat.entered);
        } else {
            let group = pat.group as usize;
            let v = self.oap[group].value - 1;
            self.oap[group].set(t, v);
            self.rec
                .exit(self.m.layout.out_of_area(), t, t - pat.entered);
        }
        self.locality_bed(p, t, true, -1);
        if self.m.repatriation {
            if let Some(i) = self.placed.iter().position(|&q| q == p) {
                self.placed.remove(i);
            }
        }
    }

    /// Fills free beds of ward `w`: young people in other wards waiting to move here (in
    /// order of request), then the most urgent compatible patient waiting (first come first
    /// served within an urgency), else, with repatriation, the longest-placed compatible
    /// patient out of area. A repatriation is a local admission (from out of area); the rest
    /// of the planned stay is what it saves away from home. Contracted out-of-area beds are
    /// filled only by placements.
    fn serve_ward(&mut self, w: usize, t: f64) {
        let m = self.m;
        if m.wards[w].tier.is_some() {
            return;
        }
        let accepts = &m.wards[w].accepts;
        while self.pools[m.layout.ward(w).index()].has_room() {
            if !self.transfer_queues[w].is_empty() {
                let p = self.transfer_queues[w].remove(0);
                let Place::Ward(from) = self.patients[p as usize].place else {
                    continue;
                };
                let waiting = &mut self.transfer_waiting[from as usize];
                waiting.set(t, waiting.value - 1);
                self.transfer(p, from as usize, w, t);
                continue;
            }
            let mut best: Option<(usize, UrgencyClass)> = None;
            for (i, &q) in self.bed_queue.iter().enumerate() {
                let pat = &self.patients[q as usize];
                if accepts[pat.group as usize] && best.is_none_or(|(_, u)| pat.urgency < u) {
                    best = Some((i, pat.urgency));
                }
            }
            if let Some((i, _)) = best {
                let p = self.leave_bed_queue(i, t);
                self.admit(p, w, t);
                continue;
            }
            if !m.repatriation {
                break;
            }
            let Some(i) = self
                .placed
                .iter()
                .position(|&q| accepts[self.patients[q as usize].group as usize])
            else {
                break;
            };
            let p = self.placed[i];
            let pat = self.patients[p as usize];
            self.leave_out_of_area(p, t);
            self.enter_ward(p, w, t);
            self.note(p, t, Activity::Repatriation, Some(Resource::Ward(w)));
            let days_left = (pat.stay_end - t).max(0.0);
            let (locality, miles) = self.miles_to(p, w);
            self.rec.add(m, t, |tot| {
                tot.repatriations += 1.0;
                tot.admissions[w] += 1.0;
                if let Some(l) = tot.localities.get_mut(locality) {
                    l.admissions += 1.0;
                    l.admission_miles += miles;
                    l.repatriations += 1.0;
                }
                tot.oap_days_home += days_left;
                tot.oap_mile_days_home += days_left * pat.distance;
            });
        }
    }

    /// Ends the inpatient part of a stay: frees the bed and records the length of stay.
    #[inline(always)]
    fn leave_bed(&mut self, p: u32, t: f64) {
        let pat = self.patients[p as usize];
        match pat.place {
            Place::Ward(w) if self.m.wards[w as usize].tier.is_none() => {
                self.locality_bed(p, t, false, -1);
                self.vacate(w as usize, t, t - pat.entered);
            }
            Place::Ward(_) | Place::OutOfArea => self.leave_out_of_area(p, t),
            _ => return,
        }
        if pat.in_delay {
            self.patients[p as usize].in_delay = false;
            self.delayed.set(t, self.delayed.value - 1);
        }
        let m = self.m;
        self.rec.stay(
            m,
            t,
            pat.group as usize,
            t - pat.admitted,
            pat.began_out_of_area,
        );
    }

    /// Frees a bed of ward `w` held for `sojourn` days, and fills it.
    #[inline(always)]
    fn vacate(&mut self, w: usize, t: f64, sojourn: f64) {
        let pool = self.m.layout.ward(w);
        self.occupy(pool, t, -1);
        self.rec.exit(pool, t, sojourn);
        if self.anyone_waiting(w) {
            self.serve_ward(w, t);
        }
    }

    /// Whether anyone could take a free bed of ward `w` (see [`Sim::serve_ward`]): cheaper to
    /// ask than to call it on every discharge of a ward nobody is waiting for.
    #[inline(always)]
    fn anyone_waiting(&self, w: usize) -> bool {
        !self.bed_queue.is_empty()
            || !self.transfer_queues[w].is_empty()
            || (self.m.repatriation && !self.placed.is_empty())
    }

    fn early_discharge(&mut self, p: u32, t: f64) {
        let m = self.m;
        let pat = self.patients[p as usize];
        let Some(sd) = &m.groups[pat.group as usize].step_down else {
            return;
        };
        let pool = m.layout.service(sd.service);
        if !self.pools[pool.index()].has_room() {
            self.schedule_stay_end(p);
            return;
        }
        self.leave_bed(p, t);
        self.note(
            p,
            t,
            Activity::StepDown,
            Some(Resource::Service(sd.service)),
        );
        self.rec.add(m, t, |tot| tot.step_downs += 1.0);
        self.bill_episode(sd.service, t);
        self.occupy(pool, t, 1);
        self.rec.enter(pool, t);
        let pat = &mut self.patients[p as usize];
        pat.place = Place::StepDown(sd.service as u16);
        pat.entered = t;
        let length = sd
            .episode
            .sample(&mut rng::draw(pat.key, Attr::StepDownEpisode));
        self.schedule(t + length, p, Ev::StepDownEnd);
    }

    #[inline(always)]
    fn discharge(&mut self, p: u32, t: f64) {
        let from = match self.patients[p as usize].place {
            Place::Ward(w) => Some(Resource::Ward(w as usize)),
            Place::OutOfArea => Some(Resource::OutOfArea),
            _ => None,
        };
        self.note(p, t, Activity::Discharge, from);
        self.leave_bed(p, t);
        self.end_journey(p, t);
    }

    fn step_down_end(&mut self, p: u32, t: f64) {
        let Place::StepDown(s) = self.patients[p as usize].place else {
            return;
        };
        self.leave_service(p, s as usize, t);
        self.note(
            p,
            t,
            Activity::StepDownEnd,
            Some(Resource::Service(s as usize)),
        );
        self.end_journey(p, t);
    }

    /// A discharged patient: referred again later, or gone.
    #[inline(always)]
    fn end_journey(&mut self, p: u32, t: f64) {
        self.rec.ledger.discharged += 1;
        self.patients[p as usize].entered = t; // the discharge, for readmission windows
        let pat = self.patients[p as usize];
        if let Some((probability, delay)) = &self.m.groups[pat.group as usize].readmission {
            let mut r = rng::draw(pat.key, Attr::Readmission);
            if r.random::<f64>() < *probability {
                let after = delay.sample(&mut r);
                self.patients[p as usize].place = Place::AwaitingReadmission;
                self.schedule(t + after, p, Ev::Readmission);
                return;
            }
        }
        self.release(p);
    }

    // ----- roadmap, census and midnights ----------------------------------------------------

    fn capacity_step(&mut self, step: CapacityStep) {
        let t = step.time;
        let pool = &mut self.pools[self.m.layout.of(step.pool).index()];
        pool.set_capacity(t, step.capacity);
        pool.set_physical(t, step.physical);
        match step.pool {
            Pool::Ward(w) => self.serve_ward(w, t),
            Pool::Service(s) => self.serve_service(s, t),
        }
    }

    fn start_census(&mut self, seeds: &Seeds) {
        let m = self.m;
        // Longest waiters first, so the queue stays in order of request.
        let mut entries: Vec<(usize, CensusEntry)> = m.census.iter().copied().enumerate().collect();
        entries.sort_by(|a, b| match (a.1, b.1) {
            (CensusEntry::Waiting { days: x, .. }, CensusEntry::Waiting { days: y, .. }) => {
                y.total_cmp(&x)
            }
            _ => Ordering::Equal,
        });
        for (n, entry) in entries {
            let key = seeds.census(n as u64);
            let locality = self.draw_locality(key) as u16;
            self.rec.ledger.initial += 1;
            match entry {
                CensusEntry::InWard { ward, group, days } => {
                    let p = self.new_patient(key, None, group, UrgencyClass::Routine);
                    self.patients[p as usize].locality = locality;
                    self.enter_ward(p, ward, 0.0);
                    self.note(p, 0.0, Activity::InBedAtStart, Some(Resource::Ward(ward)));
                    let total = m.groups[group].los[ward]
                        .sample_beyond(&mut rng::draw(key, Attr::Los), days);
                    let pat = &mut self.patients[p as usize];
                    pat.admitted = -days;
                    pat.entered = -days;
                    pat.stay_end = total - days;
                    self.schedule(total - days, p, Ev::Discharge);
                }
                CensusEntry::OutOfArea { group, days } => {
                    let p = self.new_patient(key, None, group, UrgencyClass::Routine);
                    self.patients[p as usize].locality = locality;
                    self.locality_bed(p, 0.0, true, 1);
                    self.note(
                        p,
                        0.0,
                        Activity::OutOfAreaAtStart,
                        Some(Resource::OutOfArea),
                    );
                    let total = m.groups[group]
                        .oap_los
                        .sample_beyond(&mut rng::draw(key, Attr::OutOfAreaLos), days);
                    let pat = &mut self.patients[p as usize];
                    pat.place = Place::OutOfArea;
                    pat.began_out_of_area = true;
                    pat.admitted = -days;
                    pat.entered = -days;
                    pat.stay_end = total - days;
                    let v = self.oap[group].value + 1;
                    self.oap[group].set(0.0, v);
                    if m.repatriation {
                        self.placed.push(p);
                    }
                    self.schedule(total - days, p, Ev::Discharge);
                }
                CensusEntry::Waiting {
                    group,
                    urgency,
                    days,
                } => {
                    let p = self.new_patient(key, None, group, urgency);
                    self.patients[p as usize].locality = locality;
                    self.start_waiting_place(p, 0.0);
                    self.note(p, 0.0, Activity::WaitingAtStart, None);
                    self.patients[p as usize].requested = -days;
                    self.patients[p as usize].place = Place::BedWait;
                    self.bed_queue.push(p);
                    self.waiting.set(0.0, self.bed_queue.len() as u32);
                    self.check_queue(self.bed_queue.len(), 0.0, Queue::Beds);
                    self.wait_clock(p, 0.0);
                }
            }
        }
    }

    /// Midnight `n` of the reported window (clock `t`): flush the day's integrals into its
    /// period and take the midnight census. Midnight 0 only starts the window.
    fn midnight(&mut self, n: u32, t: f64) {
        let m = self.m;
        if n == 0 {
            for s in self.pools.iter_mut() {
                s.occupied.flush(t);
                s.available.flush(t);
                s.capacity.flush(t);
                s.closed.flush(t);
                s.kept.flush(t);
            }
            for l in self.oap.iter_mut() {
                l.flush(t);
            }
            self.waiting.flush(t);
            self.over_target.flush(t);
            self.delayed.flush(t);
            for l in self.transfer_waiting.iter_mut() {
                l.flush(t);
            }
            for l in self.locality_beds.iter_mut().chain(&mut self.locality_oap) {
                l.flush(t);
            }
            for l in self.place_waiting.iter_mut() {
                l.flush(t);
            }
            return;
        }
        let day = (n - 1) as usize;
        let days = m.cal.days as usize;
        let weekday = m.weekday[day];
        let period = m.period_of_day[day] as usize;
        let layout = m.layout;
        for id in layout.local_pools() {
            let i = id.index();
            let s = &mut self.pools[i];
            let occupied = s.occupied.flush(t);
            let available = s.available.flush(t);
            let capacity = s.capacity.flush(t);
            let closed = s.closed.flush(t);
            // Open capacity, and the beds the roadmap closed while still occupied: what a
            // block contract or a commissioned place pays for.
            let paid = capacity + s.kept.flush(t);
            let (occ, cap) = (s.occupied.value, s.capacity.value);
            // The day's tallies go to its financial year.
            let tot = &mut self.rec.totals[period];
            tot.occupied_area[i] += occupied;
            if s.limited {
                tot.closed_area[i] += closed;
                if cap == 0 && s.physical > 0 {
                    tot.days_closed[i] += 1.0;
                }
                tot.available_area[i] += available;
                tot.capacity_area[i] += capacity;
                tot.paid_area[i] += paid;
                if cap > 0 {
                    tot.days_open[i] += 1.0;
                    if occ as f64 >= 0.85 * cap as f64 {
                        tot.days_85[i] += 1.0;
                    }
                    if occ >= cap {
                        tot.days_full[i] += 1.0;
                    }
                }
            }
            if let Some(Pool::Service(sv)) = layout.pool(id) {
                tot.billed[sv] += match m.services[sv].costing.unit {
                    CostUnit::PlaceDay => paid,
                    CostUnit::Attendance {
                        weekdays_only: true,
                    } if !weekday => 0.0,
                    CostUnit::Attendance { .. } | CostUnit::CaseloadDay => occupied,
                    CostUnit::Episode => 0.0,
                };
            }
            self.rec.flows[i].occupied_days += occupied;
            let levels = &mut self.rec.occupancy[i];
            if levels.len() <= occ as usize {
                levels.resize(occ as usize + 1, 0);
            }
            levels[occ as usize] += 1;
            self.rec.daily[layout.occupied_series(id).index() * days + day] = occ;
        }
        let mut oap_total = 0;
        for g in 0..self.oap.len() {
            let area = self.oap[g].flush(t);
            oap_total += self.oap[g].value;
            self.rec.totals[period].oap_area[g] += area;
            self.rec.flows[layout.out_of_area().index()].occupied_days += area;
        }
        let waiting_area = self.waiting.flush(t);
        let over_target_area = self.over_target.flush(t);
        let tot = &mut self.rec.totals[period];
        tot.waiting_area += waiting_area;
        tot.over_target_area += over_target_area;
        tot.delayed_bed_days += self.delayed.flush(t);
        for (w, l) in self.transfer_waiting.iter_mut().enumerate() {
            tot.transfer_wait_area[w] += l.flush(t);
        }
        for (l, totals) in tot.localities.iter_mut().enumerate() {
            totals.local_days += self.locality_beds[l].flush(t);
            totals.oap_days += self.locality_oap[l].flush(t);
        }
        for (place, totals) in tot.places.iter_mut().enumerate() {
            totals.days += self.place_waiting[place].flush(t);
        }
        self.rec.daily[layout.out_of_area_series().index() * days + day] = oap_total;
        self.rec.daily[layout.bed_waiting_series().index() * days + day] =
            self.bed_queue.len() as u32;
        for s in 0..m.services.len() {
            self.rec.daily[layout.service_waiting_series(s).index() * days + day] =
                self.service_queues[s].len() as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A timer keeps its time, sequence number and patient, and timers order as
    /// `(time.total_cmp, seq)`, the order of the event list.
    #[test]
    fn timers_pack_and_order_like_time_then_sequence() {
        let times = [
            f64::NEG_INFINITY,
            -3.5,
            -0.0,
            0.0,
            1e-300,
            0.25,
            1.0,
            3652.75,
            1e300,
            f64::INFINITY,
        ];
        let seqs = [1, 2, 1 << 20, MAX_SEQ - 1];
        let patients = [0, 7, (MAX_SLOTS - 1) as u32];
        let mut all = Vec::new();
        for &time in &times {
            for &seq in &seqs {
                for &patient in &patients {
                    let timer = Timer::new(time, seq, patient);
                    assert_eq!(timer.time().to_bits(), time.to_bits());
                    assert_eq!((timer.seq(), timer.patient()), (seq, patient));
                    all.push((time, seq, timer));
                }
            }
        }
        for &(ta, sa, a) in &all {
            for &(tb, sb, b) in &all {
                if sa != sb {
                    assert_eq!(a.cmp(&b), ta.total_cmp(&tb).then(sa.cmp(&sb)));
                }
            }
        }
    }
}
