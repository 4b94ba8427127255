#!/bin/sh
# smoke.sh: end-to-end tests of allocbench (part of `make test-harness`).
#  1. every allocator x every registered workload, smoke arguments, 1 rep:
#     every cell must succeed, be verified and have a metric value;
#  2. bad input: one clear line on stderr, non-zero exit, no results folder;
#  3. a forced crash, a non-zero exit, a hang (timeout) and bad output are
#     recorded as failed runs and the rest of the matrix completes;
#  4. a preloaded library that does not serve malloc is refused;
#  5. SIGINT keeps the finished rows; 6. plot draws every figure.
# Run from the repository root. Missing workload binaries are a failure.
# Every allocbench command has a time limit (timeout -k 10: SIGTERM to its
# process group, SIGKILL 10 s later); the hung workload (fakework hang,
# whose child ignores SIGTERM) must leave no process behind. With no
# failure, exactly EXPECT_PASS checks must have passed.
set -u
ABIN=build/harness/allocbench
EXPECT_PASS=31
AB="timeout -k 10 600 $ABIN"   # unquoted where used: a command and its words
T=$(mktemp -d /tmp/ab-smoke-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0 npass=0
pass() { echo "  ok   $1"; npass=$((npass + 1)); }
fail() { echo "  FAIL $1"; fails=$((fails + 1)); }
# running PID: PID exists and is not a zombie.
running() {
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    case $st in Z* | X* | "") return 1 ;; esac
}

# csvcol FILE NAME: print column NAME of a CSV file whose first columns are
# free of quoted commas (true for runs.csv up to 'note', the last column).
csvcol() {
    awk -F, -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' "$1"
}
# rows FILE COND: the run_id,allocator,workload,status... lines matching an awk condition on named columns
sel() {
    awk -F, -v want="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        { split(want, kv, "&"); ok = 1
          for (k in kv) { split(kv[k], p, "="); if ($(h[p[1]]) != p[2]) ok = 0 }
          if (ok) n++ }
        END { print n + 0 }' "$1"
}

[ -x "$ABIN" ] || { echo "smoke: $ABIN not built"; exit 1; }

