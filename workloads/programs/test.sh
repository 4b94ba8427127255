#!/bin/sh
# test.sh: checks of the real-program workloads (make test-programs).
#
# For every row of workloads/programs/workloads.tsv, its smoke_args run
# through build/workloads/progrun under the system allocator (no
# LD_PRELOAD), under LD_PRELOAD=allocator/libtide.so, and under tide with
# TIDE_CONF=preset:bsd2006: exit 0, the allocator line names the right file,
# exactly one well-formed result line (workload, threads=1, metric=time,
# better=lower, a positive value, the child's peak_rss and cpu_s), the
# alloc-stats line. Then the failures: a truncated copy of the input is a
# wrong-output failure (exit 1, one progrun line naming the allocator), a
# missing EXPECT_FILE exits 2, a corrupt one exits 2, a program killed by a
# signal or exiting non-zero exits 1, a program that cannot be executed
# exits 2, bad options exit 2; each with exactly one progrun line on stderr
# and no result line. Every command has a time limit (timeout -k 5). The
# script fails when any check fails or when the number of checks run is not
# EXPECT_CHECKS.
#
# The suite's cells (py-mix, gcc-O2, sqlite, lua-gc, z3: progrun rows with
# --metric cpu) run under the system allocator and under tide (metric
# cpu_time; gcc-O2 must have checked cc1's maps, tree_procs >= 1), and under
# tide against an EXPECT_FILE with a wrong hash (exit 1, "wrong output").
# redis-bench runs under the system allocator (Debian's redis-server is
# linked with libjemalloc: redisbench preloads libc and checks the loader's
# binding of malloc) and under tide; a SIGINT
# in the middle of a run must leave no server and no private directory.
# A helper that drops LD_PRELOAD fails the tree check; bad --metric and
# --setenv values exit 2.
set -u
cd "$(dirname "$0")/../.." || exit 1
TSV=workloads/programs/workloads.tsv
PROGRUN=build/workloads/progrun
TIDE=allocator/libtide.so
REDISBENCH=build/workloads/redisbench
# cca, gs: 2 x (3 allocators + truncated input); 5 suite cells x (2
# allocators + wrong hash); redis-bench: 2 allocators, SIGINT, bad argument;
# 10 + 3 program-independent checks
EXPECT_CHECKS=40
T_RUN=120   # seconds for one smoke run
T_BAD=30    # seconds for a run that must fail
checks=0 fails=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
redis_smoke=""
printf 'fnv1a64=cbf29ce484222325 bytes=0\n' >"$tmp/null.expect"   # the hash of no output
out=$tmp/out err=$tmp/err

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# The C library as wl_maps names it (realpath of the libc.so mapped in grep).
LIBC=$(readlink -f "$(env -u LD_PRELOAD grep -m 1 -o '/[^ ]*/libc\.so[.0-9]*$' /proc/self/maps)")
TIDE_REAL=$(readlink -f "$TIDE")

[ -x "$PROGRUN" ] || { echo "FAIL: $PROGRUN missing"; exit 1; }
[ -f "$TIDE" ] || { echo "FAIL: $TIDE missing"; exit 1; }
[ -x "$REDISBENCH" ] || { echo "FAIL: $REDISBENCH missing"; exit 1; }

