//! Random streams: the only place randomness is created.
//!
//! Two kinds of stream, both from named generators that give the same numbers on every platform
//! and every version of this crate:
//! - the **arrival stream** (xoshiro256++), seeded from (seed, replication), drives referral
//!   times and nothing else;
//! - **per-patient draws**: every referral gets a 64-bit key from (seed, replication, its arrival
//!   number); each of its random attributes (group, urgency, gatekeeping, eligibility for a given
//!   service, length of stay, …) comes from a SplitMix64 generator seeded by (key, attribute).
//!
//! So a patient's attributes do not depend on what happened to anybody else: two scenarios
//! that differ only in capacity see exactly the same referrals with the same needs (common
//! random numbers), and a paired comparison measures the change, not the noise.

use rand::{RngCore, SeedableRng};
use rand_xoshiro::{SplitMix64, Xoshiro256PlusPlus};

/// The SplitMix64 output function: a bijective 64-bit mixer.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Combines two values into one well-mixed key.
#[inline]
pub fn combine(a: u64, b: u64) -> u64 {
    mix(a ^ mix(b))
}

/// A stable 64-bit key for a name (FNV-1a), so that a service's draws depend on its name,
/// not on its position in the scenario.
pub fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Domains that keep the different kinds of key apart.
const ARRIVALS: u64 = 1;
const REFERRAL: u64 = 2;
const CENSUS: u64 = 3;
const READMISSION: u64 = 4;
const DESIGN: u64 = 5;
const CAPACITY: u64 = 6;
/// Referrals of a group with its own growth (its own arrival process).
const GROUP_REFERRALS: u64 = 8;

/// The random attributes of a patient. Each has its own stream.
#[derive(Debug, Clone, Copy)]
pub enum Attr {
    Group,
    Urgency,
    Decline,
    /// Eligibility for the service with this name key.
    Eligible(u64),
    /// Episode length in the service with this name key.
    Episode(u64),
    /// Whether and when the episode in that service escalates.
    Escalation(u64),
    Los,
    OutOfAreaLos,
    Distance,
    StepDown,
    StepDownEpisode,
    Delay,
    Readmission,
    /// An attribute whose key is already combined ([`ServiceKeys`]).
    Keyed(u64),
    /// Whether a stay ends in a transfer to another ward.
    Transfer,
    /// Length of the stay after a transfer.
    TransferLos,
    /// A pool's vacancy rate for a period (a month's key, or one for the replication).
    Vacancy(u64),
    /// Whether spell j of a disruption is closed.
    ClosedSpell(u64),
    /// When a disruption closes its pool for good.
    ClosureForGood,
    /// The locality a new referral comes from.
    Locality,
    /// Where a young person waits for a bed.
    WaitingPlace,
    /// How long the access decision takes.
    Gatekeeping,
}

impl Attr {
    #[inline]
    fn key(self) -> u64 {
        match self {
            Attr::Group => 1,
            Attr::Urgency => 2,
            Attr::Decline => 3,
            Attr::Eligible(s) => combine(4, s),
            Attr::Episode(s) => combine(5, s),
            Attr::Escalation(s) => combine(6, s),
            Attr::Los => 7,
            Attr::OutOfAreaLos => 8,
            Attr::Distance => 9,
            Attr::StepDown => 10,
            Attr::StepDownEpisode => 11,
            Attr::Delay => 12,
            Attr::Readmission => 13,
            Attr::Keyed(k) => k,
            Attr::Transfer => 20,
            Attr::TransferLos => 21,
            Attr::Vacancy(period) => combine(26, period),
            Attr::ClosedSpell(j) => combine(27, j),
            Attr::ClosureForGood => 28,
            Attr::Locality => 14,
            Attr::WaitingPlace => 15,
            Attr::Gatekeeping => 16,
        }
    }
}

/// A service's three streams (eligibility, episode length, escalation), keyed by its name as
/// [`Attr::Eligible`], [`Attr::Episode`] and [`Attr::Escalation`] are, but combined once when
/// the model is built rather than at every draw: the same numbers, two hashes fewer a draw.
#[derive(Debug, Clone, Copy)]
pub struct ServiceKeys {
    pub eligible: Attr,
    pub episode: Attr,
    pub escalation: Attr,
}

impl ServiceKeys {
    /// The streams of the service whose name has this [`name_key`].
    pub fn new(name_key: u64) -> ServiceKeys {
        let keyed = |a: Attr| Attr::Keyed(a.key());
        ServiceKeys {
            eligible: keyed(Attr::Eligible(name_key)),
            episode: keyed(Attr::Episode(name_key)),
            escalation: keyed(Attr::Escalation(name_key)),
        }
    }
}

/// The streams of one replication.
#[derive(Debug, Clone, Copy)]
pub struct Seeds {
    base: u64,
}

impl Seeds {
    /// Streams for replication `rep` of a scenario with seed `seed`.
    pub fn new(seed: u64, rep: u32) -> Seeds {
        Seeds {
            base: combine(mix(seed), rep as u64),
        }
    }

