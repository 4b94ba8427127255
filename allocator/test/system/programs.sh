#!/bin/sh
# programs.sh: real programs under the allocator being tested.
#
#   SYSTEST_PRELOAD  library to LD_PRELOAD into the programs under test
#                    (empty: none, i.e. glibc)
#   SYSTEST_ALLOC    "tide" or "glibc"; with tide, the programs linked with
#                    tide (linked_dyn, linked_static) run too, and Python
#                    checks that libtide is mapped into it
#   SYSTEST_BIN      directory of the built test programs (default build/systest)
#
# One "PASS name" or "FAIL name: why" line per check ("SKIP name: why" for
# the checks that need tide when the allocator is not tide); exit status 1
# if any check failed. Every program runs under $SYSTEST_BIN/bounded: a hang
# is a failure, and it is killed with every process it started; every exit
# status is checked (no status is lost in a pipeline).
set -u
BIN=${SYSTEST_BIN:-build/systest}
LIB=${SYSTEST_PRELOAD:-}
ALLOC=${SYSTEST_ALLOC:-glibc}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
if [ -n "$LIB" ]; then case $LIB in /*) ;; *) LIB=$PWD/$LIB ;; esac; fi
TMP=$(mktemp -d /tmp/systest-prog.XXXXXX) || { echo "FAIL programs: mktemp failed"; exit 1; }
trap 'rm -rf "$TMP"' EXIT INT TERM
nfail=0
pass() { echo "PASS programs/$1"; }
fail() { echo "FAIL programs/$1: $2"; nfail=$((nfail + 1)); }
BOUNDED=$BIN/bounded
[ -x "$BOUNDED" ] || { echo "FAIL programs: $BOUNDED is missing (run make)"; exit 1; }
# Run a command under the allocator with a time limit (T seconds, default
# 120), or without the allocator (plain).
under() { "$BOUNDED" -k 5 "${T:-120}" env ${LIB:+LD_PRELOAD="$LIB"} "$@"; }
plain() { t=$1; shift; "$BOUNDED" -k 5 "$t" "$@"; }

# ---- Python: dicts, lists, big strings -------------------------------------
PY=$(command -v python3)
cat > "$TMP/work.py" <<'PYEOF'
import hashlib, json, random, sys
rnd = random.Random(12345)
d = {}
for i in range(100000):
    d["k%d" % i] = [i, str(i) * (i % 7), {"v": i * 3}]
for i in range(0, 100000, 2):
    del d["k%d" % i]
lst = [rnd.random() for _ in range(300000)]
lst.sort()
big = "".join(chr(65 + (i % 26)) for i in range(2000000)) * 5
parts = big.split("Z")
js = json.dumps(d)
back = json.loads(js)
assert back == d and len(d) == 50000 and len(parts) == 384616
h = hashlib.sha256(js.encode() + big.encode()).hexdigest()
print(len(d), len(parts), "%.6f" % sum(lst), len(js), h)
maps = open("/proc/self/maps").read()
print("libtide mapped:", "libtide" in maps, file=sys.stderr)
PYEOF
if T=120 under "$PY" "$TMP/work.py" > "$TMP/py.out" 2> "$TMP/py.err" &&
   plain 120 "$PY" "$TMP/work.py" > "$TMP/py.ref" 2>/dev/null; then
    if ! cmp -s "$TMP/py.out" "$TMP/py.ref"; then
        fail python "output differs from the run without preload: $(head -c 200 "$TMP/py.out")"
    elif [ "$ALLOC" = tide ] && ! grep -q "libtide mapped: True" "$TMP/py.err"; then
        fail python "libtide is not mapped into python (preload ineffective)"
    else
        pass python
        echo "INFO programs/python: $(cat "$TMP/py.out")"
    fi
else
    fail python "python failed: $(tail -n 3 "$TMP/py.err" | tr '\n' ' ')"
fi

# ---- git on a temporary repository ------------------------------------------
(
    set -e
    export HOME="$TMP" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org \
           GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
    R="$TMP/repo"
    under git init -q "$R"
    cd "$R"
    i=0
    while [ $i -lt 300 ]; do
        mkdir -p "d$((i % 10))"
        seq $i $((i * 3 + 50)) > "d$((i % 10))/f$i.txt"
        i=$((i + 1))
    done
    under git add .
    under git commit -q -m "first"
    for f in d1/*.txt; do echo changed >> "$f"; done
    under git add -A
    under git commit -q -m "second"
    under git rm -q -r d2
    under git commit -q -m "third"
    under git log --oneline > "$TMP/git-log.out"
    [ "$(wc -l < "$TMP/git-log.out")" -eq 3 ]
    under git gc -q
    ls .git/objects/pack/*.pack > /dev/null
    # fsck must succeed and say nothing.
    rc=0
    under git fsck --no-progress > "$TMP/fsck.out" 2>&1 || rc=$?
    if [ $rc -ne 0 ] || [ -s "$TMP/fsck.out" ]; then cat "$TMP/fsck.out"; echo "git fsck: exit status $rc"; exit 1; fi
    under git ls-files > "$TMP/ls-files.out"
    [ "$(wc -l < "$TMP/ls-files.out")" -eq 270 ]
) > "$TMP/git.log" 2>&1
if [ $? -eq 0 ]; then pass git; else fail git "$(tail -n 3 "$TMP/git.log" | tr '\n' ' ')"; fi

# ---- gcc compiling a C file, and the program runs ---------------------------
cat > "$TMP/prog.c" <<'CEOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
int main(void) {
    enum { N = 20000 };
    char **v = malloc(N * sizeof *v);
    if (!v) return 1;
    for (int i = 0; i < N; i++) {
        v[i] = malloc(24);
        if (!v[i]) return 1;
        snprintf(v[i], 24, "item-%07d", (i * 7919) % N);
    }
    qsort(v, N, sizeof *v, cmp);
    printf("%s %s\n", v[0], v[N - 1]);
    for (int i = 0; i < N; i++) free(v[i]);
    free(v);
    return 0;
}
CEOF
if under gcc -O2 -Wall -o "$TMP/prog" "$TMP/prog.c" > "$TMP/gcc.log" 2>&1; then
    out=$(under "$TMP/prog" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ "$out" = "item-0000000 item-0019999" ]; then pass gcc
    else fail gcc "compiled program: exit status $rc, printed '$out'"; fi
else
    fail gcc "compilation failed: $(tail -n 3 "$TMP/gcc.log" | tr '\n' ' ')"
fi

# ---- C++: iostreams and exceptions ------------------------------------------
if under "$BIN/cxxprog" > "$TMP/cxx.out" 2>&1 && plain 60 "$BIN/cxxprog" > "$TMP/cxx.ref" 2>&1; then
    if cmp -s "$TMP/cxx.out" "$TMP/cxx.ref" && tail -n 1 "$TMP/cxx.out" | grep -q '^cxxprog: ok$'; then
        pass cxx_iostreams_exceptions
    else
        fail cxx_iostreams_exceptions "unexpected output: $(tr '\n' ' ' < "$TMP/cxx.out")"
    fi
else
    fail cxx_iostreams_exceptions "exit status non-zero: $(tail -n 2 "$TMP/cxx.out" | tr '\n' ' ')"
fi

# ---- Programs linked with tide (-ltide, libtide.a) --------------------------
if [ "$ALLOC" = tide ]; then
    for p in linked_dyn linked_static; do
        plain 60 "$BIN/$p" > "$TMP/$p.out" 2>&1
        rc=$?
        sed -n 's/^\(PASS\|FAIL\) /\1 programs\//p' "$TMP/$p.out"
        n=$(grep -c '^FAIL' "$TMP/$p.out")
        nfail=$((nfail + n))
        if [ $rc -ne 0 ] && [ "$n" -eq 0 ]; then fail "$p" "exit status $rc: $(tail -n 2 "$TMP/$p.out" | tr '\n' ' ')"; fi
    done
else
    echo "SKIP programs/linked_dyn: linked with tide, and SYSTEST_ALLOC is not tide"
    echo "SKIP programs/linked_static: linked with tide, and SYSTEST_ALLOC is not tide"
fi

[ $nfail -eq 0 ]
