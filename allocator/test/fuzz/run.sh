#!/bin/sh
# run.sh: run the allocation-sequence fuzzer (fuzz_alloc) against tide in
# every configuration.
#
#   sh allocator/test/fuzz/run.sh quick FUZZER REL_LIB DEBUG_LIB [RUNS]
#   sh allocator/test/fuzz/run.sh long  FUZZER REL_LIB DEBUG_LIB [SECONDS]
#
# quick (make test-fuzz): each configuration runs the seed corpus and then
#   mutations of it, RUNS inputs in all (default 500), with -seed=1 and a
#   fresh scratch corpus: the same inputs every time.
# long (make fuzz): SECONDS (default 300) split between the configurations
#   (-max_total_time), random seeds, the corpus kept in build/fuzz/corpus.
#
# The configurations: LD_PRELOAD=REL_LIB with the defaults and with each
# TIDE_CONF below, and LD_PRELOAD=DEBUG_LIB (invariant checks) with the
# defaults, tcache:false, preset:bsd2006 and preset:secure (FUZZ_ONLY: a
# subset, by label). Each run checks, from the fuzzer's first line,
# that tide runs with the options it is named after. Crash inputs are kept
# in build/fuzz/artifacts. One PASS/FAIL line per configuration, then
# "N passed, N failed"; exit status 1 if any failed or if not every
# configuration ran, 2 on a usage error.
set -u

usage() {
    echo "usage: run.sh quick|long FUZZER REL_LIB DEBUG_LIB [RUNS|SECONDS]" >&2
    exit 2
}
[ $# -ge 4 ] && [ $# -le 5 ] || usage
mode=$1
fuzzer=$2
rel=$3
dbg=$4
case $mode in
quick) amount=${5:-500} ;;
long) amount=${5:-300} ;;
*) usage ;;
esac
case $amount in '' | *[!0-9]*) usage ;; esac
for f in "$fuzzer" "$rel" "$dbg"; do
    [ -f "$f" ] || { echo "run.sh: $f: not built" >&2; exit 2; }
done
# LD_PRELOAD wants absolute paths (the fuzzer may run from anywhere).
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
fuzzer=$(abs "$fuzzer")
rel=$(abs "$rel")
dbg=$(abs "$dbg")

out=build/fuzz
seeds=$out/seeds
art=$out/artifacts
mkdir -p "$out" "$art" || exit 2
rm -rf "$seeds"
LD_PRELOAD=$rel FUZZ_ALLOC_SEEDS=$seeds "$fuzzer" >/dev/null 2>&1 && [ -n "$(ls "$seeds")" ] || {
    echo "run.sh: writing the seed corpus to $seeds failed" >&2
    exit 2
}
scratch=$(mktemp -d /tmp/fuzz_alloc.XXXXXX) || exit 2
trap 'rm -rf "$scratch"' EXIT

# label|library|TIDE_CONF (- for none)|what the fuzzer's first line must say
configs="default|rel|-|debug=0 tcache=1 dirty_decay_ms=1000 class_refine_kb=4096 background_thread=0 preset=default
tcache:false|rel|tcache:false|debug=0 tcache=0
preset:bsd2006|rel|preset:bsd2006|debug=0 tcache=0 preset=bsd2006
dirty_decay_ms:0|rel|dirty_decay_ms:0|debug=0 dirty_decay_ms=0
dirty_decay_ms:-1|rel|dirty_decay_ms:-1|debug=0 dirty_decay_ms=-1
dirty_decay_ms:1|rel|dirty_decay_ms:1|debug=0 dirty_decay_ms=1
class_refine_kb:0|rel|class_refine_kb:0|debug=0 class_refine_kb=0
class_refine_kb:-1|rel|class_refine_kb:-1|debug=0 class_refine_kb=-1
background_thread:true|rel|background_thread:true|debug=0 background_thread=1
preset:secure|rel|preset:secure|debug=0 tcache=0 preset=secure
debug, default|dbg|-|debug=1 tcache=1 preset=default
debug, tcache:false|dbg|tcache:false|debug=1 tcache=0
debug, preset:bsd2006|dbg|preset:bsd2006|debug=1 tcache=0 preset=bsd2006
debug, preset:secure|dbg|preset:secure|debug=1 tcache=0 preset=secure"
expected=14
# FUZZ_ONLY="LABEL ..." runs only those configurations (the self-check).
if [ -n "${FUZZ_ONLY:-}" ]; then
    keep=""
    for l in $FUZZ_ONLY; do
        line=$(printf '%s\n' "$configs" | grep "^$l|") || { echo "run.sh: FUZZ_ONLY: no configuration $l" >&2; exit 2; }
        keep="$keep${keep:+
}$line"
    done
    configs=$keep
    expected=$(echo $FUZZ_ONLY | wc -w)