# good_run LABEL WANT_FILE NAME ARGS...: runs progrun with ARGS under the
# environment changes in $ENVARGS (arguments of env(1), split on spaces).
good_run() {
    label=$1 want=$2 name=$3
    shift 3
    gmetric=time
    case " $* " in *" --metric cpu "*) gmetric=cpu_time ;; esac
    checks=$((checks + 1))
    # shellcheck disable=SC2086
    timeout -k 5 "$T_RUN" env $ENVARGS "$PROGRUN" --threads 1 --pin none "$@" >"$out" 2>"$err"
    rc=$?
    [ $rc -eq 0 ] || { fail "$label: exit status $rc ($(grep '^progrun:' "$err" | head -c 300))"; return; }
    file=$(sed -n 's/^ALLOCBENCH allocator file=\([^ ]*\)$/\1/p' "$out")
    [ "$file" = "$want" ] || { fail "$label: allocator file '$file', want '$want'"; return; }
    [ "$(grep -c '^ALLOCBENCH allocator ' "$out")" = 1 ] || { fail "$label: not one allocator line"; return; }
    [ "$(grep -c '^ALLOCBENCH result ' "$out")" = 1 ] || { fail "$label: not one result line"; return; }
    grep -q '^ALLOCBENCH alloc-stats source=unavailable allocated=-1 active=-1 resident=-1 mapped=-1$' "$out" ||
        { fail "$label: alloc-stats line missing or unexpected"; return; }
    [ "$(grep -c '^ALLOCBENCH' "$out")" = 3 ] || { fail "$label: other ALLOCBENCH lines on stdout"; return; }
    if grep -q '^progrun:' "$err"; then fail "$label: progrun complained: $(grep '^progrun:' "$err")"; return; fi
    grep '^ALLOCBENCH result ' "$out" | awk -v name="$name" -v label="$label" -v metric="$gmetric" '
    {
        for (i = 3; i <= NF; i++) { eq = index($i, "="); kv[substr($i, 1, eq - 1)] = substr($i, eq + 1) }
        if (kv["workload"] != name) { print "FAIL: " label ": workload=" kv["workload"]; bad = 1 }
        if (kv["threads"] != "1" || kv["metric"] != metric || kv["unit"] != "s" || kv["better"] != "lower") {
            print "FAIL: " label ": threads/metric/unit/better wrong: " $0; bad = 1 }
        if (!(kv["value"] + 0 > 0)) { print "FAIL: " label ": value=" kv["value"]; bad = 1 }
        if (!(kv["peak_rss"] + 0 > 1000000)) { print "FAIL: " label ": peak_rss=" kv["peak_rss"]; bad = 1 }
        if (!(kv["cpu_s"] + 0 > 0) || kv["cpu_s"] + 0 > kv["value"] + 0.5) { print "FAIL: " label ": cpu_s=" kv["cpu_s"]; bad = 1 }
        if (kv["user_s"] == "" || kv["sys_s"] == "" || kv["wall_s"] == "" || kv["tree_procs"] == "" ||
            !(kv["out_bytes"] + 0 > 0)) { print "FAIL: " label ": extras missing"; bad = 1 }
        if (metric == "cpu_time" && kv["value"] != kv["cpu_s"] + 0 && kv["value"] - kv["cpu_s"] > 0.0001) {
            print "FAIL: " label ": value " kv["value"] " is not cpu_s " kv["cpu_s"]; bad = 1 }
        if (name == "gcc-O2" && !(kv["tree_procs"] + 0 >= 1)) { print "FAIL: " label ": cc1 not checked"; bad = 1 }
    }
    END { exit bad }' || { fails=$((fails + 1)); return; }
    pass "$label ($(sed -n 's/^ALLOCBENCH result .* value=\([^ ]*\) .*/\1 s/p' "$out"))"
}

# bad_run LABEL WANT_RC PATTERN CMD...: exit WANT_RC, no result line, exactly
# one progrun line on stderr, the last stderr line, matching PATTERN.
bad_run() {
    label=$1 want_rc=$2 pat=$3
    shift 3
    checks=$((checks + 1))
    timeout -k 5 "$T_BAD" "$@" >"$out" 2>"$err"
    rc=$?
    [ $rc -eq "$want_rc" ] || { fail "$label: exit status $rc, want $want_rc ($(tail -n 1 "$err"))"; return; }
    ! grep -q '^ALLOCBENCH result' "$out" || { fail "$label: printed a result line"; return; }
    n=$(grep -c '^progrun:' "$err")
    [ "$n" = 1 ] || { fail "$label: $n progrun lines on stderr"; return; }
    last=$(tail -n 1 "$err")
    case "$last" in progrun:*) ;; *) fail "$label: the progrun line is not the last stderr line"; return ;; esac
    printf '%s\n' "$last" | grep -q -- "$pat" || { fail "$label: '$last' does not match '$pat'"; return; }
    pass "$label: $last"
}

