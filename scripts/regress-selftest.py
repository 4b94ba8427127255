#!/usr/bin/env python3
"""allocbench regress --selftest: does the regression gate work on this machine?

Every check runs the real gate (allocbench regress) as a user would, on tide:

  train     N A/A gate runs (tide against an identical copy of itself) with
            --update-baseline: they teach a fresh baseline its noise floors
  A/A       N more A/A gate runs judged with that baseline: the false-alarm
            rate (runs that exit 1) must be at most 1 in 20
  slowdown  per workload, the injection shim libab-slow.so in base and head,
            spinning in the head only, dosed (AB_SLOW_EVERY/AB_SLOW_SPINS) to
            +DOSE % instructions; N gate runs each: a deterministic cell must
            regress in >= 19 of 20, and so must every timed cell whose noise
            floor is under DOSE %
  memory    libab-pad.so (+DOSE % per request) in the head: the memory cells
            that regress in each of M runs
  mismatch  a copy of the baseline with another kernel: the gate must exit 3
  ack       an acknowledged regression passes (exit 0), an expired one fails

It writes OUT/selftest.md (the tables, with the cells that cannot reach
DOSE % on this machine and why), OUT/selftest.json and OUT/baseline.json.
Exit 0 when every criterion holds, 1 when one fails, 2 on a harness error.
--short: the form make test runs (smoke arguments, 2 runs, one workload);
it gates on the deterministic criteria only (the timed ones need many runs).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AB = os.environ.get("ALLOCBENCH") or os.path.join(ROOT, "build/harness/allocbench")

# Why a cell's A/A noise is what it is, by workload and metric (the
# mechanism, not the number: the number is measured).
WHY = {
    ("larson", "value"): "larson runs for a fixed time: its throughput follows the machine's other load",
    ("larson", "peak RSS"): "larson runs for a fixed time, so how far its heap grows follows its speed",
    ("larson", "time-weighted RSS"): "larson runs for a fixed time, so its heap's growth over time follows its speed",
    ("larson", "allocator resident"): "read when larson stops, a fixed time after it started: it follows how far the heap grew",
    ("threadtest", "value"): "a run of about 0.1 s: scheduler and timer noise is a large share of it",
    ("glibc-simple", "value"): "a run of about 0.1 s: process start and page faults are a large share of it",
}
WHY_METRIC = {
    "peak RSS": "a process of a few MB: a few pages more or less of the loader, libc and the kernel's accounting are a large share",
    "time-weighted RSS": "the RSS timeline is sampled every 10 ms: a short run has few samples, and where they fall moves the mean",
}
MIN_EFFECT = {"time": 0.03, "memory": 0.02, "instructions": 0.005}


def why(cell):
    wl, rest = cell.split(" t=")[0], cell.split(" ", 2)[2]
    return WHY.get((wl, rest)) or WHY_METRIC.get(rest) or "noise of this machine"


def die(msg):
    print("regress-selftest: " + msg, file=sys.stderr)
    sys.exit(2)


def gate(args, env_extra=None, out=None, log=None):
    """One gate run; returns (exit status, parsed --json or None)."""
    env = dict(os.environ)
    for k in ("AB_SLOW_SPINS", "AB_SLOW_EVERY", "AB_SLOW_FOR", "AB_PAD_PERCENT"):
        env.pop(k, None)
    env.update(env_extra or {})
    jpath = os.path.join(out, "gate-%d.json" % time.monotonic_ns())
    cmd = [AB, "regress"] + args + ["--json", jpath]
    with open(log, "a") as lf:
        lf.write("$ %s %s\n" % (" ".join("%s=%s" % kv for kv in (env_extra or {}).items()), " ".join(cmd)))
        lf.flush()
        try:
            p = subprocess.run(cmd, env=env, stdout=lf, stderr=lf, timeout=900)
        except subprocess.TimeoutExpired:
            return 2, None
    data = None
    if os.path.exists(jpath):
        try:
            with open(jpath) as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = None
        os.unlink(jpath)
    return p.returncode, data


def cells_of(data):
    return {c["cell"]: c for c in (data or {}).get("cells", [])}


def floors(baseline):
    """Noise floor (relative) per cell from the baseline: Q3 + 3 IQR of |aa|."""
    def q(v, p):
        s = sorted(v)
        h = (len(s) - 1) * p
        k = int(h)
        return s[k] + (h - k) * (s[min(k + 1, len(s) - 1)] - s[k])
    res = {}
    for c in baseline.get("cells", []):
        a = [abs(x) for x in c.get("aa", [])]
        if a:
            fl = q(a, 0.75) + 3 * (q(a, 0.75) - q(a, 0.25))
            res[c["cell"]] = (pow(2.718281828459045, fl) - 1, c["kind"], len(a))
    return res


def readme(setdir, readme_path):
    """Write the self-test's summary of set setdir into readme_path, between
    <!-- selftest:begin --> and <!-- selftest:end --> (numbers from the set)."""
    try:
        with open(os.path.join(setdir, "selftest.json")) as f:
            r = json.load(f)
        with open(readme_path) as f:
            text = f.read()
    except (OSError, ValueError) as e:
        die("cannot read %s: %s" % (setdir, e))
    b, e = "<!-- selftest:begin -->", "<!-- selftest:end -->"
    if b not in text or e not in text:
        die("%s has no %s ... %s markers" % (readme_path, b, e))
    name = os.path.relpath(os.path.abspath(setdir), os.path.dirname(os.path.abspath(readme_path)))
    fa = sum(1 for x in r["aa_exit"] if x == 1)
    inc = sum(1 for x in r["aa_exit"] if x == 2)
    lines = ["**The gate's self-test on this machine** (`allocbench regress --selftest`, set `%s`, "
             "%d s; tables in its `selftest.md`): %d training A/A runs taught the noise floors; then "
             "%d A/A gate runs gave %d false alarm%s (%d inconclusive)." % (
                 name, r["seconds"], r["train"], r["runs"], fa, "" if fa == 1 else "s", inc), "",
             "| check | holds | measured |", "|---|---|---|"]
    lines += ["| %s | %s | %s |" % (c["check"], "yes" if c["ok"] else "**no**", c["measured"]) for c in r["criteria"]]
    # The table of the cells that cannot reach the dose, with why, as
    # selftest.md has it.
    try:
        with open(os.path.join(setdir, "selftest.md")) as f:
            md = f.read()
    except OSError as e:
        die("cannot read %s: %s" % (setdir, e))
    k = md.find("## Cells that cannot reach")
    if k >= 0:
        sec = md[k:].split("\n## ", 1)[0].rstrip().split("\n")
        lines += ["", "**" + sec[0][3:] + "**" + " (from the set's `selftest.md`):"] + sec[1:]
    text = text[:text.index(b) + len(b)] + "\n" + "\n".join(lines) + "\n" + text[text.index(e):]
    with open(readme_path, "w") as f:
        f.write(text)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--readme":
        readme(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description="the regression gate's self-test "
                                 "(--readme SET README.md: write a set's summary into a README)")
    ap.add_argument("--short", action="store_true", help="the short form run by make test")
    ap.add_argument("--runs", type=int, help="A/A and slowdown gate runs (default 20; --short 2)")
    ap.add_argument("--train", type=int, help="A/A runs that teach the baseline (default = --runs)")
    ap.add_argument("--mem-runs", type=int, help="padded gate runs (default 5; --short 1)")
    ap.add_argument("--workloads", help="default glibc-simple,threadtest,fragprobe-small,larson; --short glibc-simple")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--suite", help="default quick; --short smoke")
    ap.add_argument("--dose", type=float, default=5.0, help="injected slowdown and padding, %% (default 5)")
    ap.add_argument("--lib", default=os.path.join(ROOT, "allocator/libtide.so"))
    ap.add_argument("--out", help="output folder (default build/regress-selftest/<UTC time>)")
    a = ap.parse_args()
    runs = a.runs or (2 if a.short else 20)
    train = a.train if a.train is not None else runs
    mem_runs = a.mem_runs or (1 if a.short else 5)
    suite = a.suite or ("smoke" if a.short else "quick")
    wls = (a.workloads or ("glibc-simple" if a.short else "glibc-simple,threadtest,fragprobe-small,larson")).split(",")
    if runs < 1 or train < 1 or a.rounds < 3 or not 0 < a.dose < 100:
        die("--runs, --train >= 1, --rounds >= 3, 0 < --dose < 100")
    slow = os.path.join(ROOT, "build/harness/libab-slow.so")
    pad = os.path.join(ROOT, "build/harness/libab-pad.so")
    for f in (AB, slow, pad, a.lib):
        if not os.path.exists(f):
            die("%s is missing (run make)" % f)
    out = os.path.abspath(a.out or os.path.join(ROOT, "build/regress-selftest", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())))
    os.makedirs(os.path.join(out, "sets"), exist_ok=True)
    log = os.path.join(out, "gate.log")
    bl = os.path.join(out, "baseline.json")
    if os.path.exists(bl):
        os.unlink(bl)
    dose = a.dose / 100
    common = ["--suite", suite, "--rounds", str(a.rounds), "--out", os.path.join(out, "sets"), "--workloads", ",".join(wls)]
    git = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    res = {"runs": runs, "train": train, "suite": suite, "rounds": a.rounds, "dose": a.dose, "workloads": wls,
           "git": git or "unknown", "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    t0 = time.time()

    def say(msg):
        print("regress-selftest: [%4.0f s] %s" % (time.time() - t0, msg), file=sys.stderr, flush=True)

    # train
    for i in range(train):
        say("train: A/A run %d of %d" % (i + 1, train))
        rc, _ = gate(["--aa", "--base", "tide=" + a.lib, "--baseline", bl, "--update-baseline"] + common, out=out, log=log)
        if rc == 3 or not os.path.exists(bl):
            die("training run %d failed (exit %d; %s)" % (i + 1, rc, log))
    with open(bl) as f:
        fl = floors(json.load(f))

    # A/A
    aa_exit, aa_cells = [], {}
    for i in range(runs):
        say("A/A: run %d of %d" % (i + 1, runs))
        rc, d = gate(["--aa", "--base", "tide=" + a.lib, "--baseline", bl] + common, out=out, log=log)
        aa_exit.append(rc)
        for n, c in cells_of(d).items():
            aa_cells.setdefault(n, []).append(c["verdict"])
    res["aa_exit"] = aa_exit

    # slowdown, per workload
    slow_res = {}
    for w in wls:
        one = ["--suite", suite, "--rounds", str(a.rounds), "--out", os.path.join(out, "sets"), "--workloads", w]
        pre = {"base": "base=%s:%s" % (slow, a.lib), "head": "head=%s:%s" % (slow, a.lib)}
        every, s0 = 16, 16
        env = {"AB_SLOW_EVERY": str(every), "AB_SLOW_SPINS": str(s0), "AB_SLOW_FOR": "head"}
        say("slowdown: calibrating %s" % w)
        rc, d = gate(["--base", pre["base"], "--head", pre["head"], "--baseline", bl] + one, env, out, log)
        cs = cells_of(d)
        ref = cs.get("%s t=1 instructions" % w)
        if not cs.get("%s t=1 instructions" % w):
            slow_res[w] = {"skipped": "no deterministic cell (its metric follows its speed); its timed cells' floors are in the table above"}
            continue
        if ref["effect"] <= 0:
            slow_res[w] = {"error": "calibration failed (exit %d)" % rc}
            continue
        spins = max(1, round(s0 * dose / ref["effect"]))
        env["AB_SLOW_SPINS"] = str(spins)
        det, eff = {}, {}
        for i in range(runs):
            say("slowdown: %s, %d spins every %d calls, run %d of %d" % (w, spins, every, i + 1, runs))
            rc, d = gate(["--base", pre["base"], "--head", pre["head"], "--baseline", bl] + one, env, out, log)
            for n, c in cells_of(d).items():
                if c["kind"] == "memory":
                    continue
                det.setdefault(n, []).append(c["verdict"] == "REGRESSED")
                eff.setdefault(n, []).append(c["effect"])
        slow_res[w] = {"spins": spins, "every": every, "calibrated_on": ref["cell"], "detected": det, "effects": eff}
    res["slowdown"] = slow_res

    # memory
    mem = {}
    for i in range(mem_runs):
        say("memory: +%g %% per request, run %d of %d" % (a.dose, i + 1, mem_runs))
        rc, d = gate(["--base", "base=" + a.lib, "--head", "head=%s:%s" % (pad, a.lib), "--baseline", bl,
                      "--no-instructions"] + common, {"AB_PAD_PERCENT": "%g" % a.dose}, out, log)
        for n, c in cells_of(d).items():
            if c["kind"] == "memory":
                mem.setdefault(n, []).append((c["verdict"] == "REGRESSED", c["effect"]))
    res["memory"] = {n: [list(x) for x in v] for n, v in mem.items()}

    # mismatch and acknowledgements (smoke arguments: they check exit codes)
    with open(bl) as f:
        b = json.load(f)
    bad = dict(b)
    bad["fingerprint"] = dict(b["fingerprint"], kernel="0.0-another-kernel")
    badp = os.path.join(out, "baseline-mismatched.json")
    with open(badp, "w") as f:
        json.dump(bad, f, indent=1)
    say("mismatch")
    rc, _ = gate(["--aa", "--base", "tide=" + a.lib, "--baseline", badp] + common, out=out, log=log)
    res["mismatch_exit"] = rc
    w0 = wls[0]
    acks = {}
    for label, exp in (("valid", "2999-12-31"), ("expired", "2000-01-01")):
        ackp = os.path.join(out, "baseline-ack-%s.json" % label)
        with open(ackp, "w") as f:
            cells = ["%s t=1 %s" % (w0, m) for m in ("instructions", "value", "peak RSS", "time-weighted RSS")]
            json.dump(dict(b, acks=[{"cell": c, "reason": "self-test", "expires": exp}
                                    for c in cells + ["fastpath t=1 instructions per round"]]), f, indent=1)
        env = {"AB_SLOW_SPINS": "200", "AB_SLOW_FOR": "head"}
        say("acknowledgement (%s)" % label)
        rc, d = gate(["--base", "base=%s:%s" % (slow, a.lib), "--head", "head=%s:%s" % (slow, a.lib),
                      "--baseline", ackp, "--suite", suite, "--rounds", "3", "--out", os.path.join(out, "sets"),
                      "--workloads", w0], env, out, log)
        c = cells_of(d).get("%s t=1 instructions" % w0, {})
        acks[label] = (rc, c.get("verdict", "none"))
    res["ack_exit"] = acks

    # verdicts
    fa = sum(1 for x in aa_exit if x == 1)
    crit = []
    crit.append(("A/A false alarms <= 1 in 20", fa * 20 <= runs, "%d of %d runs exited 1" % (fa, runs)))
    # A cell is judged when its noise floor is under its minimum effect
    # (else it is INFORMATIONAL and can never fail); every judged cell the
    # dose reaches must find it in >= 19 of 20 runs.
    undetected = {}
    for w, r in slow_res.items():
        if "error" in r:
            crit.append(("slowdown %s" % w, False, r["error"]))
            continue
        for n, d in r.get("detected", {}).items():
            k = sum(d)
            floor, kind = fl.get(n, (0, "instructions", 0))[:2]
            kind = "instructions" if "instructions" in n else kind
            if floor >= MIN_EFFECT.get(kind, 0.03):
                continue
            crit.append(("+%g %% detected in >= 95 %% of runs: %s" % (a.dose, n), k * 20 >= 19 * len(d),
                         "%d of %d (noise floor %.2f %%)" % (k, len(d), 100 * floor)))
            if k * 20 < 19 * len(d):
                undetected[n] = "%d of %d" % (k, len(d))
    crit.append(("mismatched baseline exits 3", res["mismatch_exit"] == 3, "exit %d" % res["mismatch_exit"]))
    crit.append(("acknowledged regression does not fail the gate", acks["valid"][0] != 1 and acks["valid"][1] == "REGRESSED",
                 "exit %d, the instruction cell %s" % acks["valid"]))
    crit.append(("expired acknowledgement fails the gate", acks["expired"][0] == 1, "exit %d, the instruction cell %s" % acks["expired"]))
    memhit = [n for n, v in mem.items() if all(x[0] for x in v)]
    crit.append(("padding detected on a memory cell", bool(memhit), ", ".join(memhit) or "none"))
    if a.short:   # deterministic criteria only
        keep = ("instructions", "mismatched", "acknowledg", "expired")
        crit = [c for c in crit if any(k in c[0] for k in keep)]
        for n, v in aa_cells.items():
            if n.endswith("instructions"):
                crit.append(("A/A instruction cell passes: %s" % n, all(x == "PASS" for x in v), ", ".join(v)))
    res["criteria"] = [{"check": c[0], "ok": c[1], "measured": c[2]} for c in crit]
    # The detection rate over the cells the gate judges (the criteria above).
    jd = [c for c in crit if c[0].startswith("+") and " detected " in c[0]]
    res["judged_detected"] = sum(int(c[2].split(" of ")[0]) for c in jd)
    res["judged_runs"] = sum(int(c[2].split(" of ")[1].split()[0]) for c in jd)
    res["floors"] = {n: {"floor": v[0], "kind": v[1], "aa_runs": v[2]} for n, v in fl.items()}
    res["seconds"] = round(time.time() - t0)
    md = ["# allocbench regress --selftest", "",
          "%d training and %d A/A gate runs, %d slowdown runs per workload, %d padded runs; suite %s, %d rounds, "
          "dose %g %%; %d s. Gate log: `gate.log`." % (train, runs, runs, mem_runs, suite, a.rounds, a.dose, res["seconds"]),
          "", "| check | holds | measured |", "|---|---|---|"]
    md += ["| %s | %s | %s |" % (c[0], "yes" if c[1] else "**no**", c[2]) for c in crit]
    md += ["", "## Injected slowdown, per cell", "", "| cell | dose | detected | median effect | noise floor |", "|---|---|---|---|---|"]
    for w, r in slow_res.items():
        for n, d in sorted(r.get("detected", {}).items()):
            e = sorted(r["effects"][n])
            md.append("| %s | %d spins every %d calls | %d of %d | %+.2f %% | %.2f %% |" % (
                n, r["spins"], r["every"], sum(d), len(d), 100 * e[len(e) // 2], 100 * fl.get(n, (0,))[0]))
    md += ["", "## Injected padding (+%g %% per request), memory cells" % a.dose, "",
           "| cell | detected | median effect |", "|---|---|---|"]
    for n, v in sorted(mem.items()):
        e = sorted(x[1] for x in v)
        md.append("| %s | %d of %d | %+.2f %% |" % (n, sum(x[0] for x in v), len(v), 100 * e[len(e) // 2]))
    md += ["", "## Cells that cannot reach %g %% on this machine" % a.dose, "",
           "A cell whose noise floor (Q3 + 3 IQR of its %d A/A effects) is above its minimum effect (3 %% time, "
           "2 %% memory) is INFORMATIONAL: the gate reports it and never fails on it, so no dose is found there. "
           "A judged cell that found the dose in fewer than 19 of 20 runs is listed too." % train, "",
           "| cell | noise floor | minimum effect | why |", "|---|---|---|---|"]
    cant = []
    for n, v in sorted(fl.items()):
        me = MIN_EFFECT.get(v[1], 0.03)
        if v[0] >= me and "instructions" not in n:
            cant.append(n)
            md.append("| %s | %.2f %% | %g %% | %s |" % (n, 100 * v[0], 100 * me, why(n)))
    for n, k in sorted(undetected.items()):
        cant.append(n)
        md.append("| %s | %.2f %% | | judged, but +%g %% found in %s runs |" % (n, 100 * fl.get(n, (0,))[0], a.dose, k))
    res["cannot_reach"] = cant
    for w, r in slow_res.items():
        if "skipped" in r:
            md += ["", "%s: no slowdown runs: %s." % (w, r["skipped"])]
    with open(os.path.join(out, "selftest.json"), "w") as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(out, "selftest.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    print("results: %s" % out)
    sys.exit(0 if all(c[1] for c in crit) else 1)


if __name__ == "__main__":
    main()
