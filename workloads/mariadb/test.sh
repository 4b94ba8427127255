#!/bin/sh
# workloads/mariadb/test.sh: tests of build/workloads/dbbench (make test-mariadb).
#
#   sh workloads/mariadb/test.sh [build/workloads/dbbench]
#
# Smoke runs without LD_PRELOAD and under allocator/libtide.so (exit 0, the
# allocator line names the right file, one result line with qps > 0, nothing
# left behind); SIGINT in the middle of a run; SIGTERM while a template is
# being built; dbbench killed outright (its server dies with it, the next run
# removes its directory); two concurrent runs building one template; a server
# that does not start; a failing sysbench; bad arguments. Every command runs
# under a time limit. The script fails unless exactly EXPECT checks ran.
# About 15 s (two template builds of about 1 s each included).

EXPECT=42
BIN=${1:-build/workloads/dbbench}
TIDE=allocator/libtide.so
LIMIT=60          # seconds for one run
pass=0 fail=0 nchecks=0
T=$(mktemp -d /tmp/mariadb-test.XXXXXX) || exit 1
# every run's private directory goes under $T/run (DBBENCH_TMPDIR)
R=$T/run
mkdir -p "$R" || exit 1
export DBBENCH_TMPDIR="$R"
# table sizes used only by this test (their templates are removed at the end)
SZ_A=$((700 + $$ % 250))
SZ_B=$((SZ_A + 1))
TROOT=$(dirname "$BIN")/mariadb

