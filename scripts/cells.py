#!/usr/bin/env python3
"""cells.py: per-cell statistics of an allocbench result set.

    scripts/cells.py RESULTS_DIR [WORKLOAD ...]

For every (workload, threads, allocator) cell of RESULTS_DIR/runs.csv
(measured repetitions with status ok only) prints: the number of runs, the
median and the best value (max for higher-is-better metrics, min
otherwise), how many runs were flagged as disturbed by foreign CPU load,
and the median user and system CPU seconds. Missing files or columns give a
one-line error and exit status 1.
"""
import csv
import statistics
import sys


def main(argv):
    if len(argv) >= 2 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) < 2:
        print("usage: cells.py RESULTS_DIR [WORKLOAD ...]", file=sys.stderr)
        return 2
    path = argv[1] + "/runs.csv"
    want = set(argv[2:])
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        print(f"cells.py: {path}: {e.strerror}", file=sys.stderr)
        return 1
    need = {"workload", "threads", "allocator", "warmup", "status", "value", "better", "disturbed", "user_s", "sys_s", "unit"}
    if rows and not need <= rows[0].keys():
        print(f"cells.py: {path}: missing columns {sorted(need - rows[0].keys())}", file=sys.stderr)
        return 1
    cells = {}
    for r in rows:
        if r["warmup"] != "0" or r["status"] != "ok" or (want and r["workload"] not in want):
            continue
        cells.setdefault((r["workload"], int(r["threads"]), r["allocator"]), []).append(r)
    print("workload thr allocator n median best unit disturbed user_s sys_s")
    for (w, t, a), rs in sorted(cells.items()):
        v = [float(r["value"]) for r in rs]
        best = max(v) if rs[0]["better"] == "higher" else min(v)
        dist = sum(1 for r in rs if r["disturbed"] not in ("0", ""))
        us = statistics.median(float(r["user_s"]) for r in rs)
        ss = statistics.median(float(r["sys_s"]) for r in rs)
        print(f"{w} {t} {a} {len(v)} {statistics.median(v):.4g} {best:.4g} {rs[0]['unit']} {dist} {us:.3f} {ss:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
