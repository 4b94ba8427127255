#!/bin/bash
# scenario.sh: drive the five-phase Redis scenario against a running server.
# Used by capture.sh (`make trace`) and live.sh (`make redis-live`).
#
# Environment:
#   PORT         server port on 127.0.0.1                       (required)
#   SERVER_PID   pid of redis-server                            (required)
#   GEN          path of redis-gen                              (required)
#   WORK         scratch directory for the generated commands   (required)
#   MARK=1       send SIGRTMIN+7 to the server at each phase start (tracer phase marks)
#   PROBE=1      after each phase, measure throughput with a read-only redis-benchmark
#   STATS_CSV    append one row per phase to this CSV (header written when new)
#   ALLOC_LABEL  allocator name for the CSV rows
#   SCALE        key counts in thousandths of the full size (default 250: the
#                committed default trace; 1000 loads 40,000 keys)
#
# Phases: 1 load mixed keys, 2 delete a random 80 %, 3 refill with another size
# mix, 4 TTL churn (keys expire), 5 steady reads and writes.
set -euo pipefail

: "${PORT:?}" "${SERVER_PID:?}" "${GEN:?}" "${WORK:?}"
SCALE=${SCALE:-250}
N_LOAD=$((40000 * SCALE / 1000))
N_REFILL=$((32000 * SCALE / 1000))
TTL_BATCHES=6
TTL_N=$((4000 * SCALE / 1000))
MIX_N=$((30000 * SCALE / 1000))
BENCH_N=$((60000 * SCALE / 1000))
CLI=(redis-cli -h 127.0.0.1 -p "$PORT")

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

pipe() { # pipe FILE: send a RESP file, fail on any error reply
    local out
    out=$("${CLI[@]}" --pipe < "$1" 2>&1)
    if ! grep -q 'errors: 0,' <<<"$out"; then
        echo "scenario: redis-cli --pipe reported errors for $1: $(tail -n 1 <<<"$out")" >&2
        return 1
    fi
}

mark() { if [ "${MARK:-0}" = 1 ]; then kill -s RTMIN+7 "$SERVER_PID"; sleep 0.2; fi; }

info_field() { grep "^$1:" <<<"$INFO" | cut -d: -f2 | tr -d '\r'; }

probe_rps() { # read-only throughput probe: GETs of random, mostly absent keys
    redis-benchmark -h 127.0.0.1 -p "$PORT" -n 20000 -c 10 -P 16 -r 1000000 -t get --csv 2>/dev/null |
        awk -F'"' '/^"GET"/ { print $4 }'
}

phase_end() { # phase_end K COMMANDS SECONDS [RPS]
    [ -n "${STATS_CSV:-}" ] || return 0
    local k=$1 cmds=$2 secs=$3 rps=${4:-}
    INFO=$("${CLI[@]}" info memory)
    local used frag rss
    used=$(info_field used_memory)
    frag=$(info_field mem_fragmentation_ratio)
    rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$SERVER_PID/status")
    if [ -z "$rps" ] && [ "${PROBE:-0}" = 1 ]; then rps=$(probe_rps); fi
    [ -f "$STATS_CSV" ] || echo "allocator,phase,used_memory,rss_bytes,rss_used,mem_fragmentation_ratio,commands,seconds,phase_rps,bench_rps" > "$STATS_CSV"
    awk -v a="${ALLOC_LABEL:-unknown}" -v k="$k" -v u="$used" -v r="$rss" -v f="$frag" -v c="$cmds" -v s="$secs" -v b="${rps:-}" \
        'BEGIN { printf "%s,%d,%d,%d,%.4f,%s,%d,%.3f,%.0f,%s\n", a, k, u, r, r / u, f, c, s, c / s, b }' >> "$STATS_CSV"
}

# Generate every command stream first (deterministic, seed 42).
"$GEN" load "$N_LOAD" 42 > "$WORK/p1.resp"
"$GEN" del "$N_LOAD" 43 > "$WORK/p2.resp"
"$GEN" refill "$N_REFILL" 44 > "$WORK/p3.resp"
for b in $(seq 1 $TTL_BATCHES); do "$GEN" ttl "$b" "$TTL_N" 45 > "$WORK/p4-$b.resp"; done
"$GEN" mix "$MIX_N" 46 "$N_LOAD" "$N_REFILL" > "$WORK/p5.resp"

# Phase 1: load.
mark; t0=$(now); pipe "$WORK/p1.resp"; t1=$(now)
phase_end 1 "$N_LOAD" "$(elapsed "$t0" "$t1")"
# Phase 2: delete a random 80 %.
mark; t0=$(now); pipe "$WORK/p2.resp"; t1=$(now)
phase_end 2 $((N_LOAD * 8 / 10)) "$(elapsed "$t0" "$t1")"
# Phase 3: refill with a different size mix.
mark; t0=$(now); pipe "$WORK/p3.resp"; t1=$(now)
phase_end 3 "$N_REFILL" "$(elapsed "$t0" "$t1")"
# Phase 4: TTL churn; wait until every volatile key has expired.
mark; t0=$(now)
for b in $(seq 1 $TTL_BATCHES); do pipe "$WORK/p4-$b.resp"; sleep 0.4; done
for _ in $(seq 1 50); do
    left=$("${CLI[@]}" info keyspace | sed -n 's/.*expires=\([0-9]*\).*/\1/p' | tr -d '\r')
    [ "${left:-0}" = 0 ] && break
    sleep 0.2
done
t1=$(now)
phase_end 4 $((TTL_BATCHES * TTL_N)) "$(elapsed "$t0" "$t1")"
# Phase 5: steady mix of reads and writes (pipelined redis-cli, then redis-benchmark).
mark; t0=$(now); pipe "$WORK/p5.resp"
bench=$(redis-benchmark -h 127.0.0.1 -p "$PORT" -n "$BENCH_N" -c 10 -P 16 -r 50000 -d 200 -t set,get --csv 2>/dev/null |
        awk -F'"' '/^"(SET|GET)"/ { n++; inv += 1 / $4 } END { if (n) printf "%.0f", n / inv }')
t1=$(now)
phase_end 5 $((MIX_N + 2 * BENCH_N)) "$(elapsed "$t0" "$t1")" "$bench"
echo "scenario: done (port $PORT; phase 5 redis-benchmark ${bench:-?} req/s)" >&2
