#!/bin/sh
# bsd2006-contention.sh: the contention shape of the 2006 design.
# tide with TIDE_CONF=preset:bsd2006 (no thread cache: every malloc and free
# takes its arena's lock) runs larson at each thread count with the arena
# count fixed, side by side, REPS interleaved repetitions, medians. In the
# paper's design threads do not contend while threads <= arenas (each has
# its own arena, round-robin) and do once threads > arenas.
#   scripts/bsd2006-contention.sh [REPS=5] [SECONDS=1] [THREADS="1 2 4"] [ARENAS="1 2 8"]
# Prints one line per (arenas, threads): median ops/s, and ops/s per thread
# relative to the same arena count at 1 thread.
set -eu
cd "$(dirname "$0")/.."
REPS=${1:-5}; SECS=${2:-1}; THREADS=${3:-"1 2 4"}; ARENAS=${4:-"1 2 8"}
LIB=$PWD/allocator/libtide.so
BIN=build/workloads/larson
[ -x "$BIN" ] && [ -f "$LIB" ] || { echo "bsd2006-contention: build first (make)" >&2; exit 1; }
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
for r in $(seq "$REPS"); do
    for a in $ARENAS; do
        for t in $THREADS; do
            v=$(TIDE_CONF="preset:bsd2006,narenas:$a" LD_PRELOAD="$LIB" "$BIN" "$SECS" 8 1000 5000 100 4141 "$t" |
                sed -n 's/.* value=\([0-9.e+]*\) .*/\1/p')
            [ -n "$v" ] || { echo "bsd2006-contention: larson gave no result (arenas $a, threads $t)" >&2; exit 1; }
            echo "$a $t $v" >>"$tmp"
        done
    done
done
echo "# $(uname -n): $(nproc) CPUs; larson $SECS 8 1000 5000 100 4141 T; TIDE_CONF=preset:bsd2006,narenas:A; $REPS reps, medians"
echo "arenas threads ops_per_s per_thread_vs_1thread"
python3 - "$tmp" <<'PY'
import sys, collections
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    a, t, v = line.split(); d[(int(a), int(t))].append(float(v))
med = {k: sorted(v)[len(v) // 2] for k, v in d.items()}
for (a, t) in sorted(med):
    base = med.get((a, 1))
    rel = (med[(a, t)] / t) / base if base else float("nan")
    print(f"{a} {t} {med[(a, t)]:.4g} {rel:.2f}")
PY
