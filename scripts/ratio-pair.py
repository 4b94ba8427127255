#!/usr/bin/env python3
"""ratio-pair.py RESULTS A B: per workload and thread count, the median of
allocator B over that of A from one allocbench results folder (summary.csv),
turned so that above 1 means B is faster (or uses less memory), and the
geometric mean of those speed ratios. One line per cell, then the mean."""
import csv
import math
import sys

if len(sys.argv) != 4:
    sys.exit("usage: ratio-pair.py RESULTS A B")
d, a, b = sys.argv[1:]
try:
    rows = list(csv.DictReader(open(d + "/summary.csv")))
except OSError as e:
    sys.exit("ratio-pair.py: %s" % e)
cell = {}
for r in rows:
    if r["n_ok"] in ("", "0") or r["value_median"] == "":
        continue
    cell[(r["workload"], r["threads"], r["allocator"])] = (float(r["value_median"]), r["better"], r["metric"],
                                                          float(r["maxrss_median_kb"] or 0))
keys = sorted({(w, t) for (w, t, al) in cell if al in (a, b)})
logs = []
print("%-16s %3s %-22s %12s %12s %8s %10s" % ("workload", "thr", "metric", a, b, b + "/" + a, "RSS " + b + "/" + a))
for w, t in keys:
    if (w, t, a) not in cell or (w, t, b) not in cell:
        print("%-16s %3s missing a cell" % (w, t))
        continue
    va, better, metric, ra = cell[(w, t, a)]
    vb, _, _, rb = cell[(w, t, b)]
    ratio = vb / va if better == "higher" else va / vb
    logs.append(math.log(ratio))
    print("%-16s %3s %-22s %12.4g %12.4g %8.3f %10.2f" % (w, t, metric, va, vb, ratio, rb / ra if ra else float("nan")))
if logs:
    print("geometric mean of the speed ratios (%s relative to %s, above 1 = faster): %.3f over %d cells"
          % (b, a, math.exp(sum(logs) / len(logs)), len(logs)))