fi

nconf=$(printf '%s\n' "$configs" | wc -l)
[ "$nconf" -eq "$expected" ] || { echo "run.sh: $nconf configurations listed, $expected expected" >&2; exit 1; }
if [ "$mode" = long ]; then
    per=$((amount / expected))
    [ "$per" -ge 5 ] || per=5
    corpus=$out/corpus
    mkdir -p "$corpus" || exit 2
    echo "fuzz: $expected configurations, $per s each, corpus $corpus"
fi

passed=0
failed=0
ran=0
nl='
'
IFS_SAVE=$IFS
IFS=$nl
for line in $configs; do
    IFS=$IFS_SAVE
    label=${line%%|*}
    rest=${line#*|}
    which=${rest%%|*}
    rest=${rest#*|}
    conf=${rest%%|*}
    want=${rest#*|}
    lib=$rel
    [ "$which" = dbg ] && lib=$dbg
    tag=$(printf '%s' "$label" | tr -c 'A-Za-z0-9_.\n-' '_')
    log=$scratch/$tag.log
    if [ "$mode" = quick ]; then
        rm -rf "$scratch/corpus" && mkdir "$scratch/corpus"
        set -- -seed=1 -runs="$amount" "$scratch/corpus" "$seeds"
        limit=240
    else
        set -- -max_total_time="$per" "$corpus" "$seeds"
        limit=$((per + 120))
    fi
    if [ "$conf" = - ]; then setconf="-u TIDE_CONF"; else setconf="TIDE_CONF=$conf"; fi
    start=$(date +%s)
    # shellcheck disable=SC2086
    timeout -k 5 "$limit" env $setconf LD_PRELOAD="$lib" "$fuzzer" -max_len=4096 -timeout=30 -rss_limit_mb=3072 \
        -print_final_stats=1 -artifact_prefix="$art/$tag-" "$@" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    ran=$((ran + 1))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    why=""
    kept=""
    head=$(grep -m 1 '^fuzz_alloc: started on tide ' "$log")
    if [ -z "$head" ]; then
        why="the fuzzer did not start on tide: $(grep -m 1 '^fuzz_alloc:' "$log")"
    else
        for w in $want; do
            case " ${head#*: } " in *" $w "*) ;; *) why="expected $w: $head" ;; esac
        done
    fi
    if [ -z "$why" ] && [ $rc -ne 0 ]; then
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then why="timed out after $limit s"
        else why=$(grep -m 1 -e 'CHECK FAILED' -e 'ERROR: libFuzzer' "$log"); fi
        [ -n "$why" ] || why="exit status $rc"
        kept=$(sed -n "s/.*Test unit written to //p" "$log" | tail -n 1)
    fi
    if [ -z "$why" ] && [ "$mode" = quick ] && [ "${runs:-0}" -lt "$amount" ]; then
        why="ran ${runs:-no} inputs, $amount expected"
    fi
    lname=$(basename "$lib")
    [ "$which" = dbg ] && lname="debug/$lname"
    if [ -z "$why" ]; then
        passed=$((passed + 1))
        echo "PASS  $label ($lname): ${runs:-?} inputs in $secs s"
    else
        failed=$((failed + 1))
        echo "FAIL  $label ($lname): $why"
        cp "$log" "$art/$tag.log" 2>/dev/null && echo "      log: $art/$tag.log"
        [ -n "$kept" ] && echo "      input: $kept"
    fi
    IFS=$nl
done
IFS=$IFS_SAVE
if [ "$ran" -ne "$expected" ]; then
    echo "run.sh: ran $ran configurations, $expected expected" >&2
    failed=$((failed + expected - ran))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
