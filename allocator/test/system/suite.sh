#!/bin/sh
# suite.sh: run tide's system tests in their configurations and summarise.
#
#   suite.sh tide       (make test-system) against allocator/libtide.so, twice:
#                       [default] and [bsd2006] (TIDE_CONF=preset:bsd2006),
#                       each: conc, tls_cxx, memret, oom, programs, redis; then
#                       oom with TIDE_CONF=preset:secure [secure] where tide
#                       accepts that preset (SKIP lines otherwise); then the
#                       concurrency tests (conc, tls_cxx) with reduced counts on
#                       [debug] build/debug/libtide.so and [tsan]
#                       build/tsan/libtide.so
#   suite.sh tsan       the [tsan] part only
#   suite.sh glibc      (make test-system-glibc) the same tests against glibc;
#                       tide-specific checks are skipped; redis runs without
#                       preload (its own jemalloc)
#   suite.sh selfcheck  (make test-system-selfcheck) chosen tests against the
#                       deliberately broken build/systest/libbroken.so; each
#                       must FAIL, and is reported PASS when it does
#
# Every mode starts with [self] checks of the machinery: a command that hangs
# is stopped and everything it started is gone (bounded), processes a
# command leaves behind are found, and Check's fork mode kills a timed-out
# test with its grandchild (ckhang).
#
# Every program runs under build/systest/bounded: a time limit, after which
# the program and every process it started are killed (SIGTERM, SIGKILL 10 s
# later), whatever process group or session they moved to; a program that
# ends and leaves processes running is a failure too (they are killed).
#
# Every line a test prints is shown with its configuration label; PASS, FAIL
# and SKIP lines are counted, and a program that exits non-zero without
# printing a FAIL line (crash, timeout) counts as one failure. A skipped test
# is not a pass. The number of results must be the number this script
# expects for the mode (EXPECT_* below): a test that vanished, or a program
# that stopped early without saying so, fails the suite. The last line is
# "N passed, N failed, N skipped"; the exit status is 1 if anything failed.
#
# TSan: the test programs are built with -fsanitize=thread (gcc: shared
# libtsan; clang: -shared-libsan) and build/tsan/libtide.so is preloaded.
# The preload comes before the TSan runtime in symbol lookup, so the
# program's and libc's malloc/free resolve to tide, not to TSan's own
# allocator, and tide's instrumented atomics and locks give TSan the
# happens-before edges that make reuse of a freed block race-free (the TSan
# build of tide serves the runtime's own start-up allocations itself, see
# allocator/src/tsanboot.c). The conc "allocator" test checks that tide
# serves malloc. TSan reports end the process with exitcode 66, which fails
# the test.
set -u
MODE=${1:-tide}
BIN=build/systest
SRC=allocator/test/system
BOUNDED=$PWD/$BIN/bounded

# ---- expected number of results (PASS + FAIL + SKIP lines) per mode ---------
# [self]: bounded's two checks and ckhang                                 3
# one full configuration: conc 6, tls_cxx 1, memret 4, oom 12,
#   programs 10 (python, git, gcc, cxx, linked_dyn 3, linked_static 3),
#   redis 9 (start, benchmark, info_memory, malloc_stats, memory_purge,
#   bgsave, alive, shutdown, commands)                                   42
#   with glibc: conc 6 + 3 SKIP (exact leak checks: tide's stats), memret
#   2 + 2 SKIP (tide's purge), programs 4 + 2 SKIP (linked with tide)    41
# [secure]: oom's 12 cases, run or SKIP                                  12
# [debug]: conc 6, tls_cxx 1                                              7
# [tsan]: 6 conc tests, tls_cxx, fork_busy again, 2 SKIP (fork_busy's
#   child thread, twice) and 4 SKIP (the exact leak checks of
#   producer_consumer, thread_churn and fork_busy twice: the TSan runtime
#   allocates through tide)                                              14
# selfcheck: 11 broken set-ups, each must fail                           11
#   and the 3 broken builds of tide under the stress test, default and
#   tcache:false                                                          6
#   and 2 of them (not the lost remote frees) under the fuzzer            4
EXPECT_tide=$((3 + 42 + 42 + 12 + 7 + 14))
EXPECT_tsan=$((3 + 14))
EXPECT_glibc=$((3 + 41))
BROKEN_BUILDS="zeroing twice remote"
STRESS=build/test/stress/stress
FUZZER=build/fuzz/fuzz_alloc
EXPECT_selfcheck=$((3 + 11 + 3 * 2 + 2 * 2))