echo "allocbench smoke: every allocator x every workload (smoke arguments)"
nwl=$(awk -F'\t' 'FNR > 1 && NF > 1 && $1 !~ /^#/ { n++ } END { print n + 0 }' workloads/workloads.tsv workloads/*/workloads.tsv 2>/dev/null)
if [ "$nwl" -lt 1 ]; then fail "no workloads registered in workloads/*.tsv"; fi
if $AB run --suite smoke --reps 1 --warmup 0 --threads 1 --no-calibrate --timeout 60 --out "$T/smoke" \
        >"$T/smoke.out" 2>"$T/smoke.err"; then
    R="$T/smoke/latest/runs.csv"
    nal=$($AB list 2>/dev/null | awk '/^allocators:/ { a = 1; next } /^workloads:/ { a = 0 } a && $1 !~ /=/ { n++ } END { print n }')
    total=$(($(wc -l <"$R") - 1))
    ok=$(sel "$R" "status=ok")
    if [ "$total" -eq $((nal * nwl)) ] && [ "$ok" -eq "$total" ]; then
        pass "$total runs ($nal allocators x $nwl workloads), all ok and verified"
    else
        fail "expected $((nal * nwl)) ok runs, got $ok of $total:"
        awk -F, 'NR > 1 && $13 != "ok" { print "       " $1, $5, $7, $13, $NF }' "$R" | head -20
    fi
    nov=$(csvcol "$R" value | awk '$1 == "" { n++ } END { print n + 0 }')
    [ "$nov" -eq 0 ] && pass "every run has a metric value" || fail "$nov runs without a value"
    for f in meta.json topology.xml runs.csv extras.csv summary.csv; do
        [ -s "$T/smoke/latest/$f" ] || fail "results lack $f"
    done
    ntl=$(ls "$T/smoke/latest/timeline" | wc -l)
    [ "$ntl" -eq "$total" ] && pass "one RSS timeline per run" || fail "$ntl timelines for $total runs"
    grep -q '"git_commit"' "$T/smoke/latest/meta.json" && grep -q '"package_version"' "$T/smoke/latest/meta.json" \
        && pass "meta.json has commit and allocator versions" || fail "meta.json incomplete"
    ls "$T/smoke" | grep -q '^tmp-' && fail "a tmp- folder was left behind" || pass "results renamed into place"
else
    fail "smoke run failed: $(tail -n 3 "$T/smoke.err")"
fi

echo "allocbench bad input: one line on stderr, non-zero exit"
badcase() {  # name expected-substring args...
    name=$1; want=$2; shift 2
    if $AB "$@" >"$T/b.out" 2>"$T/b.err"; then fail "$name: exit status 0"; return; fi
    lines=$(wc -l <"$T/b.err")
    if [ "$lines" -ne 1 ]; then fail "$name: $lines lines on stderr"; cat "$T/b.err"; return; fi
    grep -q -- "$want" "$T/b.err" || { fail "$name: message lacks '$want': $(cat "$T/b.err")"; return; }
    [ -e "$T/bad" ] && { fail "$name: a results folder was created"; rm -rf "$T/bad"; return; }
    pass "$name: $(cat "$T/b.err")"
}
badcase "unknown allocator" "unknown allocator 'nosuch'" run --allocators glibc,nosuch --out "$T/bad"
badcase "unknown workload" "unknown workload 'nosuch'" run --workloads nosuch --out "$T/bad"
badcase "missing library" "not found" run --allocators mine=/nonexistent/libmine.so --out "$T/bad"
badcase "threads 0" "bad thread list" run --threads 0 --out "$T/bad"
badcase "threads a,b" "bad thread list" run --threads a,b --out "$T/bad"
badcase "threads 1,,2" "bad thread list" run --threads 1,,2 --out "$T/bad"
badcase "bad pin" "--pin must be" run --pin diagonal --out "$T/bad"
badcase "bad suite" "--suite must be" run --suite huge --out "$T/bad"
badcase "bad reps" "--reps must be" run --reps x --out "$T/bad"
badcase "unknown option" "unknown option" run --bogus --out "$T/bad"
badcase "plot of a non-results folder" "not a results folder" plot /nonexistent
badcase "missing workload binary" "missing (run make)" run --registry harness/test/missing.tsv --workloads ghost --allocators glibc --out "$T/bad"
badcase "library that does not serve malloc" "malloc is served by" run --allocators libz=/usr/lib/x86_64-linux-gnu/libz.so.1 --workloads larson --out "$T/bad"
if $AB frobnicate >/dev/null 2>"$T/b.err"; then fail "unknown command: exit 0"; else pass "unknown command: $(cat "$T/b.err")"; fi
for c in run list calibrate plot report; do
    $AB $c --help >"$T/h.out" 2>&1 && grep -q "usage: allocbench $c" "$T/h.out" || fail "$c --help"
done
pass "--help on every command"

echo "allocbench failures are recorded and the matrix goes on"
FAKEWORK_CRASH_ON=jemalloc FAKEWORK_PIDFILE="$T/hang-pids" $AB run --registry harness/test/fake.tsv \
    --workloads fake-crash,fake-exit,fake-hang,fake-noresult,fake-badline,fake \
    --allocators glibc,jemalloc,locked --threads 1 --reps 2 --warmup 0 --timeout 1 --no-calibrate \
    --out "$T/crash" >"$T/crash.out" 2>"$T/crash.err"
rc=$?
R="$T/crash/latest/runs.csv"
if [ "$rc" -ne 0 ] || [ ! -f "$R" ]; then
    fail "run with failing workloads exited $rc: $(tail -n 2 "$T/crash.err")"
else
    [ "$(sel "$R" "workload=fake-crash&status=crash&signal=11")" -eq 6 ] && pass "crash recorded with its signal (6 runs)" || fail "crash rows wrong"
    [ "$(sel "$R" "workload=fake-exit&status=exit&exit_code=3")" -eq 6 ] && pass "non-zero exit recorded with its code" || fail "exit rows wrong"
    [ "$(sel "$R" "workload=fake-hang&status=timeout")" -eq 6 ] && pass "hang recorded as timeout" || fail "timeout rows wrong"
    [ "$(sel "$R" "workload=fake-noresult&status=noresult")" -eq 6 ] && pass "missing result line recorded" || fail "noresult rows wrong"
    [ "$(sel "$R" "workload=fake-badline&status=noresult")" -eq 6 ] && pass "malformed result line recorded" || fail "badline rows wrong"
    # the last workload ran after all those failures; jemalloc crashes there on request
    if [ "$(sel "$R" "workload=fake&status=ok")" -eq 4 ] && [ "$(sel "$R" "workload=fake&allocator=jemalloc&status=crash")" -eq 2 ]; then
        pass "the matrix completed after the failures (fake: 4 ok, the 2 forced jemalloc crashes recorded)"
    else
        fail "the matrix did not complete as expected"
    fi
    grep -q '"failed_runs": 32' "$T/crash/latest/meta.json" && pass "meta.json counts 32 failed runs" || fail "failed_runs count in meta.json"
    nh=0 left=""
    for p in $(cat "$T/hang-pids" 2>/dev/null); do
        nh=$((nh + 1))
        if running "$p"; then left="$left $p"; kill -9 "$p"; fi
    done
    if [ "$nh" -ne 6 ]; then fail "the 6 hung workloads recorded $nh child pids"
    elif [ -n "$left" ]; then fail "children of hung workloads survived their timeout:$left (killed now)"
    else pass "timed-out process groups killed (6 hung workloads, their TERM-ignoring children gone)"; fi
fi

echo "allocbench SIGINT keeps the finished rows"
timeout -k 10 120 "$ABIN" run --registry harness/test/fake.tsv --workloads fake,fake-hang --allocators glibc,locked --threads 1 \
    --reps 1 --warmup 0 --timeout 60 --no-calibrate --out "$T/int" >"$T/int.out" 2>"$T/int.err" &
pid=$!
i=0
while [ $i -lt 100 ]; do
    n=$(cat "$T"/int/tmp-*/runs.csv 2>/dev/null | wc -l)
    [ "$n" -ge 3 ] && break
    sleep 0.1; i=$((i + 1))
