#!/bin/sh
# regress.sh: allocbench regress end to end, at smoke scale (make test-regress).
# A head made slower by the injection shim (libab-slow.so, +3000 spins per
# malloc and free) must regress against glibc (exit 1, a ::error line); the
# reverse must pass with IMPROVED (exit 0); tide built at a git revision in a
# worktree must run against the working tree's tide and be judged (exit 0 or
# 1, never 2) and leave no worktree; bad input gives one line and exit 2.
# Every command has a time limit; the script fails when the number of checks
# is not the number expected.
set -u
cd "$(dirname "$0")/../.." || exit 1
AB=build/harness/allocbench
SLOW=$PWD/build/harness/libab-slow.so
out=$(mktemp -d /tmp/allocbench-regress-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
fails=0 checks=0
ck() { checks=$((checks + 1)); if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fails=$((fails + 1)); fi; }
R() { timeout -k 5 300 "$AB" regress --suite smoke --rounds 4 --out "$out" "$@" >"$out/o" 2>"$out/e"; echo $?; }

rc=$(AB_SLOW_SPINS=3000 R --base glibc --head slow="$SLOW" --workloads glibc-simple --junit "$out/j.xml" --json "$out/j.json")
ck "a slowed head regresses (exit $rc)" '[ "$rc" = 1 ] && grep -q "REGRESSED" "$out/o" && grep -q "^::error" "$out/o"'
ck "the instruction cell (callgrind) regresses too" 'grep -q "glibc-simple t=1 instructions .*REGRESSED" "$out/o"'
ck "the regressed cells were confirmed by a second pass" 'grep -q "second pass for glibc-simple" "$out/e" && grep -q "(second pass: " "$out/o"'
ck "JUnit XML: well formed, the value cell a failure" 'python3 -c "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); sys.exit(0 if any(t.getAttribute(\"name\") == \"glibc-simple t=1 value\" and t.getElementsByTagName(\"failure\") for t in d.getElementsByTagName(\"testcase\")) else 1)" "$out/j.xml"'
ck "JSON: exit 1 and the value cell REGRESSED" 'python3 -c "import sys, json; d = json.load(open(sys.argv[1])); sys.exit(0 if d[\"exit\"] == 1 and any(c[\"cell\"] == \"glibc-simple t=1 value\" and c[\"verdict\"] == \"REGRESSED\" for c in d[\"cells\"]) else 1)" "$out/j.json"'
rc=$(AB_SLOW_SPINS=3000 R --base slow="$SLOW" --head glibc --workloads glibc-simple)
ck "the reverse passes and shows IMPROVED (exit $rc)" '[ "$rc" = 0 ] && grep -q "IMPROVED" "$out/o" && ! grep -q "^::error" "$out/o"'
rc=$(R --base tide@HEAD --head tide="$PWD/allocator/libtide.so" --workloads glibc-simple)
ck "tide@HEAD is built in a worktree and judged (exit $rc)" '[ "$rc" = 0 ] || [ "$rc" = 1 ]'
ck "tide@HEAD against the same tide: the instruction cell passes" 'grep -q "glibc-simple t=1 instructions .*PASS" "$out/o"'
ck "the worktree is removed" '! git worktree list | grep -q allocbench-regress'
rc=$(R --base glibc --head slow="$SLOW" --rounds 2)
ck "--rounds 2 is refused with one line (exit $rc)" '[ "$rc" = 2 ] && [ "$(wc -l <"$out/e")" = 1 ]'
rc=$(R --base glibc)
ck "a missing --head is refused with one line (exit $rc)" '[ "$rc" = 2 ] && [ "$(wc -l <"$out/e")" = 1 ]'
rc=$(R --base glibc --head x=/nonexistent/lib.so --workloads glibc-simple)
ck "a missing library fails closed (exit $rc)" '[ "$rc" = 2 ]'
rc=$(R --base tide@no-such-revision --head glibc --workloads glibc-simple)
ck "a bad revision fails closed with one line (exit $rc)" '[ "$rc" = 2 ] && grep -q "cannot build tide" "$out/e"'
ck "no temporary worktree folder is left" '[ -z "$(ls -d /tmp/allocbench-regress-?????? 2>/dev/null)" ]'
rc=$(R --base glibc --head glibc)
ck "the same allocator twice is refused (exit $rc)" '[ "$rc" = 2 ]'

# The baseline: made by A/A runs, used, refused when wrong.
TIDE=$PWD/allocator/libtide.so
rc=$(R --aa --base tide="$TIDE" --workloads glibc-simple --baseline "$out/bl.json" --update-baseline)
rc2=$(R --aa --base tide="$TIDE" --workloads glibc-simple --baseline "$out/bl.json" --update-baseline)
ck "two A/A runs write a baseline with two A/A effects per cell (exit $rc, $rc2)" '[ "$rc" != 3 ] && python3 -c "import sys, json; d = json.load(open(sys.argv[1])); sys.exit(0 if d[\"schema\"] == 1 and d[\"fingerprint\"][\"kernel\"] and all(1 <= len(c[\"aa\"]) <= 2 for c in d[\"cells\"]) and any(len(c[\"aa\"]) == 2 for c in d[\"cells\"]) and any(\"value\" in c for c in d[\"cells\"]) else 1)" "$out/bl.json"'
sed 's/"kernel": "[^"]*"/"kernel": "0.0-elsewhere"/' "$out/bl.json" >"$out/bl-other.json"
rc=$(R --aa --base tide="$TIDE" --workloads glibc-simple --baseline "$out/bl-other.json")
ck "a baseline from another kernel gives exit 3 and says how to re-baseline (exit $rc)" '[ "$rc" = 3 ] && [ "$(wc -l <"$out/e")" = 1 ] && grep -q "update-baseline" "$out/e"'
printf '{"schema": 1, "fingerprint": {' >"$out/bl-bad.json"
rc=$(R --aa --base tide="$TIDE" --workloads glibc-simple --baseline "$out/bl-bad.json")
ck "a corrupt baseline gives one line and exit 2 (exit $rc)" '[ "$rc" = 2 ] && [ "$(wc -l <"$out/e")" = 1 ]'
rc=$(R --aa --base tide="$TIDE" --workloads glibc-simple --baseline "$out/none.json")
ck "a missing baseline without --update-baseline gives exit 2 (exit $rc)" '[ "$rc" = 2 ] && [ "$(wc -l <"$out/e")" = 1 ]'
rc=$(R --aa --base glibc --workloads glibc-simple)
ck "--aa of glibc (no library to copy) is refused (exit $rc)" '[ "$rc" = 2 ] && [ "$(wc -l <"$out/e")" = 1 ]'
# The self-test's short form: A/A instruction cells pass, a +5 % dose is
# found, a mismatched baseline exits 3, acknowledgements hold and expire.
timeout -k 5 600 "$AB" regress --selftest --short --out "$out/selftest" >"$out/st" 2>&1; rc=$?
ck "regress --selftest --short passes (exit $rc)" '[ "$rc" = 0 ] || { cat "$out/st"; false; }'

expect=21
if [ "$fails" != 0 ] || [ "$checks" != "$expect" ]; then
    echo "regress: $fails of $checks checks failed (expected $expect)"
    exit 1
fi
echo "regress: all $checks checks passed"
