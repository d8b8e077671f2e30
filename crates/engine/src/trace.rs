//! The event log of one replication: every step of every young person's journey, in the shape
//! process-mining and animation tools read (a case, an activity, a time, a resource).
//!
//! A traced replication is the same replication as an untraced one: tracing draws no random
//! numbers and changes no decision, so its KPIs are identical (tested). Untraced runs pay one
//! branch per step and allocate nothing for it.

use crate::model::Model;
use crate::scenario::UrgencyClass;
use chrono::{NaiveDateTime, TimeDelta};

/// What happened to a young person.
///
/// A journey reads like the pathway: a referral (or a readmission of someone discharged
/// before), then either declined, or a community episode (started at once or after waiting for
/// a place) that ends without admission or escalates, or a bed request that is admitted, waits
/// (and may pass its access target) and is admitted or placed out of area; a placement may be
/// repatriated; a stay may end early into a step-down service; it ends with a discharge (after
/// a delayed discharge: `ready` first), and a discharged young person may be referred again.
/// Someone already in the pathway when the run starts opens with a `*_at_start` activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Activity {
    /// In a local bed when the run starts (a census start).
    InBedAtStart,
    /// Placed out of area when the run starts.
    OutOfAreaAtStart,
    /// Waiting for a bed when the run starts.
    WaitingAtStart,
    /// A new referral.
    Referral,
    /// A referral of a young person discharged before (same case).
    Readmission,
    /// Declined at gatekeeping: the journey ends.
    Declined,
    /// Suited a community service with no free place, and waits for one.
    CommunityWait,
    /// Gave up waiting for a community place; a bed is requested next.
    CommunityWaitOver,
    /// A community episode (home treatment, day hospital) starts.
    EpisodeStart,
    /// The episode ended without admission: the journey ends (an admission avoided).
    EpisodeEnd,
    /// The episode escalated; a bed is requested next.
    Escalation,
    /// A request for an inpatient bed.
    BedRequest,
    /// No free local bed: the young person waits.
    BedWait,
    /// Still waiting when the urgency's access target passed (a breach).
    TargetPassed,
    /// Admitted to a local ward.
    Admission,
    /// Placed in a bed out of area.
    OutOfAreaPlacement,
    /// Brought back from out of area to a local ward.
    Repatriation,
    /// Clinically ready to leave; a delayed discharge keeps the bed.
    Ready,
    /// Discharged early from a bed into a step-down service.
    StepDown,
    /// The step-down episode ends: the journey ends.
    StepDownEnd,
    /// Discharged from a bed: the journey ends, unless a readmission follows.
    Discharge,
    /// Ready to move to another ward (the resource); keeps the bed until one there is free.
    TransferRequest,
    /// Moved to another ward (the resource).
    Transfer,
    /// Waited `max_wait_days` for the other ward: discharged, or stays in this ward (the
    /// resource).
    TransferAbandoned,
}

impl Activity {
    /// Every activity, in the order of a journey.
    pub const ALL: [Activity; 24] = [
        Activity::InBedAtStart,
        Activity::OutOfAreaAtStart,
        Activity::WaitingAtStart,
        Activity::Referral,
        Activity::Readmission,
        Activity::Declined,
        Activity::CommunityWait,
        Activity::CommunityWaitOver,
        Activity::EpisodeStart,
        Activity::EpisodeEnd,
        Activity::Escalation,
        Activity::BedRequest,
        Activity::BedWait,
        Activity::TargetPassed,
        Activity::Admission,
        Activity::OutOfAreaPlacement,
        Activity::Repatriation,
        Activity::Ready,
        Activity::StepDown,
        Activity::StepDownEnd,
        Activity::Discharge,
        Activity::TransferRequest,
        Activity::Transfer,
        Activity::TransferAbandoned,
    ];

    /// The name written in `events.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Activity::InBedAtStart => "in_bed_at_start",
            Activity::OutOfAreaAtStart => "out_of_area_at_start",
            Activity::WaitingAtStart => "waiting_at_start",
            Activity::Referral => "referral",
            Activity::Readmission => "readmission",
            Activity::Declined => "declined",
            Activity::CommunityWait => "community_wait",
            Activity::CommunityWaitOver => "community_wait_over",
            Activity::EpisodeStart => "episode_start",
            Activity::EpisodeEnd => "episode_end",
            Activity::Escalation => "escalation",
            Activity::BedRequest => "bed_request",
            Activity::BedWait => "bed_wait",
            Activity::TargetPassed => "target_passed",
            Activity::Admission => "admission",
            Activity::OutOfAreaPlacement => "out_of_area_placement",
            Activity::Repatriation => "repatriation",
            Activity::Ready => "ready_for_discharge",
            Activity::StepDown => "step_down",
            Activity::StepDownEnd => "step_down_end",
            Activity::Discharge => "discharge",
            Activity::TransferRequest => "transfer_request",
            Activity::Transfer => "transfer",
            Activity::TransferAbandoned => "transfer_abandoned",
        }
    }
}

/// Where an activity happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// A local ward, by position in the model.
    Ward(usize),
    /// A community service, by position in the model.
    Service(usize),
    /// A bed out of area.
    OutOfArea,
}

/// One row of the event log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceEvent {
    /// Clock time in days (0 is the start of the warm-up).
    pub time: f64,
    /// The young person: numbered in order of first appearance, kept across readmissions.
    pub case: u64,
    pub activity: Activity,
    pub resource: Option<Resource>,
    /// Group, by position in the model.
    pub group: u16,
    pub urgency: UrgencyClass,
}

impl Model {
    /// The date and time of a clock time (before the start date during the warm-up),
    /// to the second.
    pub fn date_time(&self, time: f64) -> NaiveDateTime {
        let start = self.cal.start_date.and_time(chrono::NaiveTime::MIN);
        let seconds = ((time - self.cal.warmup) * 86_400.0).round() as i64;
        start + TimeDelta::seconds(seconds)
    }

    /// Whether a clock time falls in the reported window (after the warm-up, before the end).
    pub fn in_reported_window(&self, time: f64) -> bool {
        time >= self.cal.warmup && time < self.cal.end()
    }

    /// The key of a resource as the scenario file names it (`out_of_area` for a bed away).
    pub fn resource_key(&self, r: Resource) -> &str {
        match r {
            Resource::Ward(w) => &self.wards[w].key,
            Resource::Service(s) => &self.services[s].key,
            Resource::OutOfArea => "out_of_area",
        }
    }

    /// The key of a group as the scenario file names it.
    pub fn group_key(&self, g: u16) -> &str {
        &self.groups[g as usize].key
    }
}
