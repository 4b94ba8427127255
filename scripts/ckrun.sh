#!/bin/sh
# ckrun.sh: run a Check test program and fail unless it exits 0 and Check
# says it ran exactly the expected number of tests.
#
#   sh scripts/ckrun.sh EXPECTED SECONDS CMD [ARG...]
#
# Check ends its output with "NN%: Checks: N, Failures: F, Errors: E"; a
# program that ran another number of tests (a test case that was not added,
# or one added without updating EXPECTED, or a suite that stopped early)
# fails here, as does one that prints no such line. CMD runs under
# `timeout -k 10 SECONDS`: a hang ends it and its process group (timeout
# sends SIGTERM to the group it leads, SIGKILL 10 s later) and fails.
# The output is shown once CMD has ended.
set -u
if [ $# -lt 3 ]; then
    echo "usage: ckrun.sh EXPECTED SECONDS CMD [ARG...]" >&2
    exit 2
fi
want=$1 secs=$2
shift 2
out=$(mktemp /tmp/ckrun.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT
timeout -k 10 "$secs" "$@" > "$out" 2>&1
rc=$?
cat "$out"
n=$(sed -n 's/.*%: Checks: \([0-9]*\),.*/\1/p' "$out" | tail -n 1)
if [ $rc -eq 124 ]; then
    echo "ckrun.sh: $1 timed out after $secs s (killed)" >&2
    exit 1
fi
if [ -z "$n" ]; then
    echo "ckrun.sh: $1 printed no Check summary (exit status $rc)" >&2
    exit 1
fi
if [ "$n" -ne "$want" ]; then
    echo "ckrun.sh: $1 ran $n tests, expected $want" >&2
    exit 1
fi
[ $rc -eq 0 ] || { echo "ckrun.sh: $1 exited with status $rc" >&2; exit 1; }
exit 0
