#!/usr/bin/env bash
# Runs carepath on a Slurm cluster: an array job of N shards, then a merge job that starts
# when every shard has succeeded. Prints the two job ids.
#
#   slurm/submit.sh -n 16 -p parts -o output [-- sbatch options] -- scenarios --reps 1000
#
#   -n N      shards (array tasks), default 16
#   -p DIR    where the shards write their part files (on a filesystem every node sees)
#   -o DIR    the outputs, as `carepath run` writes them
#   -c CPUS   cores per shard (default 1); the shard uses that many threads
#   -s OPTS   extra sbatch options for both jobs (partition, account, time), quoted
# The scenario files must be on the shared filesystem too: the merge loads them again and
# checks they have not changed. CAREPATH names the binary (default: carepath on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=16 parts=parts out=output cpus=1 extra=""
while getopts "n:p:o:c:s:" opt; do
    case $opt in
        n) n=$OPTARG ;; p) parts=$OPTARG ;; o) out=$OPTARG ;; c) cpus=$OPTARG ;; s) extra=$OPTARG ;;
        *) sed -n '2,14p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "submit.sh: give the scenario files and run options after --" >&2; exit 2; }
parts=$(realpath -m "$parts"); out=$(realpath -m "$out")
mkdir -p "$parts"
# shellcheck disable=SC2086
array=$(sbatch --parsable $extra --array=1-"$n" --cpus-per-task="$cpus" \
    -o "$parts/slurm-%A_%a.out" "$here/shard.sbatch" "$parts" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable $extra --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
    -o "$parts/slurm-merge-%j.out" "$here/merge.sbatch" "$parts" "$out")
merge=${merge%%;*}
echo "$array $merge"
