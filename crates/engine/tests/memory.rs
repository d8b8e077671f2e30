//! Memory, measured by counting the bytes the allocator holds (not by timing): what an
//! aggregator keeps per replication, and that a pool's capacity costs nothing it does not use.

use carepath_engine::{examples, Aggregator};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Mutex;

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
/// The most bytes live at once since it was last reset.
static PEAK: AtomicIsize = AtomicIsize::new(0);
/// The counters are global: tests that read them take turns.
static TURN: Mutex<()> = Mutex::new(());

fn add(bytes: isize) {
    let live = LIVE.fetch_add(bytes, Ordering::SeqCst) + bytes;
    PEAK.fetch_max(live, Ordering::SeqCst);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn an_aggregator_keeps_a_compressed_kpi_row_per_replication_and_little_else() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let model = examples::roadmap(1).validate().unwrap();
    let kpis = model.kpi_keys().len();
    let mut agg = Aggregator::new(&model);
    // Let the daily histograms grow to their size, then count what 1,024 more replications
    // add: a block's unused end (at most 128 KiB) is then at most 128 bytes a replication.
    for r in 0..64 {
        agg.push(model.run_replication(r).unwrap());
    }
    let before = LIVE.load(Ordering::SeqCst);
    for r in 64..1088 {
        agg.push(model.run_replication(r).unwrap());
    }
    let added = LIVE.load(Ordering::SeqCst) - before;
    let per_replication = added as f64 / 1024.0;
    let row = (kpis * 8) as f64;
    // The row compressed without loss (counts and repeated values take one to four bytes,
    // full-precision measurements nine), plus the index entry and the daily histograms,
    // which grow a little whenever a replication sees a new highest count: 3,691 bytes when
    // measured. Rows kept whole would take more than the bound.
    assert!(
        per_replication <= 0.72 * row,
        "{per_replication:.0} bytes a replication for {kpis} KPIs ({row} bytes a row)"
    );
    assert_eq!(agg.len(), 1088);
}

/// Bytes held by an aggregator of `beds`-bed M/M/c/c after 20 replications, and the most held
/// at once while they ran.
fn kept_and_peak(beds: u32) -> (isize, isize) {
    // λ = 1 a day, 30-day stays: about 30 beds occupied, never near 100.
    let model = examples::erlang_loss(1.0, 30.0, beds, 20)
        .validate()
        .unwrap();
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let mut agg = Aggregator::new(&model);
    for r in 0..20 {
        agg.push(model.run_replication(r).unwrap());
    }
    let kept = LIVE.load(Ordering::SeqCst) - before;
    let peak = PEAK.load(Ordering::SeqCst) - before;
    drop(agg);
    (kept, peak)
}

/// Occupancy histograms and the event loop's buffers are sized by what a pool holds, not by
/// its capacity: a 10,000-bed ward that never fills more than a few dozen beds costs what a
/// 100-bed ward does (sized by capacity, its histograms alone would take 80 KB more).
#[test]
fn a_large_ward_that_stays_nearly_empty_costs_what_a_small_one_does() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (small_kept, small_peak) = kept_and_peak(100);
    let (large_kept, large_peak) = kept_and_peak(10_000);
    assert!(
        large_kept <= small_kept + 1024 && large_peak <= small_peak + 1024,
        "10,000 beds: {large_kept} bytes kept, {large_peak} at the peak; \
         100 beds: {small_kept} and {small_peak}"
    );
}
