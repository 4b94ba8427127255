#!/bin/bash
# figures.sh: `make trace-figures`. Replay a trace under every allocator
# present (one run each, with the timeline and the address map), then draw
#   OUTDIR/timeline.{png,pdf}        RSS and live bytes over the events
#   OUTDIR/rss-live.{png,pdf}        RSS/live at the end of each phase
#   OUTDIR/addrmap-NAME.{png,pdf}    address x time map per allocator
# and write OUTDIR/rss-live.csv and OUTDIR/results.txt (the result lines).
# Raw figure data goes to build/redis-trace/figdata/.
#   figures.sh REPLAY TRACE OUTDIR
set -euo pipefail
REPLAY=$1; TRACE=$2; OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/allocators.sh"
DATA=build/redis-trace/figdata
rm -rf "$DATA"; mkdir -p "$DATA" "$OUT"
: > "$OUT/results.txt"
names=()
while read -r name pre envs; do
    mkdir -p "$DATA/$name"
    if ! res=$(ALLOCBENCH_RUN_DIR=$DATA/$name REDIS_REPLAY_ADDRMAP=1 rt_run "$name" "$pre" "$envs" "$REPLAY" "$TRACE"); then
        echo "trace-figures: replay under $name failed; left out" >&2; continue
    fi
    echo "$name $(grep '^ALLOCBENCH result' <<<"$res")" >> "$OUT/results.txt"
    names+=("$name")
    echo "trace-figures: $name: $(grep -o 'value=[^ ]*\|peak_rss=[^ ]*\|final_rss=[^ ]*' <<<"$res" | tr '\n' ' ')"
done < <(rt_allocators)
[ ${#names[@]} -gt 0 ] || { echo "trace-figures: no replay succeeded" >&2; exit 1; }

# Phase starts (event index), from the first allocator's phase table.
bounds=$(awk -F, 'NR > 1 { s[n++] = $2 + 1 } END { for (i = 0; i < n - 1; i++) printf "%d ", s[i] }' "$DATA/${names[0]}/replay-phases.csv")
cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo | head -n 1 | sed 's/(R)//g; s/  */ /g')
ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
caption="$(nproc) vCPU $cpu, $(uname -r); glibc $(ver libc6), jemalloc $(ver libjemalloc2), mimalloc $(ver libmimalloc2.0), tcmalloc $(ver libtcmalloc-minimal4), tide $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(basename "$TRACE")"

# RSS/live table: CSV (long) and a gnuplot matrix (phase x allocator).
echo "allocator,phase,rss_bytes,live_bytes,rss_live" > "$OUT/rss-live.csv"
for n in "${names[@]}"; do
    awk -F, -v n="$n" 'NR > 1 && $1 > 0 { print n "," $1 "," $4 "," $5 "," $6 }' "$DATA/$n/replay-phases.csv" >> "$OUT/rss-live.csv"
done
{
    printf 'phase'; for n in "${names[@]}"; do printf ' %s' "$n"; done; echo
    for p in $(awk -F, 'NR > 1 && $1 > 0 { print $1 }' "$DATA/${names[0]}/replay-phases.csv"); do
        printf 'P%s' "$p"
        for n in "${names[@]}"; do printf ' %s' "$(awk -F, -v p="$p" 'NR > 1 && $1 == p { print $6 }' "$DATA/$n/replay-phases.csv")"; done
        echo
    done
} > "$DATA/rss-live.dat"

gnuplot -e "dir='$DATA'; allocs='${names[*]}'; bounds='$bounds'; caption='$caption'; out='$OUT/timeline'" scripts/trace-timeline.gp
gnuplot -e "data='$DATA/rss-live.dat'; caption='$caption'; out='$OUT/rss-live'" scripts/trace-rsslive.gp
for n in "${names[@]}"; do
    m=$DATA/$n/replay-addrmap.txt
    get() { awk -v k="$1" '$1 == k { print $2 }' "$m"; }
    gnuplot -e "map='$DATA/$n/replay-addrmap.f32'; rows=$(get rows); cols=$(get cols); events=$(get events); buckets_per_row=$(get buckets_per_row); first='$(get first_bucket)'; last='$(get last_bucket)'; name='$n'; bounds='$bounds'; caption='$caption'; out='$OUT/addrmap-$n'" scripts/trace-addrmap.gp
done
echo "trace-figures: wrote $OUT"
{ column -s, -t < "$OUT/rss-live.csv" 2>/dev/null || cat "$OUT/rss-live.csv"; } | head -n 50
