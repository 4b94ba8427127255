#!/bin/sh
# run.sh: run the multi-thread stress test (stress.c) under LD_PRELOAD in
# each of tide's configurations.
#
#   run.sh quick|long STRESS_BIN LIBTIDE_SO DEBUG_LIBTIDE_SO
#
#   quick  (make test-stress) fixed counts, a few seconds per configuration
#   long   (make stress) each configuration runs for STRESS_SECONDS seconds
#          (default 60) with more threads and more operations per round
#
# Configurations: LIBTIDE_SO with the defaults and with TIDE_CONF=
# tcache:false, preset:bsd2006, preset:secure, dirty_decay_ms:0, dirty_decay_ms:-1,
# class_refine_kb:0, class_refine_kb:-1 and background_thread:true; then
# DEBUG_LIBTIDE_SO (invariant checks) with the defaults, tcache:false,
# preset:bsd2006 and preset:secure, with smaller counts. STRESS_SEED (default 1) is the seed of
# every run; STRESS_TIMEOUT overrides the time limit of each run (quick: 60 s,
# long: STRESS_SECONDS + 120). The test checks through mallctl that it runs on tide, and on the
# debug build where it should (STRESS_EXPECT), so a preload that did not take
# fails; so does a TIDE_CONF complaint on the output.
#
# Every run is under `timeout -k 5`; a timeout, a crash or any non-zero exit
# without a FAIL line is a failure with a line of its own. One PASS or FAIL
# line per configuration; the last line is "N passed, N failed", and the exit
# status is 1 on any failure, including a number of runs other than the
# number expected.
set -u
if [ $# -ne 4 ] || { [ "$1" != quick ] && [ "$1" != long ]; }; then
    echo "usage: run.sh quick|long STRESS_BIN LIBTIDE_SO DEBUG_LIBTIDE_SO" >&2
    exit 2
fi
MODE=$1 BIN=$2 REL=$3 DBG=$4
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
BIN=$(abs "$BIN") REL=$(abs "$REL") DBG=$(abs "$DBG")
for f in "$BIN" "$REL" "$DBG"; do
    [ -f "$f" ] || { echo "run.sh: $f: not built" >&2; exit 2; }
done
SEED=${STRESS_SEED:-1}
SECS=${STRESS_SECONDS:-60}

# Arguments of stress (threads rounds scale [seconds]) and the time limit.
if [ "$MODE" = quick ]; then
    REL_ARGS="4 12 2" DBG_ARGS="4 8 1" LIMIT=60
else
    case $SECS in '' | *[!0-9]*) echo "run.sh: STRESS_SECONDS must be a number of seconds" >&2; exit 2 ;; esac
    REL_ARGS="8 1000000 4" DBG_ARGS="4 1000000 2" LIMIT=$((SECS + 120))
fi
LIMIT=${STRESS_TIMEOUT:-$LIMIT}

REL_CONFS="default tcache:false preset:bsd2006 preset:secure dirty_decay_ms:0 dirty_decay_ms:-1 class_refine_kb:0 class_refine_kb:-1 background_thread:true"
DBG_CONFS="default tcache:false preset:bsd2006 preset:secure"
EXPECTED=$(($(echo $REL_CONFS | wc -w) + $(echo $DBG_CONFS | wc -w)))

OUT=$(mktemp /tmp/stress-out.XXXXXX) || exit 1
trap 'rm -f "$OUT"' EXIT INT TERM
npass=0 nfail=0 nrun=0
T0=$(date +%s)

# one LABEL LIB EXPECT CONF THREADS ROUNDS SCALE
one() {
    label=$1 lib=$2 expect=$3 conf=$4 threads=$5 rounds=$6 scale=$7
    nrun=$((nrun + 1))
    set -- "$BIN" "$threads" "$rounds" "$scale" "$SEED"
    [ "$MODE" = long ] && set -- "$@" "$SECS"
    s0=$(date +%s)
    if [ "$conf" = default ]; then
        timeout -k 5 "$LIMIT" env -u TIDE_CONF STRESS_EXPECT="$expect" LD_PRELOAD="$lib" "$@" > "$OUT" 2>&1
    else
        timeout -k 5 "$LIMIT" env TIDE_CONF="$conf" STRESS_EXPECT="$expect" LD_PRELOAD="$lib" "$@" > "$OUT" 2>&1
    fi
    rc=$?
    secs=$(($(date +%s) - s0))
    # Everything but the verdict line is shown, indented.
    grep -v -E '^(PASS|FAIL) stress:' "$OUT" | sed "s/^/  [$label] /"
    if [ $rc -eq 0 ] && grep -q '^PASS stress:' "$OUT" && ! grep -q '^FAIL' "$OUT" &&
        ! grep -q 'TIDE_CONF:' "$OUT"; then
        echo "PASS [$label] $(grep -m1 '^PASS stress:' "$OUT" | sed 's/^PASS //') [${secs} s]"
        npass=$((npass + 1))
        return
    fi
    nfail=$((nfail + 1))
    if grep -q '^FAIL' "$OUT"; then
        echo "FAIL [$label] $(grep -m1 '^FAIL' "$OUT" | sed 's/^FAIL //') (exit status $rc)"
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        echo "FAIL [$label] stress: timed out after ${LIMIT} s without a FAIL line"
    elif [ $rc -gt 128 ]; then
        echo "FAIL [$label] stress: killed by signal $((rc - 128)) without a FAIL line (crash)"
    elif [ $rc -ne 0 ]; then
        echo "FAIL [$label] stress: exit status $rc without a FAIL line"
    elif grep -q 'TIDE_CONF:' "$OUT"; then
        echo "FAIL [$label] stress: tide complained about TIDE_CONF=$conf"
    else
        echo "FAIL [$label] stress: exit status 0 without a PASS line"
    fi
}

for c in $REL_CONFS; do
    # shellcheck disable=SC2086
    one "$c" "$REL" tide "$c" $REL_ARGS
done
for c in $DBG_CONFS; do
    # shellcheck disable=SC2086
    one "debug $c" "$DBG" tide-debug "$c" $DBG_ARGS
done

if [ "$nrun" -ne "$EXPECTED" ] || [ $((npass + nfail)) -ne "$EXPECTED" ]; then
    echo "FAIL run.sh: made $nrun runs ($npass passed, $nfail failed), expected $EXPECTED"
    nfail=$((nfail + 1))
fi
echo "---- stress ($MODE, seed $SEED), $(($(date +%s) - T0)) s"
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
