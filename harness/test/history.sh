#!/bin/sh
# history.sh: allocbench regress history and bisect end to end (make
# test-regress-history). history: two entries from hand-written gate JSON,
# ordered by commit date; re-adding a commit replaces its entry; a real gate
# run (smoke, a head slowed by libab-slow.so) is added; show prints a table;
# plot draws non-empty PNG and PDF per cell; corrupt input and a corrupt
# history file give one line, exit 2, and leave the file as it was. bisect:
# a clone of this repository gets three commits (a no-op, busy work in
# tide's initialisation that the instruction cell sees, a no-op) and bisect
# must name the middle one, leave no worktree and not touch the clone's
# working tree; SIGINT cleans up too; a cell that matches nothing gives one
# line and exit 2. Every command has a time limit; the script fails when the
# number of checks is not the number expected.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
AB=$top/build/harness/allocbench
SLOW=$top/build/harness/libab-slow.so
out=$(mktemp -d /tmp/allocbench-history-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
trap 'exit 130' INT TERM HUP PIPE   # the EXIT trap cleans up after a signal too
fails=0 checks=0 t0=$(date +%s)
ck() { checks=$((checks + 1)); if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fails=$((fails + 1)); fi; }
H() { timeout -k 5 60 "$AB" regress history "$@" --file "$out/h.jsonl" >"$out/o" 2>"$out/e"; echo $?; }
oneline() { [ "$(wc -l <"$out/e")" = 1 ]; }
# py EXPR: EXPR over L, the history file's entries (a list of dicts)
py() { python3 -c "import json, sys; L = [json.loads(l) for l in open('$out/h.jsonl')]; sys.exit(0 if ($1) else 1)"; }

# hand-written gate JSON: j1 passes, j2 has a regressed instruction cell
cat >"$out/j1.json" <<'J'
{"schema": 1, "results": "/tmp/set \"one\"", "exit": 0, "cells": [
 {"cell": "glibc-simple t=1 value", "kind": "time", "pairs": 6, "base_median": 0.012, "head_median": 0.0121, "effect": 0.004, "lo": -0.01, "hi": 0.02, "threshold": 0.03, "floor": 0, "verdict": "PASS"},
 {"cell": "glibc-simple t=1 peak RSS", "kind": "memory", "pairs": 6, "base_median": 3500, "head_median": 3510, "effect": 0.001, "lo": 0, "hi": 0.002, "threshold": 0.02, "floor": 0, "verdict": "PASS"},
 {"cell": "glibc-simple t=1 instructions", "kind": "instructions", "pairs": 3, "base_median": 7324082, "head_median": 7324082, "effect": 0, "lo": 0, "hi": 0, "threshold": 0.005, "floor": 0, "verdict": "PASS"}
]}
J
sed -e 's/"exit": 0/"exit": 1/' -e '/instructions/s/"head_median": 7324082, "effect": 0, "lo": 0, "hi": 0/"head_median": 8324082, "effect": 0.1365, "lo": 0.1365, "hi": 0.1365/' \
    -e '/instructions/s/PASS/REGRESSED/' "$out/j1.json" >"$out/j2.json"
# two fixed commits (others may commit while the test runs)
c1=$(git rev-parse HEAD~1) c2=$(git rev-parse HEAD)

rc=$(H add "$out/j2.json" --commit "$c2" --repo "$top")
ck "add: the first entry (exit $rc)" '[ "$rc" = 0 ] && [ "$(wc -l <"$out/h.jsonl")" = 1 ]'
rc=$(H add "$out/j1.json" --commit "$c1" --repo "$top")
ck "add: a second entry, in commit order (exit $rc)" '[ "$rc" = 0 ] && py "len(L) == 2 and L[0][\"commit\"] == \"$c1\" and L[1][\"commit\"] == \"$c2\""'
ck "an entry holds the commit, its date and subject, the exit and every cell" \
   'py "L[1][\"exit\"] == 1 and L[1][\"subject\"] == \"$(git log -1 --format=%s "$c2" | sed "s/[\"\\\\]/\\\\&/g")\" and L[1][\"date\"] and L[1][\"added\"] and len(L[1][\"cells\"]) == 3 and [c[\"verdict\"] for c in L[1][\"cells\"]][2] == \"REGRESSED\" and L[1][\"cells\"][2][\"head_median\"] == 8324082 and L[1][\"cells\"][2][\"kind\"] == \"instructions\""'
rc=$(H add "$out/j1.json" --commit "$c2" --repo "$top")
ck "re-adding a commit replaces its entry (exit $rc)" '[ "$rc" = 0 ] && grep -q replaced "$out/o" && py "len(L) == 2 and L[1][\"commit\"] == \"$c2\" and L[1][\"exit\"] == 0"'

# a real gate run against glibc, added as c2's entry
rc=$(AB_SLOW_SPINS=3000 timeout -k 5 300 "$AB" regress --base glibc --head slow="$SLOW" --workloads glibc-simple \
     --suite smoke --rounds 3 --out "$out" --json "$out/real.json" >"$out/o" 2>"$out/e"; echo $?)
ck "a real gate run writes its JSON (exit $rc)" '[ "$rc" = 1 ] && [ -s "$out/real.json" ]'
rc=$(H add "$out/real.json" --commit "$c2" --repo "$top")
ck "the real run's JSON replaces c2's entry (exit $rc)" '[ "$rc" = 0 ] && py "len(L) == 2 and L[1][\"exit\"] == 1 and any(c[\"cell\"] == \"glibc-simple t=1 instructions\" and c[\"verdict\"] == \"REGRESSED\" for c in L[1][\"cells\"])"'
rc=$(H show)
ck "show: a table of both commits (exit $rc)" '[ "$rc" = 0 ] && grep -q "^$(echo "$c1" | cut -c1-12) " "$out/o" && grep -q "^$(echo "$c2" | cut -c1-12) " "$out/o"'
rc=$(H plot --out "$out/fig")
ncell=$(python3 -c "import json; print(len({c['cell'] for l in open('$out/h.jsonl') for c in json.loads(l)['cells']}))")
ck "plot: a non-empty PNG and PDF for each of the $ncell cells (exit $rc)" \
   '[ "$rc" = 0 ] && [ "$ncell" -ge 3 ] && [ "$(find "$out/fig" -maxdepth 1 -name "history-*.png" -size +1k | wc -l)" = "$ncell" ] && [ "$(find "$out/fig" -maxdepth 1 -name "history-*.pdf" -size +1k | wc -l)" = "$ncell" ] && head -c 4 "$out/fig/history-glibc-simple-t-1-instructions.pdf" | grep -q "%PDF"'

# corrupt input: one line, exit 2, the file unchanged
cp "$out/h.jsonl" "$out/h.before"
head -c 200 "$out/j1.json" >"$out/trunc.json"
rc=$(H add "$out/trunc.json" --repo "$top")
ck "truncated JSON: one line, exit 2, history unchanged (exit $rc)" '[ "$rc" = 2 ] && oneline && cmp -s "$out/h.jsonl" "$out/h.before"'
sed 's/"effect": 0.004/"effect": "big"/' "$out/j1.json" >"$out/type.json"
rc=$(H add "$out/type.json" --repo "$top")
ck "a cell with a string for a number: one line, exit 2, unchanged (exit $rc)" '[ "$rc" = 2 ] && oneline && cmp -s "$out/h.jsonl" "$out/h.before"'
rc=$(H add "$out/j1.json" --commit no-such-revision --repo "$top")
ck "an unknown commit: one line, exit 2, unchanged (exit $rc)" '[ "$rc" = 2 ] && oneline && cmp -s "$out/h.jsonl" "$out/h.before"'
printf '{"schema": 1, "commit": "0123", "cells": [{"cell": \n' >>"$out/h.jsonl"
cp "$out/h.jsonl" "$out/h.corrupt"
rc=$(H add "$out/j1.json" --commit "$c1~1" --repo "$top")
ck "a corrupt history file: add gives one line, exit 2, keeps the file (exit $rc)" '[ "$rc" = 2 ] && oneline && grep -q "line 3" "$out/e" && cmp -s "$out/h.jsonl" "$out/h.corrupt"'
rc=$(H show)
ck "... and show and plot give one line and exit 2" '[ "$rc" = 2 ] && oneline && [ "$(H plot)" = 2 ] && oneline'
ck "no temporary file is left beside the history" '[ -z "$(ls "$out" | grep "h.jsonl.tmp")" ]'

# bisect: a clone with three commits on top of HEAD, the middle one slower
clone=$(mktemp -d /tmp/allocbench-history-clone-XXXXXX)
trap 'rm -rf "$out" "$clone"' EXIT
git clone -q "$top" "$clone/repo"
cd "$clone/repo" || exit 1
git config user.email test@example.org && git config user.name "history test"
good=$(git rev-parse HEAD)
echo >>README.md && git commit -q -am "docs: a blank line"
busy='        { volatile unsigned long x = 0; for (unsigned long i = 0; i < 300000; i++) x += i; }'
sed -i "/conf_init(os_ncpus());/a\\$busy" allocator/src/init.c
git commit -q -am "tide: busy work at initialisation"
mid=$(git rev-parse HEAD)
echo >>README.md && git commit -q -am "docs: another blank line"
tip=$(git rev-parse HEAD)
ck "the clone has the planted slowdown in init.c" '[ "$(grep -c "volatile unsigned long x" allocator/src/init.c)" = 1 ] && [ "$good" != "$mid" ]'
rc=$(timeout -k 5 60 "$AB" regress history add "$out/j1.json" --file "$out/h2.jsonl" >"$out/o" 2>"$out/e"; echo $?)
ck "add: the commit defaults to HEAD of the repository of the current folder (exit $rc)" \
   '[ "$rc" = 0 ] && grep -q "\"commit\": \"$tip\"" "$out/h2.jsonl"'
B() { timeout -k 5 200 "$AB" regress bisect "$@" >"$out/o" 2>"$out/e"; echo $?; }
rc=$(B "$good" "$tip" --cell "glibc-simple t=1 instructions" --suite smoke --rounds 3)
ck "bisect names the middle commit, last on stdout (exit $rc)" \
   '[ "$rc" = 0 ] && [ "$(tail -n 1 "$out/o")" = "first bad commit: $mid tide: busy work at initialisation" ]'
ck "bisect leaves no worktree, no bisect state and no temporary folder" \
   '[ "$(git worktree list | wc -l)" = 1 ] && ! git bisect log >/dev/null 2>&1 && [ -z "$(find /tmp -maxdepth 1 -name "allocbench-bisect-*" -newer "$out/j1.json" 2>/dev/null)" ]'
ck "the clone's working tree and HEAD are untouched" '[ -z "$(git status --porcelain)" ] && [ "$(git rev-parse HEAD)" = "$tip" ]'
rc=$(B "$good" "$tip" --cell "no-such-workload t=1 value")
ck "a cell that matches nothing: one line, exit 2 (exit $rc)" '[ "$rc" = 2 ] && oneline'
rc=$(B "$good" "$tip" --cell "glibc-simple instructions")
ck "a malformed cell name: one line, exit 2 (exit $rc)" '[ "$rc" = 2 ] && oneline'
rc=$(B "$good" no-such-revision --cell "glibc-simple t=1 value")
ck "an unknown revision: one line, exit 2 (exit $rc)" '[ "$rc" = 2 ] && oneline'
timeout -k 5 120 "$AB" regress bisect "$good" "$tip" --cell "glibc-simple t=1 instructions" --suite smoke --rounds 3 \
    >"$out/o" 2>"$out/e" &
pid=$!
for i in $(seq 1 100); do grep -q "building tide" "$out/e" && break; sleep 0.2; done
sleep 2
kill -INT "$pid"
wait "$pid"; rc=$?
ck "SIGINT: exit 130, no worktree and no temporary folder left (exit $rc)" \
   '[ "$rc" = 130 ] && [ "$(git worktree list | wc -l)" = 1 ] && [ -z "$(find /tmp -maxdepth 1 -name "allocbench-bisect-*" -newer "$out/j1.json" 2>/dev/null)" ]'
cd "$top" || exit 1

expect=23
echo "history: $checks checks in $(($(date +%s) - t0)) s"
if [ "$fails" != 0 ] || [ "$checks" != "$expect" ]; then
    echo "history: $fails of $checks checks failed (expected $expect)"
    exit 1
fi
echo "history: all $checks checks passed"