RESULTS=$(mktemp /tmp/systest-results.XXXXXX) || exit 1
trap 'rm -f "$RESULTS"' EXIT
T0=$(date +%s)
[ -x "$BOUNDED" ] || { echo "suite.sh: $BOUNDED is missing (run make)" >&2; exit 1; }

# result LINE: a result line of the suite's own, shown and counted.
result() { echo "$1" | tee -a "$RESULTS"; }

# run LABEL NAME TIMEOUT CMD...: run a test program (NAME names it in messages).
run() {
    label=$1 name=$2 to=$3
    shift 3
    out=$(mktemp /tmp/systest-out.XXXXXX)
    s0=$(date +%s)
    "$BOUNDED" -k 10 "$to" "$@" > "$out" 2>&1
    rc=$?
    sed -e "s/^\(PASS\|FAIL\|SKIP\|INFO\) /\1 [$label] /" -e "t" -e "s/^/  [$label] /" "$out"
    grep -E '^(PASS|FAIL|SKIP) ' "$out" | sed "s/^\(PASS\|FAIL\|SKIP\) /\1 [$label] /" >> "$RESULTS"
    left=$(grep -m1 '^bounded: .*left running' "$out")
    if [ -n "$left" ]; then
        result "FAIL [$label] $name: ${left#bounded: }"
    elif [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
        why="exit status $rc"
        [ $rc -eq 124 ] && why="timed out after ${to}s (killed with every process it started)"
        result "FAIL [$label] $name: $why without a FAIL line"
    fi
    echo "INFO [$label] $name took $(($(date +%s) - s0)) s"
    rm -f "$out"
}

# expect_fail LABEL TIMEOUT CMD...: for selfcheck; PASS if the command fails.
expect_fail() {
    label=$1 to=$2
    shift 2
    out=$(mktemp /tmp/systest-out.XXXXXX)
    "$BOUNDED" -k 10 "$to" "$@" > "$out" 2>&1
    rc=$?
    sed "s/^/  [$label] /" "$out"
    if [ $rc -ne 0 ]; then
        result "PASS [$label] detected: $(grep -m1 '^FAIL' "$out" || echo "exit status $rc")"
    else
        result "FAIL [$label] the broken allocator was not detected"
    fi
    rm -f "$out"
}

# running PID: true while PID runs (exists and is not a zombie).
running() {
    [ -n "$1" ] || return 1
    st=$(ps -o stat= -p "$1" 2> /dev/null) || return 1
    case $st in Z* | X* | "") return 1 ;; esac
    return 0
}

# The machinery: a hung command is stopped with everything it started (in
# its process group, in a session of its own, orphaned), processes left by
# a command that ended are found and killed, and Check's fork mode kills a
# timed-out test's grandchild.
selftest() {
    d=$(mktemp -d /tmp/systest-self.XXXXXX)
    "$BOUNDED" -k 1 1 sh -c '
        sh -c "trap \"\" TERM; exec sleep 300" & echo $! > "$0/p1"
        setsid sleep 300 & echo $! > "$0/p2"
        (sleep 300 & echo $! > "$0/p3")
        sleep 300' "$d" > "$d/out" 2>&1
    rc=$?
    left=""
    for f in p1 p2 p3; do
        pid=$(cat "$d/$f" 2> /dev/null)
        [ -n "$pid" ] || left="$left (no $f)"
        if running "$pid"; then left="$left $pid"; kill -9 "$pid"; fi
    done
    if [ $rc -eq 124 ] && [ -z "$left" ]; then
        result "PASS [self] bounded/hang: timed out (124); the command, a TERM-ignoring child, a setsid child and an orphan are gone"
    else
        result "FAIL [self] bounded/hang: status $rc, still running:${left:- none}: $(tr '\n' ' ' < "$d/out")"
    fi
    "$BOUNDED" 20 sh -c 'sleep 300 & echo $! > "$0/p4"' "$d" > "$d/out" 2>&1
    rc=$?
    pid=$(cat "$d/p4" 2> /dev/null)
    if [ $rc -eq 125 ] && grep -q '^bounded: 1 process(es) left running' "$d/out" && [ -n "$pid" ] && ! running "$pid"; then
        result "PASS [self] bounded/left_running: a process left behind is reported (125) and killed"
    else
        running "$pid" && kill -9 "$pid"
        result "FAIL [self] bounded/left_running: status $rc, output: $(tr '\n' ' ' < "$d/out")"
    fi
    rm -rf "$d"
    run self ckhang 30 "$BIN/ckhang"
}