done
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
R="$T/int/latest/runs.csv"
if [ "$rc" -eq 130 ] && [ -f "$R" ] && [ "$(sel "$R" "workload=fake&status=ok")" -eq 2 ] && [ "$(sel "$R" "workload=fake-hang")" -eq 0 ] \
   && grep -q '"state": "interrupted"' "$T/int/latest/meta.json"; then
    pass "interrupted run: exit 130, the 2 finished rows kept, state interrupted"
else
    fail "interrupt handling (rc=$rc)"
fi

echo "allocbench plot"
if [ -d "$T/smoke/latest" ] && $AB plot "$T/smoke/latest" >"$T/plot.out" 2>"$T/plot.err"; then
    F="$T/smoke/latest/figures"
    miss=""
    for f in fig8-time-rss; do for e in png pdf; do [ -s "$F/$f.$e" ] || miss="$miss $f.$e"; done; done
    for w in $(csvcol "$T/smoke/latest/runs.csv" workload | sort -u); do
        for e in png pdf; do [ -s "$F/scal-$w.$e" ] || miss="$miss scal-$w.$e"; [ -s "$F/rss-$w.$e" ] || miss="$miss rss-$w.$e"; done
    done
    if grep -q '^fragprobe' workloads/workloads.tsv; then
        [ -s "$F/fragmentation.png" ] || miss="$miss fragmentation.png"
    fi
    [ -z "$miss" ] && pass "every figure drawn ($(ls "$F"/*.png | wc -l) PNG)" || fail "figures missing:$miss"
else
    fail "plot failed: $(cat "$T/plot.err" 2>/dev/null | head -3)"
fi

# the latency figure needs a gbench family with several sizes: fakework's
$AB run --registry harness/test/fake.tsv --workloads fake-gbench --allocators glibc,locked --threads 1,2 \
    --reps 2 --warmup 0 --no-calibrate --out "$T/gb" >/dev/null 2>"$T/gb.err" \
  && $AB plot "$T/gb/latest" >/dev/null 2>>"$T/gb.err"
G="$T/gb/latest/figures"
if [ -s "$G/latency-fake-gbench-BM_fake.png" ] && [ -s "$G/latency-fake-gbench-BM_fake.pdf" ] \
   && [ "$(grep -c 'BM_fake/' "$T/gb/latest/gbench.csv")" -eq 40 ]; then
    pass "gbench JSON stored (40 rows) and the latency figure drawn"
else
    fail "gbench rows or latency figure: $(head -3 "$T/gb.err")"
fi

if [ "$fails" -eq 0 ] && [ "$npass" -ne "$EXPECT_PASS" ]; then
    fail "$npass checks passed, expected $EXPECT_PASS (a check vanished or was added without updating EXPECT_PASS)"
fi
if [ "$fails" -ne 0 ]; then echo "allocbench smoke: $fails failure(s), $npass passed"; exit 1; fi
echo "allocbench smoke: all $npass passed"
