//! Memory per replication, measured by counting the bytes the allocator holds (not by timing):
//! an aggregator keeps one KPI row per replication (8 bytes a KPI) and a small index entry,
//! nothing else that grows with replications.

use carepath_engine::{examples, Aggregator};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn an_aggregator_keeps_one_kpi_row_per_replication_and_little_else() {
    let model = examples::roadmap(1).validate().unwrap();
    let kpis = model.kpi_keys().len();
    let mut agg = Aggregator::new(&model);
    // Fill the first block of 64 replications, and let the daily histograms grow to their
    // size, then count what 256 more replications (4 whole blocks) add.
    for r in 0..64 {
        agg.push(model.run_replication(r).unwrap());
    }
    let before = LIVE.load(Ordering::SeqCst);
    for r in 64..320 {
        agg.push(model.run_replication(r).unwrap());
    }
    let added = LIVE.load(Ordering::SeqCst) - before;
    let per_replication = added as f64 / 256.0;
    let row = (kpis * 8) as f64;
    // The row itself, plus at most 256 bytes: the index entry (BTreeMap nodes) and the daily
    // histograms, which grow a little whenever a replication sees a new highest count (221
    // bytes when measured). Keeping a replication's daily series or ledger would add kilobytes.
    assert!(
        per_replication >= row && per_replication <= row + 256.0,
        "{per_replication:.0} bytes a replication for {kpis} KPIs ({row} bytes a row)"
    );
    assert_eq!(agg.len(), 320);
}