tab=$(printf '\t')
NOPRE="-u LD_PRELOAD -u TIDE_CONF -u ALLOCBENCH_ALLOCATOR_FILE"
while IFS="$tab" read -r name binary kind metric better quick full smoke; do
    [ "$name" = name ] && continue
    if [ "$name" = redis-bench ]; then redis_smoke=$smoke; continue; fi
    if [ "$name" != cca ] && [ "$name" != gs ]; then
        [ "$binary" = "$PROGRUN" ] && [ "$kind $metric $better" = "c cpu_time lower" ] ||
            fail "$name: registry row says $binary $kind $metric $better"
        # shellcheck disable=SC2086
        set -- $smoke
        ENVARGS=$NOPRE good_run "$name glibc" "$LIBC" "$name" "$@"
        ENVARGS="-u TIDE_CONF LD_PRELOAD=$TIDE ALLOCBENCH_ALLOCATOR_FILE=$TIDE" good_run "$name tide" "$TIDE_REAL" "$name" "$@"
        # the same run against an EXPECT_FILE with another hash
        wargs="" seen=""
        for a in "$@"; do
            case "$a" in
            *.expect) if [ -z "$seen" ]; then   # the first hex digit changed
                          h=$(sed -n 's/^fnv1a64=\(.\).*/\1/p' "$a"); r=0; [ "$h" = 0 ] && r=1
                          sed "s/^fnv1a64=./fnv1a64=$r/" "$a" >"$tmp/wrong.expect"; a=$tmp/wrong.expect; seen=1
                      fi ;;
            esac
            wargs="$wargs $a"
        done
        # shellcheck disable=SC2086
        bad_run "$name wrong expected hash under tide" 1 \
            "^progrun: $name: wrong output under $TIDE_REAL (hash [0-9a-f]*, expected [0-9a-f]*)\$" \
            env -u TIDE_CONF LD_PRELOAD=$TIDE ALLOCBENCH_ALLOCATOR_FILE=$TIDE "$PROGRUN" --threads 1 $wargs
        continue
    fi
    [ "$binary" = "$PROGRUN" ] && [ "$kind $metric $better" = "c time lower" ] ||
        fail "$name: registry row says $binary $kind $metric $better"
    # smoke args are plain words: NAME EXPECT -- PROGRAM ARGS... INPUT
    # shellcheck disable=SC2086
    set -- $smoke
    for a in "$@"; do input=$a; done
    [ -f "$input" ] || fail "$name: input $input missing"
    ENVARGS=$NOPRE good_run "$name glibc" "$LIBC" "$name" "$@"
    ENVARGS="-u TIDE_CONF LD_PRELOAD=$TIDE ALLOCBENCH_ALLOCATOR_FILE=$TIDE" good_run "$name tide" "$TIDE_REAL" "$name" "$@"
    ENVARGS="LD_PRELOAD=$TIDE ALLOCBENCH_ALLOCATOR_FILE=$TIDE TIDE_CONF=preset:bsd2006" \
        good_run "$name tide-2006" "$TIDE_REAL" "$name" "$@"

    # A truncated input: cca gets the first half of its lines; gs the part
    # before its last page (whole pages, so gs itself succeeds).
    trunc=$tmp/trunc-$(basename "$input")
    case "$input" in
    *.ps) last=$(grep -n '^%%Page:' "$input" | tail -n 1 | cut -d: -f1)
          head -n $((${last:-2} - 1)) "$input" >"$trunc" ;;
    *) head -n $(($(wc -l <"$input") / 2)) "$input" >"$trunc" ;;
    esac
    targs=""
    for a in "$@"; do if [ "$a" = "$input" ]; then targs="$targs $trunc"; else targs="$targs $a"; fi; done
    # shellcheck disable=SC2086
    bad_run "$name truncated input under tide" 1 \
        "^progrun: $name: wrong output under $TIDE_REAL (hash [0-9a-f]*, expected [0-9a-f]*)\$" \
        env -u TIDE_CONF LD_PRELOAD=$TIDE ALLOCBENCH_ALLOCATOR_FILE=$TIDE "$PROGRUN" --threads 1 $targs
done <"$TSV"

