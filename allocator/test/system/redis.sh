#!/bin/sh
# redis.sh: Debian's redis-server (7.0.15, linked with libjemalloc) under the
# allocator being tested (SYSTEST_PRELOAD; empty: no preload, i.e. its own
# jemalloc). Loopback only, on a free port, with a temporary --dir.
#
# Checks: the server starts; redis-benchmark (set,get,lpush,lpop) succeeds;
# INFO memory's allocator_allocated follows the load (rises by >= 8 MB when
# 50,000 200-byte values are stored, falls after FLUSHALL; an idle libjemalloc
# would keep reporting 28672); MEMORY MALLOC-STATS prints the allocator's
# report (with tide: the text '-tide"' that only tide's malloc_stats_print
# writes); MEMORY PURGE answers OK and RSS does not grow (1 MiB slack);
# BGSAVE forks a child that finishes with status ok and writes the file;
# the server is still alive; SIGTERM stops it with exit status 0; every
# redis-cli, redis-cli --pipe and redis-benchmark command exited 0
# ("commands"). The server is always killed on exit (trap), and every
# command runs under $SYSTEST_BIN/bounded (default build/systest): a time
# limit, after which it is killed with everything it started.
set -u
LIB=${SYSTEST_PRELOAD:-}
ALLOC=${SYSTEST_ALLOC:-glibc}
BIN=${SYSTEST_BIN:-build/systest}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
BOUNDED=$BIN/bounded
if [ -n "$LIB" ]; then case $LIB in /*) ;; *) LIB=$PWD/$LIB ;; esac; fi
nfail=0
pass() { echo "PASS redis/$1"; }
fail() { echo "FAIL redis/$1: $2"; nfail=$((nfail + 1)); }
for p in redis-server redis-cli redis-benchmark python3; do
    command -v $p > /dev/null || { fail setup "$p not found"; exit 1; }
done
[ -x "$BOUNDED" ] || { fail setup "$BOUNDED is missing (run make)"; exit 1; }
DIR=$(mktemp -d /tmp/systest-redis.XXXXXX) || { fail setup "mktemp failed"; exit 1; }
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2> /dev/null; then
        kill "$PID" 2> /dev/null
        i=0
        while kill -0 "$PID" 2> /dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$PID" 2> /dev/null
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
    { fail setup "python3 could not find a free port"; exit 1; }
# cli ARGS...: one redis-cli command (30 s at most); prints the reply. A
# command that fails is recorded in $DIR/cli-errors, which the "commands"
# check reports at the end.
cli() {
    _out=$("$BOUNDED" -k 5 30 redis-cli -h 127.0.0.1 -p "$PORT" "$@" 2>&1)
    _rc=$?
    printf '%s\n' "$_out" | tr -d '\r'
    [ $_rc -eq 0 ] || echo "redis-cli $*: exit status $_rc: $(printf '%s' "$_out" | head -c 200)" >> "$DIR/cli-errors"
    return $_rc
}
# ping_ok: the server answers PING (for polling while it starts: a refused
# connection is not recorded as a failed command).
ping_ok() { [ "$("$BOUNDED" -k 5 10 redis-cli -h 127.0.0.1 -p "$PORT" ping 2> /dev/null | tr -d '\r')" = PONG ]; }
# pipe FILE: send FILE through redis-cli --pipe (60 s at most).
pipe() {
    "$BOUNDED" -k 5 60 redis-cli -h 127.0.0.1 -p "$PORT" --pipe < "$1" > "$DIR/pipe.log" 2>&1 ||
        echo "redis-cli --pipe < $(basename "$1"): exit status $?: $(tail -n 2 "$DIR/pipe.log" | tr '\n' ' ')" >> "$DIR/cli-errors"
}
field() { cli info "$1" | sed -n "s/^$2://p"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$PID/status" 2> /dev/null; }

env ${LIB:+LD_PRELOAD="$LIB"} redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize no --dir "$DIR" --dbfilename dump.rdb --logfile "$DIR/redis.log" &
PID=$!
i=0
while ! ping_ok && [ $i -lt 100 ] && kill -0 $PID 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
if [ "$(cli ping)" != PONG ]; then
    fail start "server did not answer PING within 10 s: $(tail -n 3 "$DIR/redis.log" 2> /dev/null | tr '\n' ' ')"
    exit 1
fi
if [ -n "$LIB" ] && ! grep -q "$(basename "$LIB")" "/proc/$PID/maps"; then
    fail start "$(basename "$LIB") is not mapped into redis-server"
else
    pass start
fi

# ---- redis-benchmark -------------------------------------------------------
"$BOUNDED" -k 5 180 redis-benchmark -h 127.0.0.1 -p "$PORT" -q -n 20000 -t set,get,lpush,lpop > "$DIR/bench.out" 2>&1
rc=$?
out=$(tr '\r' '\n' < "$DIR/bench.out")
nres=$(printf '%s\n' "$out" | grep -c 'requests per second')
if [ $rc -eq 0 ] && [ "$nres" -eq 4 ]; then
    pass benchmark
    echo "INFO redis/benchmark: $(printf '%s\n' "$out" | grep 'requests per second' | sed 's/ requests per second.*//' | tr '\n' ' ')"
else
    fail benchmark "rc $rc, $nres of 4 results: $(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
fi

