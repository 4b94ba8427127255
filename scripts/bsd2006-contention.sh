#!/bin/sh
# bsd2006-contention.sh: the contention shape of the 2006 design.
# tide with TIDE_CONF=preset:bsd2006 (no thread cache: every malloc and free
# takes its arena's lock) runs threadtest (each thread allocates and frees
# its own objects; the total work is fixed) at each thread count with the
# arena count fixed, side by side, REPS interleaved repetitions, medians. In
# the paper's design threads do not contend while threads <= arenas (each
# has its own arena, round-robin) and do once threads > arenas. (larson does
# not show this: its threads free each other's blocks, so they take each
# other's arena locks whatever the arena count.)
#   scripts/bsd2006-contention.sh [REPS=5] [ITERATIONS=500] [THREADS="1 2 4"] [ARENAS="1 2 8"]
# Prints one line per (arenas, threads): median seconds, and the speedup
# over the same arena count at 1 thread (ideal: min(threads, CPUs)).
set -eu
cd "$(dirname "$0")/.."
REPS=${1:-5}; ITER=${2:-500}; THREADS=${3:-"1 2 4"}; ARENAS=${4:-"1 2 8"}
LIB=$PWD/allocator/libtide.so
BIN=build/workloads/threadtest
[ -x "$BIN" ] && [ -f "$LIB" ] || { echo "bsd2006-contention: build first (make)" >&2; exit 1; }
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
for r in $(seq "$REPS"); do
    for a in $ARENAS; do
        for t in $THREADS; do
            v=$(TIDE_CONF="preset:bsd2006,narenas:$a" LD_PRELOAD="$LIB" "$BIN" "$t" "$ITER" 10000 0 8 |
                sed -n 's/.* value=\([0-9.e+]*\) .*/\1/p')
            [ -n "$v" ] || { echo "bsd2006-contention: threadtest gave no result (arenas $a, threads $t)" >&2; exit 1; }
            echo "$a $t $v" >>"$tmp"
        done
    done
done
echo "# $(uname -n): $(nproc) CPUs; threadtest T $ITER 10000 0 8; TIDE_CONF=preset:bsd2006,narenas:A; $REPS reps, medians"
echo "arenas threads seconds speedup_vs_1thread"
python3 - "$tmp" <<'PY'
import sys, collections
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    a, t, v = line.split(); d[(int(a), int(t))].append(float(v))
med = {k: sorted(v)[len(v) // 2] for k, v in d.items()}
for (a, t) in sorted(med):
    base = med.get((a, 1))
    rel = base / med[(a, t)] if base else float("nan")
    print(f"{a} {t} {med[(a, t)]:.4g} {rel:.2f}")
PY