rm_templates() {
    for s in $SZ_A $SZ_B; do rm -rf "$TROOT/template-$s" "$TROOT/template-$s.lock" "$TROOT"/.template-"$s".*; done
}
cleanup() {
    # a failed check may leave a server behind: stop those of this test
    pkill -KILL -f -- "$R/" 2>/dev/null
    rm_templates; rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok()  { pass=$((pass + 1)); nchecks=$((nchecks + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); nchecks=$((nchecks + 1)); echo "  FAIL $*"; }
check() {  # check DESCRIPTION COMMAND... (sh has no locals: _desc is its own)
    _desc=$1; shift
    if "$@"; then ok "$_desc"; else bad "$_desc"; fi
}

[ -x "$BIN" ] || { echo "test-mariadb: $BIN not built"; exit 1; }
[ -f "$TIDE" ] || { echo "test-mariadb: $TIDE not built"; exit 1; }
TIDE_REAL=$(realpath "$TIDE")
LIBC_REAL=$(realpath /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null || echo libc.so.6)
rm_templates

# No mariadbd runs in a private directory under $R, and $R is empty.
clean() {
    i=0
    while pgrep -f -- "$R/" >/dev/null 2>&1; do
        i=$((i + 1)); [ "$i" -gt 100 ] && return 1; sleep 0.1
    done
    [ -z "$(ls -A "$R")" ]
}
# Wait until the run writing stderr file $1 has its server ready.
wait_ready() {
    i=0; while ! grep -q 'ready in' "$1" 2>/dev/null && [ $i -lt 300 ]; do i=$((i + 1)); sleep 0.05; done
}
resultval() { sed -n "s/^ALLOCBENCH result .* $2=\([^ ]*\).*/\1/p" "$1"; }

smoke() {  # smoke NAME EXPECTED_ALLOCATOR [env assignments...]
    name=$1 want=$2; shift 2
    env "$@" timeout -k 5 $LIMIT "$BIN" --threads 3 2000 1000 >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
    check "$name: exit 0" [ "$rc" -eq 0 ]
    [ "$rc" -eq 0 ] || sed 's/^/       /' "$T/$name.err" | tail -n 3
    check "$name: allocator line names $want" \
        [ "$(sed -n 's/^ALLOCBENCH allocator file=//p' "$T/$name.out")" = "$want" ]
    check "$name: one result line, metric qps, better=higher, threads=3" \
        [ "$(grep -c '^ALLOCBENCH result workload=mariadb threads=3 metric=qps value=[^ ]* unit=queries/s better=higher ' "$T/$name.out")" -eq 1 ]
    v=$(resultval "$T/$name.out" value)
    rss=$(resultval "$T/$name.out" peak_rss)
    check "$name: qps > 0 ($v), server peak_rss > 10 MB ($rss), events=2000" \
        awk -v v="${v:-0}" -v r="${rss:-0}" -v e="$(resultval "$T/$name.out" events)" \
            'BEGIN { exit !(v > 0 && r > 10000000 && e == 2000) }'
    check "$name: alloc-stats line" grep -q '^ALLOCBENCH alloc-stats source=' "$T/$name.out"
    check "$name: no mariadbd and no directory left" clean
}

echo "mariadb: smoke runs"
smoke glibc "$LIBC_REAL" -u LD_PRELOAD ALLOCBENCH_ALLOCATOR_FILE="$LIBC_REAL"
smoke tide "$TIDE_REAL" LD_PRELOAD="$TIDE_REAL" ALLOCBENCH_ALLOCATOR_FILE="$TIDE_REAL"
# the server is in dbbench's process group and sysbench runs without LD_PRELOAD
env LD_PRELOAD="$TIDE_REAL" timeout -k 5 $LIMIT "$BIN" --threads 2 300000 1000 >"$T/pg.out" 2>"$T/pg.err" &
wpid=$!
wait_ready "$T/pg.err"
sleep 0.3
dpid=$(pgrep -P "$wpid" -x dbbench)
spid=$(sed -n 's/.*server pid \([0-9]*\).*/\1/p' "$T/pg.err")
cpid=$(pgrep -P "${dpid:-1}" -x sysbench)
same_group() { [ -n "$spid" ] && [ -n "$dpid" ] && [ "$(ps -o pgid= -p "$spid" | tr -d ' ')" = "$(ps -o pgid= -p "$dpid" | tr -d ' ')" ]; }
check "server (pid $spid) is in dbbench's (pid $dpid) process group" same_group
preload_where() { [ -n "$cpid" ] && grep -q libtide "/proc/$spid/maps" && ! grep -q libtide "/proc/$cpid/maps"; }
check "server maps libtide.so, sysbench (pid $cpid) does not" preload_where
kill -TERM "$dpid" 2>/dev/null
wait "$wpid" 2>/dev/null
check "SIGTERM: no mariadbd and no directory left" clean

echo "mariadb: SIGINT in the middle of a run"
env --default-signal=INT timeout -k 5 $LIMIT "$BIN" --threads 2 300000 1000 >"$T/int.out" 2>"$T/int.err" &
wpid=$!
wait_ready "$T/int.err"
sleep 0.5
dpid=$(pgrep -P "$wpid" -x dbbench)
check "a run in progress (dbbench pid $dpid)" sh -c "[ -n '$dpid' ] && pgrep -f -- '$R/' >/dev/null"
kill -INT "$dpid"
wait "$wpid" 2>/dev/null; rc=$?
check "SIGINT: dbbench dies of SIGINT (status $rc)" [ "$rc" -eq 130 ]
check "SIGINT: no mariadbd and no directory left" clean
check "SIGINT: no result line" [ "$(grep -c '^ALLOCBENCH result' "$T/int.out")" -eq 0 ]

echo "mariadb: SIGTERM while the template is built"
timeout -k 5 $LIMIT "$BIN" 2000 "$SZ_A" >"$T/tb.out" 2>"$T/tb.err" &
wpid=$!
i=0; while ! ls -d "$TROOT"/.template-"$SZ_A".* >/dev/null 2>&1 && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.02; done
sleep 0.3
dpid=$(pgrep -P "$wpid" -x dbbench)
work=$(ls -d "$TROOT"/.template-"$SZ_A".* 2>/dev/null | head -n 1)
check "template build in progress ($work)" sh -c "[ -n '$work' ] && [ -n '$dpid' ]"
kill -TERM "$dpid"
wait "$wpid" 2>/dev/null; rc=$?
check "SIGTERM: dbbench dies of SIGTERM (status $rc)" [ "$rc" -eq 143 ]
tb_clean() { [ -n "$work" ] && ! pgrep -f -- "$work" >/dev/null && [ ! -e "$work" ] && [ ! -e "$TROOT/template-$SZ_A" ] && clean; }
check "SIGTERM: no server, no partial template, no template, no directory" tb_clean

echo "mariadb: two concurrent runs build one template"
timeout -k 5 $LIMIT "$BIN" --threads 2 2000 "$SZ_B" >"$T/c1.out" 2>"$T/c1.err" & p1=$!
timeout -k 5 $LIMIT "$BIN" --threads 2 2000 "$SZ_B" >"$T/c2.out" 2>"$T/c2.err" & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
check "concurrent: both exit 0 ($r1, $r2) with a result" \
    sh -c "[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && grep -q '^ALLOCBENCH result' '$T/c1.out' && grep -q '^ALLOCBENCH result' '$T/c2.out'"
check "concurrent: the template was built once" \
    [ "$(cat "$T/c1.err" "$T/c2.err" | grep -c 'building the data directory template')" -eq 1 ]
check "concurrent: template-$SZ_B in place, no partial one" \
    sh -c "[ -d '$TROOT/template-$SZ_B/sbtest' ] && ! ls -d '$TROOT'/.template-$SZ_B.* >/dev/null 2>&1"

echo "mariadb: dbbench killed outright"
timeout -k 5 $LIMIT "$BIN" --threads 2 300000 1000 >"$T/kill.out" 2>"$T/kill.err" &
wpid=$!
wait_ready "$T/kill.err"
d=$(ls -d "$R"/dbbench-* 2>/dev/null | head -n 1)
dpid=$(pgrep -P "$wpid" -x dbbench)
kill -KILL "$dpid"
wait "$wpid" 2>/dev/null
i=0; while pgrep -f -- "$d/" >/dev/null 2>&1 && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
killed_gone() { [ -n "$d" ] && [ -d "$d" ] && ! pgrep -f -- "$d/" >/dev/null; }
check "SIGKILL: its server died with it, its directory stays ($d)" killed_gone
timeout -k 5 $LIMIT "$BIN" 2000 1000 >"$T/next.out" 2>"$T/next.err"; rc=$?
swept() { [ "$rc" -eq 0 ] && [ ! -e "$d" ] && grep -q "removing $d" "$T/next.err" && clean; }
check "SIGKILL: the next run (exit $rc) removed that directory" swept

echo "mariadb: runtime failures: one line, exit 1, nothing left"
failcase() {  # failcase NAME EXPECTED-SUBSTRING env... -- args...
    name=$1 want=$2; shift 2
    envs=""
    while [ "$1" != "--" ]; do envs="$envs $1"; shift; done
    shift
    # shellcheck disable=SC2086
    env $envs timeout -k 5 $LIMIT "$BIN" "$@" >"$T/f.out" 2>"$T/f.err"
    rc=$?
    check "$name: exit 1 (got $rc)" [ "$rc" -eq 1 ]
    check "$name: last stderr line names the cause: $(tail -n 1 "$T/f.err" | cut -c1-150)" \
        sh -c "tail -n 1 '$T/f.err' | grep -q -- '$want' && [ \$(grep -c -v '^mariadb: server pid' '$T/f.err') -eq 1 ]"
    check "$name: no result line" [ "$(grep -c '^ALLOCBENCH result' "$T/f.out")" -eq 0 ]
    check "$name: no mariadbd and no directory left" clean
}
failcase "server does not start" "mariadbd did not start: it exited with status" \
    DBBENCH_SERVER_OPTS=--no-such-option -- 2000 1000
failcase "sysbench fails" "sysbench exited with status 1: FATAL" \
    DBBENCH_SERVER_OPTS=--max-statement-time=0.000001 -- --threads 2 2000 1000

echo "mariadb: bad arguments: one line, exit 2"
badarg() {
    timeout -k 5 30 "$BIN" "$@" >"$T/b.out" 2>"$T/b.err"
    rc=$?
    check "bad arguments '$*': exit 2, one line ($(cat "$T/b.err"))" \
        sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/b.err') -eq 1 ] && [ ! -s '$T/b.out' ]"
}
badarg 2000 0
badarg 2000 abc
badarg --threads 300 2000 1000
badarg --threads 4 3 1000
badarg --bogus 2000 1000
badarg 1 2 3
timeout -k 5 30 "$BIN" --help >"$T/h.out" 2>&1
check "--help: exit 0 and usage" grep -q 'usage: mariadb' "$T/h.out"

echo "mariadb: $pass passed, $fail failed, $nchecks checks (expected $EXPECT)"
[ "$fail" -eq 0 ] && [ "$nchecks" -eq "$EXPECT" ]