# full LABEL LIB: the whole suite with LIB preloaded (empty: glibc).
full() {
    label=$1 lib=$2
    pre=${lib:+LD_PRELOAD=$PWD/$lib}
    run "$label" conc 300 env $pre "$BIN/conc"
    run "$label" tls_cxx 120 env $pre "$BIN/tls_cxx" 400
    run "$label" memret 300 env $pre "$BIN/memret"
    run "$label" oom 120 env $pre "$BIN/oom"
    run "$label" programs 300 env SYSTEST_PRELOAD="$lib" SYSTEST_BIN="$BIN" sh "$SRC/programs.sh"
    run "$label" redis 300 env SYSTEST_PRELOAD="$lib" SYSTEST_BIN="$BIN" sh "$SRC/redis.sh"
}

# oom with TIDE_CONF=preset:secure, where tide accepts that preset: the
# probe must print exactly "secure" (opt.preset), and nothing on stderr
# (tide names a bad TIDE_CONF value there). Otherwise every case is SKIP.
secure_part() {
    probe=$("$BOUNDED" 20 env TIDE_CONF=preset:secure LD_PRELOAD="$PWD/allocator/libtide.so" "$BIN/oom" --preset 2>&1)
    if [ "$probe" = secure ]; then
        run secure oom 120 env TIDE_CONF=preset:secure LD_PRELOAD="$PWD/allocator/libtide.so" "$BIN/oom"
    else
        why=$(printf '%s' "$probe" | tr '\n' ' ' | cut -c1-120)
        for c in $("$BIN/oom" --list); do
            result "SKIP [secure] oom/$c: TIDE_CONF=preset:secure is not accepted (probe: $why)"
        done
    fi
}

tide_checks() {
    for f in "$@"; do
        [ -f "$f" ] || { echo "suite.sh: $f is missing (run make test-system)" >&2; exit 1; }
    done
    export SYSTEST_ALLOC=tide
}

tsan_part() {
    # ThreadSanitizer build, smaller counts still; RSS includes TSan's shadow
    # memory, so the bound is lifted (the leak checks are those of the runs
    # above). Check runs without fork here (a forked Check child of a TSan
    # process did not get its timeout signal), so each test runs as its own
    # process under bounded; handle_segv=0 makes a crash end the process at
    # once instead of hanging in TSan's report of it.
    export SYSTEST_QUICK=tsan SYSTEST_RSS_MB=4096 CK_FORK=no \
        TSAN_OPTIONS="halt_on_error=1 exitcode=66 die_after_fork=0 handle_segv=0 suppressions=$PWD/$SRC/tsan.supp"
    TSAN_PRE="$PWD/build/tsan/libtide.so"
    for t in allocator producer_consumer thread_churn late_key_dtor thread_atexit_dtor fork_busy; do
        run tsan "conc/$t" 40 env LD_PRELOAD="$TSAN_PRE" "$BIN/conc-tsan" $t
    done
    run tsan tls_cxx 20 env LD_PRELOAD="$TSAN_PRE" "$BIN/tls_cxx-tsan" 48
    # Size classes refined while other threads allocate (sc_refine at each
    # coarse class's first slab): the class table's stores race its loads.
    run tsan "conc/fork_busy refine" 40 env TIDE_CONF=class_refine_kb:0 LD_PRELOAD="$TSAN_PRE" \
        "$BIN/conc-tsan" fork_busy
    unset SYSTEST_QUICK SYSTEST_RSS_MB TSAN_OPTIONS CK_FORK
}

case $MODE in
tide)
    tide_checks allocator/libtide.so build/debug/libtide.so build/tsan/libtide.so $BIN/conc-tsan
    unset TIDE_CONF
    selftest
    full default allocator/libtide.so
    TIDE_CONF=preset:bsd2006 && export TIDE_CONF
    full bsd2006 allocator/libtide.so
    unset TIDE_CONF
    secure_part
    # Debug build: invariant checks after slow-path steps; reduced counts.
    export SYSTEST_QUICK=1
    run debug conc 300 env LD_PRELOAD="$PWD/build/debug/libtide.so" "$BIN/conc"
    run debug tls_cxx 120 env LD_PRELOAD="$PWD/build/debug/libtide.so" "$BIN/tls_cxx" 104
    unset SYSTEST_QUICK
    tsan_part
    EXPECT=$EXPECT_tide
    ;;
tsan)
    tide_checks build/tsan/libtide.so $BIN/conc-tsan
    unset TIDE_CONF
    selftest
    tsan_part
    EXPECT=$EXPECT_tsan
    ;;
