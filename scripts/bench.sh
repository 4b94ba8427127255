#!/bin/sh
# bench.sh: what `make bench` runs after building everything: the quick suite
# (every allocator, the registered workloads but the reproduction's programs
# and server, 1 and 2 threads), then every
# figure, then the ratio table against jemalloc. Designed to finish within
# 10 minutes on the 2-vCPU development machine: repetitions are run in rounds
# and a new round starts only if it should end within the --budget
# (BENCH_BUDGET seconds, default 480); every cell keeps the same count.
set -eu
cd "$(dirname "$0")/.."
AB=build/harness/allocbench
BUDGET=${BENCH_BUDGET:-480}
REPS=${BENCH_REPS:-3}
t0=$(date +%s)
log=$(mktemp /tmp/allocbench-bench-XXXXXX)
trap 'rm -f "$log"' EXIT
# Every registered workload but the programs and the server of the BSDCan
# 2006 reproduction (`make reproduce` runs them; BENCH_EXCLUDE= keeps them)
# and the real-program suite (workloads/programs/README.md): at quick size
# its six cells add about 20 s per allocator and round, which the budget
# above cannot hold.
EXCLUDE=${BENCH_EXCLUDE-mariadb,cca,gs,cfrac,sh6bench,py-mix,gcc-O2,sqlite,lua-gc,z3,redis-bench}
WLS=$(awk -F'\t' 'FNR > 1 && $1 != "" { print $1 }' workloads/workloads.tsv workloads/*/workloads.tsv |
      awk -v ex=",$EXCLUDE," 'index(ex, "," $0 ",") == 0' | paste -sd, -)
$AB run --suite quick --allocators all --workloads "$WLS" --threads 1,2 --reps "$REPS" --warmup 1 \
    --budget "$BUDGET" --timeout 60 >"$log"
cat "$log"
dir=$(sed -n 's/^results: //p' "$log" | tail -n 1)
[ -n "$dir" ] && [ -d "$dir" ] || { echo "bench: no results folder was written" >&2; exit 1; }
$AB plot "$dir"
echo
echo "results: $dir"
echo "figures: $dir/figures"
$AB report "$dir"
echo "bench: done in $(( $(date +%s) - t0 )) s"