# ---- INFO memory follows the load ------------------------------------------
# allocator_* are refreshed by serverCron (every 100 ms): poll.
wait_alloc() { # op threshold -> prints the value once "value op threshold" holds (5 s max)
    j=0
    while [ $j -lt 50 ]; do
        v=$(field memory allocator_allocated)
        if [ -n "$v" ] && [ "$v" "$1" "$2" ]; then echo "$v"; return 0; fi
        sleep 0.1; j=$((j + 1))
    done
    echo "${v:-none}"
    return 1
}
# The value once two reads 300 ms apart (three serverCron refreshes) agree:
# a read right after the load may still show a snapshot taken during it.
settled_alloc() {
    prev=$(field memory allocator_allocated) j=0
    while [ $j -lt 16 ]; do
        sleep 0.3
        v=$(field memory allocator_allocated)
        [ "$v" = "$prev" ] && break
        prev=$v j=$((j + 1))
    done
    echo "$v"
}
cli flushall sync > /dev/null
sleep 0.3
a0=$(field memory allocator_allocated)
echo "INFO redis/info: $(cli info memory | grep '^mem_allocator:')"
python3 -c '
import sys
out = sys.stdout.buffer
val = b"v" * 200
for i in range(50000):
    k = b"load:%d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$200\r\n%s\r\n" % (len(k), k, val))
' > "$DIR/load.resp" || echo "python3 could not write the load: exit status $?" >> "$DIR/cli-errors"
pipe "$DIR/load.resp"
dbsize=$(cli dbsize)
if [ "${a0:-x}" -eq "${a0:-x}" ] 2> /dev/null; then
    a1=$(wait_alloc -ge $((a0 + 8000000))); ok1=$?
    [ $ok1 -eq 0 ] && a1=$(settled_alloc)
    cli flushall sync > /dev/null
    a2=$(wait_alloc -le $((a1 - 8000000))); ok2=$?
    msg="allocator_allocated $a0 -> $a1 (50,000 keys, dbsize $dbsize) -> $a2 (FLUSHALL)"
    if [ $ok1 -eq 0 ] && [ $ok2 -eq 0 ] && [ "$dbsize" = 50000 ]; then pass info_memory; echo "INFO redis/info_memory: $msg"
    else fail info_memory "$msg"; fi
else
    fail info_memory "no allocator_allocated field in INFO memory"
fi

# ---- MEMORY MALLOC-STATS ---------------------------------------------------
cli memory malloc-stats > "$DIR/stats.txt"
if [ "$ALLOC" = tide ]; then
    if grep -q -- '-tide"' "$DIR/stats.txt"; then pass malloc_stats
    else fail malloc_stats "no tide report: $(head -c 200 "$DIR/stats.txt" | tr '\n' ' ')"; fi
else
    if [ "$(wc -l < "$DIR/stats.txt")" -gt 10 ]; then pass malloc_stats
    else fail malloc_stats "short report: $(head -c 200 "$DIR/stats.txt" | tr '\n' ' ')"; fi
fi

# ---- MEMORY PURGE ----------------------------------------------------------
r0=$(rss_kb)
res=$(cli memory purge)
r1=$(rss_kb)
if [ "$res" = OK ] && [ -n "$r0" ] && [ -n "$r1" ] && [ "$r1" -le $((r0 + 1024)) ]; then
    pass memory_purge
    echo "INFO redis/memory_purge: VmRSS $r0 kB -> $r1 kB"
else
    fail memory_purge "reply '$res', VmRSS ${r0:-?} kB -> ${r1:-?} kB"
fi

# ---- BGSAVE: a forked child writes the dataset ------------------------------
pipe "$DIR/load.resp"
res=$(cli bgsave)
j=0
while [ "$(field persistence rdb_bgsave_in_progress)" != 0 ] && [ $j -lt 300 ]; do sleep 0.1; j=$((j + 1)); done
inprog=$(field persistence rdb_bgsave_in_progress)
status=$(field persistence rdb_last_bgsave_status)
if [ "$res" = "Background saving started" ] && [ "$inprog" = 0 ] && [ "$status" = ok ] && [ -s "$DIR/dump.rdb" ]; then
    pass bgsave
    echo "INFO redis/bgsave: dump.rdb $(wc -c < "$DIR/dump.rdb") bytes"
else
    fail bgsave "reply '$res', in_progress '$inprog', status '$status', file $(ls -l "$DIR/dump.rdb" 2>&1)"
fi

if kill -0 "$PID" 2> /dev/null && [ "$(cli ping)" = PONG ]; then pass alive; else fail alive "server died: $(tail -n 5 "$DIR/redis.log" | tr '\n' ' ')"; fi
# A clean shutdown (SIGTERM) must work as well.
kill "$PID"
j=0
while kill -0 "$PID" 2> /dev/null && [ $j -lt 100 ]; do sleep 0.1; j=$((j + 1)); done
if kill -0 "$PID" 2> /dev/null; then fail shutdown "still running 10 s after SIGTERM"
else wait "$PID"; rc=$?; if [ $rc -eq 0 ]; then pass shutdown; else fail shutdown "exit status $rc"; fi; fi
if [ -s "$DIR/cli-errors" ]; then
    fail commands "$(wc -l < "$DIR/cli-errors") command(s) failed: $(head -n 3 "$DIR/cli-errors" | tr '\n' ' ')"
else
    pass commands
fi
[ $nfail -eq 0 ]