glibc)
    export SYSTEST_ALLOC=glibc
    unset TIDE_CONF
    selftest
    full glibc ""
    EXPECT=$EXPECT_glibc
    ;;
selfcheck)
    export SYSTEST_ALLOC=glibc
    unset TIDE_CONF
    selftest
    B=$PWD/$BIN/libbroken.so
    export BROKEN_MODE=leak
    expect_fail leak 120 env LD_PRELOAD="$B" "$BIN/conc" producer_consumer
    expect_fail leak 120 env LD_PRELOAD="$B" "$BIN/conc" thread_churn
    expect_fail leak 120 env LD_PRELOAD="$B" "$BIN/memret" trim
    export BROKEN_MODE=forklock
    expect_fail forklock 120 env LD_PRELOAD="$B" "$BIN/conc" fork_busy
    # no mode: glibc's malloc with libjemalloc's mallctl, idle (what a
    # preload without mallctl gives): INFO memory must not look right.
    export BROKEN_MODE=none
    expect_fail idle-jemalloc 300 env SYSTEST_PRELOAD="$B" SYSTEST_ALLOC=glibc SYSTEST_BIN="$BIN" sh "$SRC/redis.sh"
    # tide that never purges, and tide without its background thread while
    # the program sleeps: the memory-return children must fail.
    unset BROKEN_MODE
    expect_fail tide-no-decay 60 env TIDE_CONF=dirty_decay_ms:-1 LD_PRELOAD="$PWD/allocator/libtide.so" \
        "$BIN/memret" --child decay
    expect_fail tide-no-bg-thread 60 env TIDE_CONF=dirty_decay_ms:500 LD_PRELOAD="$PWD/allocator/libtide.so" \
        "$BIN/memret" --child bg
    # glibc's malloc while tide is claimed: the allocator checks must notice.
    expect_fail not-tide 60 env SYSTEST_ALLOC=tide "$BIN/conc" allocator
    # tide losing every 64th small free: too little for the RSS bounds; the
    # exact stats.allocated checks must notice (with preset:bsd2006).
    export BROKEN_MODE=leak64
    for t in producer_consumer thread_churn fork_busy; do
        expect_fail leak64 120 env SYSTEST_ALLOC=tide TIDE_CONF=preset:bsd2006 \
            LD_PRELOAD="$B $PWD/allocator/libtide.so" "$BIN/conc" $t
    done
    unset BROKEN_MODE
    # Deliberately broken builds of tide (TIDE_BREAKS in allocator/tide.mk):
    # calloc of one class not zeroed, a block handed out twice, remote frees
    # lost. The randomized checks must catch each, with and without the
    # thread cache: the stress test (allocator/test/stress/) all three, the
    # fuzzer (allocator/test/fuzz/, it has no leak check) the first two.
    for m in $BROKEN_BUILDS; do
        for conf in default tcache:false; do
            expect_fail "broken-$m stress $conf" 120 env TIDE_CONF="$(echo $conf | sed s/^default$//)" \
                STRESS_EXPECT=tide LD_PRELOAD="$PWD/build/broken-$m/libtide.so" "$STRESS" 4 12 2 1
            [ "$m" = remote ] && continue
            expect_fail "broken-$m fuzz $conf" 300 env FUZZ_ONLY="$conf" sh allocator/test/fuzz/run.sh quick \
                "$FUZZER" "build/broken-$m/libtide.so" build/debug/libtide.so
        done
    done
    EXPECT=$EXPECT_selfcheck
    ;;
*)
    echo "usage: suite.sh tide|tsan|glibc|selfcheck" >&2
    exit 2
    ;;
esac

np=$(grep -c '^PASS' "$RESULTS")
nf=$(grep -c '^FAIL' "$RESULTS")
ns=$(grep -c '^SKIP' "$RESULTS")
if [ $((np + nf + ns)) -ne "$EXPECT" ]; then
    result "FAIL [suite] $((np + nf + ns)) results (PASS, FAIL, SKIP lines), expected $EXPECT for mode $MODE"
    nf=$((nf + 1))
fi
echo "---- system tests ($MODE), $(($(date +%s) - T0)) s; failures:"
grep '^FAIL' "$RESULTS" || echo "  none"
if [ "$ns" -gt 0 ]; then
    echo "---- skipped:"
    grep '^SKIP' "$RESULTS"
fi
echo "$np passed, $nf failed, $ns skipped"
[ "$nf" -eq 0 ]