# ---- redis-bench ----
mkdir -p "$tmp/rb"
# redis_run LABEL WANT_FILE ENV...: the registry's smoke arguments
redis_run() {
    label=$1 want=$2
    shift 2
    checks=$((checks + 1))
    # shellcheck disable=SC2086
    timeout -k 5 "$T_RUN" env "$@" REDISBENCH_TMPDIR="$tmp/rb" "$REDISBENCH" --threads 1 --pin none $redis_smoke >"$out" 2>"$err"
    rc=$?
    [ $rc -eq 0 ] || { fail "$label: exit status $rc ($(grep '^redis-bench:' "$err" | tail -n 1 | head -c 300))"; return; }
    file=$(sed -n 's/^ALLOCBENCH allocator file=\([^ ]*\)$/\1/p' "$out")
    [ "$file" = "$want" ] || { fail "$label: allocator file '$file', want '$want'"; return; }
    [ "$(grep -c '^ALLOCBENCH' "$out")" = 3 ] || { fail "$label: not exactly 3 ALLOCBENCH lines"; return; }
    grep '^ALLOCBENCH result ' "$out" | awk -v label="$label" '
    {
        for (i = 3; i <= NF; i++) { eq = index($i, "="); kv[substr($i, 1, eq - 1)] = substr($i, eq + 1) }
        if (kv["workload"] != "redis-bench" || kv["metric"] != "rps" || kv["better"] != "higher" ||
            kv["unit"] != "requests/s") { print "FAIL: " label ": " $0; bad = 1 }
        if (!(kv["value"] + 0 > 0) || !(kv["peak_rss"] + 0 > 1000000) || !(kv["cpu_s"] + 0 > 0)) {
            print "FAIL: " label ": value/peak_rss/cpu_s: " $0; bad = 1 }
        if (!(kv["rss_fill"] + 0 > 1000000) || !(kv["rss_after_delete"] + 0 > 1000000)) {
            print "FAIL: " label ": rss_fill/rss_after_delete missing"; bad = 1 }
        if (kv["keys_left"] * 2 != kv["keys"] || kv["rps_lrange_100"] == "" || kv["rps_mset"] == "") {
            print "FAIL: " label ": keys_left/per-test extras: " $0; bad = 1 }
    }
    END { exit bad }' || { fails=$((fails + 1)); return; }
    [ -z "$(ls -A "$tmp/rb")" ] || { fail "$label: left $(ls "$tmp/rb") behind"; return; }
    pass "$label ($(sed -n 's/^ALLOCBENCH result .* value=\([^ ]*\) .*/\1 requests\/s/p' "$out"))"
}
redis_run "redis-bench glibc (libc preloaded before the linked jemalloc)" "$LIBC" $NOPRE -u REDISBENCH_LINKED
redis_run "redis-bench tide" "$TIDE_REAL" -u TIDE_CONF LD_PRELOAD=$TIDE ALLOCBENCH_ALLOCATOR_FILE=$TIDE

# SIGINT while redis-benchmark runs: the server must be gone, its
# directory removed, the exit status 130, one line on stderr.
checks=$((checks + 1))
rdir=$tmp/rtmp
mkdir -p "$rdir"
# (a background job of a script starts with SIGINT ignored: env restores it)
env --default-signal=INT REDISBENCH_TMPDIR="$rdir" LD_PRELOAD=$TIDE "$REDISBENCH" 200000 2000 256 >"$out" 2>"$err" &
rpid=$!
spid=""
i=0
while [ $i -lt 100 ]; do
    spid=$(sed -n 's/^redis-bench: server pid \([0-9]*\) ready.*/\1/p' "$err")
    [ -n "$spid" ] && break
    sleep 0.1
    i=$((i + 1))
done
if [ -z "$spid" ]; then
    kill -KILL $rpid 2>/dev/null
    wait $rpid 2>/dev/null
    fail "redis-bench SIGINT: the server did not start ($(tail -n 1 "$err"))"
