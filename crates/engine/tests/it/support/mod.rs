//! What the tests of transfers and out-of-area tiers check alike.

use carepath_engine::Replication;

/// Asserts Little's law, L = λW to within 2 %, in every pool that more than 100 young people
/// left over the reported `days` (fewer make the boundary terms too large to test); returns
/// how many pools were checked.
pub fn littles_law_holds(r: &Replication, days: f64) -> usize {
    let mut checked = 0;
    for (i, f) in r.flows.iter().enumerate().filter(|(_, f)| f.exits > 100) {
        checked += 1;
        let occupied = f.occupied_days / days;
        let little = f.exits as f64 / days * (f.sojourn_days / f.exits as f64);
        assert!(
            (occupied - little).abs() <= 0.02 * occupied,
            "pool {i}: L = {occupied}, λW = {little}"
        );
    }
    checked
}
