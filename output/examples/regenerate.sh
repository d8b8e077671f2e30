#!/usr/bin/env bash
# Regenerates the showcase charts that README.md embeds, from the example scenarios.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo run --release --quiet -- run scenarios --out "$tmp/roadmap" >/dev/null
cargo run --release --quiet -- run scenarios/sweeps/iht_places.toml --out "$tmp/sweep" >/dev/null
cargo run --release --quiet -- run scenarios/baseline.toml scenarios/closer2home.toml scenarios/day_hospital.toml \
    --set simulation.parameter_draws=100 --reps 10 --baseline closer2home --out "$tmp/uncertain" >/dev/null
rm -f output/examples/*.png
cp "$tmp/roadmap/charts/differences.png" \
   "$tmp/roadmap/provider_closure/charts/occupancy_picu.png" \
   "$tmp/roadmap/provider_closure/charts/levels_gau_independent.png" \
   "$tmp/sweep/charts/sweep_iht_places_cost_gbp.png" \
   "$tmp/sweep/charts/sweep_iht_places_oap_placements.png" \
   output/examples/
# The workshop page, as its browser test leaves it after a change.
CAREPATH_SCREENSHOT="$PWD/output/examples/workshop.png" \
    cargo test --release --quiet -p carepath-cli --test it serve >/dev/null
cp "$tmp/uncertain/day_hospital/charts/tornado_oap_placements.png" output/examples/tornado_day_hospital_oap_placements.png
echo "updated output/examples/"