    /// The referral arrival stream.
    pub fn arrivals(&self) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(combine(self.base, ARRIVALS))
    }

    /// Keys of the external referrals.
    pub fn referrals(&self) -> ReferralKeys {
        ReferralKeys(combine(self.base, REFERRAL))
    }

    /// Key of the capacity draws (vacancies, closures) of the pool or disruption whose name
    /// has this [`name_key`]: the same in every scenario run with the seed.
    pub fn capacity(&self, name_key: u64) -> u64 {
        combine(combine(self.base, CAPACITY), name_key)
    }

    /// The arrival stream of the group with this [`name_key`], when it has its own growth.
    pub fn group_arrivals(&self, group: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(combine(self.group_domain(group), ARRIVALS))
    }

    /// Keys of the referrals of the group with this [`name_key`], when it has its own
    /// growth.
    pub fn group_referrals(&self, group: u64) -> ReferralKeys {
        ReferralKeys(combine(self.group_domain(group), REFERRAL))
    }

    fn group_domain(&self, group: u64) -> u64 {
        combine(combine(self.base, GROUP_REFERRALS), group)
    }

    /// Key of the n-th patient of the starting census.
    pub fn census(&self, n: u64) -> u64 {
        combine(combine(self.base, CENSUS), n)
    }
}

/// The keys of one arrival process's referrals, by arrival number: the process's own key is
/// combined once, not at every referral.
#[derive(Debug, Clone, Copy)]
pub struct ReferralKeys(u64);

impl ReferralKeys {
    /// Key of the n-th referral.
    #[inline]
    pub fn nth(self, n: u64) -> u64 {
        combine(self.0, n)
    }
}

/// Key of the readmission of the patient with `key`.
pub fn readmission(key: u64) -> u64 {
    combine(key, READMISSION)
}

/// The generator for one attribute of one patient.
#[inline]
pub fn draw(key: u64, attr: Attr) -> SplitMix64 {
    SplitMix64::seed_from_u64(combine(key, attr.key()))
}

/// One uniform number in [0, 1) for one attribute of one patient.
#[inline]
pub fn uniform(key: u64, attr: Attr) -> f64 {
    (combine(key, attr.key()) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// One column of a Latin hypercube: `n` numbers in (0, 1), exactly one in each of the strata
/// `[k/n, (k+1)/n)`, in an order and at positions within their strata drawn from (seed, name).
///
/// Keyed by the input's *name*, not its position: every scenario that declares an input gets
/// the same column for it, whatever else it declares, so draw `d` of two scenarios shares its
/// values (paired comparisons across parameter draws).
pub fn latin_column(seed: u64, name: &str, n: u32) -> Vec<f64> {
    let mut rng = SplitMix64::seed_from_u64(combine(combine(mix(seed), DESIGN), name_key(name)));
    let mut next = || (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    let mut strata: Vec<u32> = (0..n).collect();
    // Fisher–Yates, written out so that the order is fixed by this crate, not by `rand`'s.
    for i in (1..strata.len()).rev() {
        let j = ((next() * (i + 1) as f64) as usize).min(i);
        strata.swap(i, j);
    }
    strata
        .into_iter()
        // Midpoint-open jitter: never exactly on a stratum's lower edge, so never 0.
        .map(|k| (k as f64 + (next() + 0.5 / (1u64 << 53) as f64)) / n as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniforms_are_uniform_and_attributes_independent() {
        let seeds = Seeds::new(42, 0);
        let n = 100_000;
        let (mut sum, mut both_low) = (0.0, 0);
        for i in 0..n {
            let k = seeds.referrals().nth(i);
            let (a, b) = (uniform(k, Attr::Group), uniform(k, Attr::Los));
            sum += a;
            if a < 0.5 && b < 0.5 {
                both_low += 1;
            }
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.005);
        // Independent attributes: P(a<½, b<½) = ¼ (sd ≈ 0.0014).
        assert!((both_low as f64 / n as f64 - 0.25).abs() < 0.006);
    }

    #[test]
    fn a_services_keys_give_the_draws_of_its_name() {
        let (key, name) = (
            Seeds::new(1, 2).referrals().nth(3),
            name_key("home_treatment"),
        );
        let keys = ServiceKeys::new(name);
        assert_eq!(
            uniform(key, keys.eligible),
            uniform(key, Attr::Eligible(name))
        );
        assert_eq!(
            uniform(key, keys.episode),
            uniform(key, Attr::Episode(name))
        );
        assert_eq!(
            uniform(key, keys.escalation),
            uniform(key, Attr::Escalation(name))
        );
        assert_ne!(uniform(key, keys.eligible), uniform(key, keys.episode));
    }

    #[test]
    fn streams_differ_by_seed_and_replication() {
        let first = |seed, rep| Seeds::new(seed, rep).referrals().nth(0);
        assert_ne!(first(1, 0), first(1, 1));
        assert_ne!(first(1, 0), first(2, 0));
        assert_eq!(first(1, 3), first(1, 3));
        assert_ne!(Seeds::new(1, 3).referrals().nth(9), first(1, 3));
    }

    #[test]
    fn a_latin_column_has_one_value_per_stratum() {
        let n = 50;
        let col = latin_column(7, "demand.annual_growth", n);
        let mut strata: Vec<u32> = col.iter().map(|u| (u * n as f64) as u32).collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..n).collect::<Vec<_>>());
        assert!(col.iter().all(|&u| u > 0.0 && u < 1.0));
        assert_eq!(col, latin_column(7, "demand.annual_growth", n));
        assert_ne!(col, latin_column(7, "groups.general.los_days.mean", n));
        assert_ne!(col, latin_column(8, "demand.annual_growth", n));
    }
}
