//! Splitting a run across machines: which jobs a shard runs.

/// Shard `index` (from 0) of `count`: it runs every `count`-th (scenario, replication) job,
/// starting at its index, so each shard gets a like share of every scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The whole run on one machine.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Whether job number `job` (in scenario, then replication order) belongs to this shard.
    pub fn owns(self, job: usize) -> bool {
        job % self.count as usize == self.index as usize
    }
}
