#!/usr/bin/env bash
# Regenerates the showcase charts that README.md embeds, from the example scenarios.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo run --release --quiet -- run scenarios --out "$tmp/roadmap" >/dev/null
cargo run --release --quiet -- run scenarios/sweeps/iht_places.toml --out "$tmp/sweep" >/dev/null
cp "$tmp/roadmap/charts/compare_oap_bed_days.png" \
   "$tmp/roadmap/provider_closure/charts/occupancy_picu.png" \
   "$tmp/sweep/charts/sweep_iht_places_oap_placements.png" \
   output/examples/
echo "updated output/examples/"
