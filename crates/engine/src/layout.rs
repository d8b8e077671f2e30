//! Where things sit in the engine's flat arrays: the only module that knows the order.
//!
//! Per-pool arrays hold the wards, then the community services; flow arrays add the
//! out-of-area pool at the end. Daily series hold occupied per ward and per service, then out
//! of area, then the bed-waiting list, then the waiting list of each service. Everything else
//! asks a [`Layout`] for a [`PoolId`] or [`SeriesId`] instead of doing the arithmetic, so a new
//! kind of pool or series changes one file.
//!
//! Urgency classes and cost categories are closed sets: arrays indexed by them
//! ([`PerUrgency`], [`PerCost`]) cannot be indexed by a wrong literal.

use crate::scenario::UrgencyClass;
use std::ops::{Index, IndexMut};

/// A ward or a community service, by its index among its own kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pool {
    Ward(usize),
    Service(usize),
}

/// Position of a ward, a service or the out-of-area pool in per-pool arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PoolId(usize);

impl PoolId {
    /// The array index.
    #[inline]
    pub fn index(self) -> usize {
        self.0
    }
}

/// Position of a daily series in the series-major daily buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeriesId(usize);

impl SeriesId {
    /// The series' number (its values start at `number × days`).
    pub fn index(self) -> usize {
        self.0
    }
}

/// How many wards and services a model has, and so where each sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    wards: usize,
    services: usize,
}

impl Layout {
    pub fn new(wards: usize, services: usize) -> Layout {
        Layout { wards, services }
    }

    /// Local pools: wards and services (not out of area).
    pub fn pools(&self) -> usize {
        self.wards + self.services
    }

    /// Pools with a flow tally: the local pools and out of area.
    pub fn flows(&self) -> usize {
        self.pools() + 1
    }

    #[inline]
    pub fn ward(&self, w: usize) -> PoolId {
        PoolId(w)
    }

    #[inline]
    pub fn service(&self, s: usize) -> PoolId {
        PoolId(self.wards + s)
    }

    /// The out-of-area pool (in flow arrays only).
    #[inline]
    pub fn out_of_area(&self) -> PoolId {
        PoolId(self.pools())
    }

    #[inline]
    pub fn of(&self, pool: Pool) -> PoolId {
        match pool {
            Pool::Ward(w) => self.ward(w),
            Pool::Service(s) => self.service(s),
        }
    }

    /// What a local pool is (`None` for out of area).
    #[inline]
    pub fn pool(&self, id: PoolId) -> Option<Pool> {
        if id.0 < self.wards {
            Some(Pool::Ward(id.0))
        } else if id.0 < self.pools() {
            Some(Pool::Service(id.0 - self.wards))
        } else {
            None
        }
    }

    /// Every local pool, in array order.
    pub fn local_pools(&self) -> impl Iterator<Item = PoolId> {
        (0..self.pools()).map(PoolId)
    }

    /// Occupied places of a local pool at midnight.
    pub fn occupied_series(&self, pool: PoolId) -> SeriesId {
        SeriesId(pool.0)
    }

    /// Young people out of area at midnight.
    pub fn out_of_area_series(&self) -> SeriesId {
        SeriesId(self.pools())
    }

    /// Young people waiting for a bed at midnight.
    pub fn bed_waiting_series(&self) -> SeriesId {
        SeriesId(self.pools() + 1)
    }

    /// Referrals waiting for a place in service `s` at midnight.
    pub fn service_waiting_series(&self, s: usize) -> SeriesId {
        SeriesId(self.pools() + 2 + s)
    }

    /// Number of daily series.
    pub fn series(&self) -> usize {
        self.pools() + 2 + self.services
    }
}

/// A fixed-size array indexed by a closed enum rather than by a number, so that an urgency
/// cannot index a cost array nor a literal slip in.
macro_rules! typed_array {
    ($(#[$doc:meta])* $name:ident, $key:ty, $n:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq)]
        pub(crate) struct $name<T>(pub [T; $n]);

        impl<T> Index<$key> for $name<T> {
            type Output = T;
            #[inline]
            fn index(&self, k: $key) -> &T {
                &self.0[k as usize]
            }
        }

        impl<T> IndexMut<$key> for $name<T> {
            #[inline]
            fn index_mut(&mut self, k: $key) -> &mut T {
                &mut self.0[k as usize]
            }
        }
    };
}

typed_array!(
    /// Something for each urgency class, indexed by [`UrgencyClass`].
    PerUrgency, UrgencyClass, 3
);

/// Where money goes: the subjects of `cost_gbp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CostCategory {
    /// Block-contract beds: every open bed-day.
    BlockBeds,
    /// Spot-purchased local beds: occupied bed-days.
    SpotBeds,
    /// Out-of-area placements: the national pool's occupied bed-days, and contracted
    /// out-of-area beds as their funding says.
    OutOfArea,
    /// Intensive home treatment: commissioned place-days.
    HomeTreatment,
    /// Day hospital: attendance days (weekdays).
    DayHospital,
    /// Services without a `kind` (crisis teams, crisis houses …), as each one's `cost` says.
    OtherAlternatives,
    /// Days young people wait for a bed in places with a cost (`waiting_places`).
    WaitingPlaces,
}

impl CostCategory {
    /// Every category, in report order.
    pub const ALL: [CostCategory; 7] = [
        CostCategory::BlockBeds,
        CostCategory::SpotBeds,
        CostCategory::OutOfArea,
        CostCategory::HomeTreatment,
        CostCategory::DayHospital,
        CostCategory::OtherAlternatives,
        CostCategory::WaitingPlaces,
    ];

    /// The subject string of `cost_gbp` rows.
    pub const fn name(self) -> &'static str {
        match self {
            CostCategory::BlockBeds => "block_beds",
            CostCategory::SpotBeds => "spot_beds",
            CostCategory::OutOfArea => "out_of_area",
            CostCategory::HomeTreatment => "home_treatment",
            CostCategory::DayHospital => "day_hospital",
            CostCategory::OtherAlternatives => "other_alternatives",
            CostCategory::WaitingPlaces => "waiting_places",
        }
    }
}

typed_array!(
    /// Something for each cost category, indexed by [`CostCategory`].
    PerCost, CostCategory, 7
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pool and series has its own slot, and the slots fill the arrays without a gap.
    #[test]
    fn pools_and_series_tile_their_arrays() {
        let l = Layout::new(3, 2);
        let pools: Vec<usize> = (0..3)
            .map(|w| l.ward(w))
            .chain((0..2).map(|s| l.service(s)))
            .chain([l.out_of_area()])
            .map(PoolId::index)
            .collect();
        assert_eq!(pools, (0..l.flows()).collect::<Vec<_>>());
        for id in l.local_pools() {
            let back = l.pool(id).map(|p| l.of(p));
            assert_eq!(back, Some(id));
        }
        assert_eq!(l.pool(l.out_of_area()), None);
        let mut series: Vec<usize> = l
            .local_pools()
            .map(|p| l.occupied_series(p))
            .chain([l.out_of_area_series(), l.bed_waiting_series()])
            .chain((0..2).map(|s| l.service_waiting_series(s)))
            .map(SeriesId::index)
            .collect();
        series.sort_unstable();
        assert_eq!(series, (0..l.series()).collect::<Vec<_>>());
    }
}