else
    sleep 0.5
    kill -INT $rpid
    wait $rpid
    rc=$?
    sleep 0.1
    if [ $rc -ne 130 ]; then fail "redis-bench SIGINT: exit status $rc, want 130 ($(tail -n 1 "$err"))"
    elif kill -0 "$spid" 2>/dev/null; then fail "redis-bench SIGINT: redis-server $spid still runs"; kill -KILL "$spid"
    elif [ -n "$(ls -A "$rdir")" ]; then fail "redis-bench SIGINT: left $(ls "$rdir")"
    elif ! tail -n 1 "$err" | grep -q '^redis-bench: interrupted by SIGINT; server stopped'; then
        fail "redis-bench SIGINT: last stderr line '$(tail -n 1 "$err")'"
    elif grep -q '^ALLOCBENCH result' "$out"; then fail "redis-bench SIGINT: printed a result line"
    else pass "redis-bench SIGINT: server $spid stopped, directory removed"
    fi
fi
checks=$((checks + 1))
if timeout -k 5 "$T_BAD" "$REDISBENCH" 10 >"$out" 2>"$err"; then fail "redis-bench requests=10: exit 0"
elif [ $? -ne 2 ] || [ "$(wc -l <"$err")" -ne 1 ]; then fail "redis-bench requests=10: want exit 2 and one line"
else pass "redis-bench requests=10: $(cat "$err")"
fi

# A helper of the program that drops LD_PRELOAD escapes the allocator.
bad_run "tree check: a helper without LD_PRELOAD" 1 "escaped the allocator: .*sleep" \
    env -u TIDE_CONF LD_PRELOAD=$TIDE ALLOCBENCH_ALLOCATOR_FILE=$TIDE "$PROGRUN" x "$tmp/null.expect" -- \
    perl -e 'delete $ENV{LD_PRELOAD}; exit(system("sleep", "0.3") >> 8)'
bad_run "bad --metric" 2 "metric must be time or cpu" \
    "$PROGRUN" --metric wall x "$tmp/null.expect" -- true
bad_run "bad --setenv" 2 "setenv wants NAME=VALUE" \
    "$PROGRUN" --setenv NOVALUE x "$tmp/null.expect" -- true

checks=$((checks + 1))
if "$PROGRUN" --hash-only /dev/null >"$tmp/null.expect" &&
    [ "$(cat "$tmp/null.expect")" = "fnv1a64=cbf29ce484222325 bytes=0" ]; then
    pass "--hash-only /dev/null"
else
    fail "--hash-only /dev/null: '$(cat "$tmp/null.expect")'"
fi
bad_run "missing EXPECT_FILE" 2 "cannot open EXPECT_FILE" \
    "$PROGRUN" x "$tmp/does-not-exist.expect" -- true
printf 'fnv1a64=xyz\n' >"$tmp/corrupt.expect"
bad_run "corrupt EXPECT_FILE" 2 "corrupt EXPECT_FILE" \
    "$PROGRUN" x "$tmp/corrupt.expect" -- true
bad_run "program killed by SIGSEGV" 1 "killed by signal 11" \
    "$PROGRUN" x "$tmp/null.expect" -- sh -c 'kill -SEGV $$'
bad_run "program exits 3" 1 "exited with status 3" \
    "$PROGRUN" x "$tmp/null.expect" -- sh -c 'sleep 0.2; exit 3'
# shellcheck disable=SC2086
bad_run "wrong output" 1 "^progrun: x: wrong output under .*libc\.so\.6 (hash [0-9a-f]*, expected cbf29ce484222325)\$" \
    env $NOPRE "$PROGRUN" x "$tmp/null.expect" -- sh -c 'sleep 0.2; echo hello'
bad_run "program not found" 2 "cannot execute" \
    "$PROGRUN" x "$tmp/null.expect" -- "$tmp/no-such-program"
bad_run "missing --" 2 "missing '--'" \
    "$PROGRUN" x "$tmp/null.expect" true
bad_run "unknown option" 2 "unknown option" \
    "$PROGRUN" --bogus x "$tmp/null.expect" -- true
bad_run "bad --threads" 2 "threads" \
    "$PROGRUN" --threads 0 x "$tmp/null.expect" -- true

echo "test-programs: $checks checks, $fails failed"
[ "$checks" -eq "$EXPECT_CHECKS" ] || { echo "FAIL: ran $checks checks, expected $EXPECT_CHECKS"; exit 1; }
[ "$fails" -eq 0 ] || exit 1
exit 0
