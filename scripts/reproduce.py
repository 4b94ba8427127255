#!/usr/bin/env python3
"""reproduce.py: the reproduction of Evans, "A Scalable Concurrent malloc(3)
Implementation for FreeBSD" (BSDCan 2006) with one command (`make reproduce`).

  reproduce.py run [--budget S] [--t0 EPOCH] [--full] [--smoke] [--out PARENT]
  reproduce.py analyze DIR      tables, figures, claims of a reproduction set
  reproduce.py claims DIR       claims.md and claims.csv only
  reproduce.py readme DIR       the README's reproduction block, from DIR
  reproduce.py plan [--full] [--ncpu N]   the stages a run would measure

`run` measures every stage with allocbench into one folder
results/<UTC time>-<host>-repro/ (one allocbench results set per stage, in
sub-folders), then analyses it. Stages (the paper's figure in brackets):

  fig6-unpinned  malloc-test, 1..5 x ncpu threads, not pinned      [Fig. 6]
  fig6-spread    the same, threads spread over the cores (hwloc)    [Fig. 6]
  fig7           MariaDB + sysbench oltp_point_select, 5..100 clients [Fig. 7]
  fig8-long      cca and gs (the paper's 3 replicates)             [Fig. 8, tables]
  fig8-short     cfrac, sh6bench, smlng (Redis trace) (10 replicates) [Fig. 8, tables]
  fig9           address x time maps, tide and tide-2006, sh6bench and the Redis trace
  stats          tide-2006's exit statistics in the paper's `P` layout (cca)

The budget (seconds from --t0, default: now) is shared by the measured
stages in proportion to their weights; allocbench starts a repetition round
only if it should end within its stage's share, so a smaller budget gives
fewer repetitions, never fewer figures or claims. Every claim states the
repetitions it rests on. Nothing here is typed from a run: every number in
the outputs is computed from the stage folders.
"""
import csv
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
AB = os.path.join(ROOT, 'build', 'harness', 'allocbench')
ALLOCATORS = ['glibc', 'jemalloc', 'tcmalloc', 'mimalloc', 'tide', 'tide-2006', 'locked']
PROJECT = 'tide'
PROGRAMS = ['cca', 'cfrac', 'gs', 'sh6bench', 'redis-replay']   # Fig. 8 order
PROGRAM_LABEL = {'cca': 'cca', 'cfrac': 'cfrac-like', 'gs': 'gs', 'sh6bench': 'sh6bench-like',
                 'redis-replay': 'smlng (Redis trace)'}
# The paper's replicate counts (section 3.5 of the research note).
PAPER_REPS = {'cca': 3, 'gs': 3, 'cfrac': 10, 'sh6bench': 10, 'redis-replay': 10}
# The paper's means (section 2.5): run time s, max RSS kB, for dlmalloc, phkmalloc, jemalloc.
PAPER_ST = {
    'cca': ((72.88, 11244), (77.73, 10681), (69.37, 11045)),
    'cfrac': ((9.57, 2105), (11.45, 2072), (10.55, 2064)),
    'gs': ((31.06, 15001), (42.48, 15464), (34.24, 15616)),
    'sh6bench': ((3.35, 105467), (6.96, 90047), (4.50, 63314)),
    'redis-replay': ((12.65, 71987), (13.89, 93320), (11.49, 65772)),
}


def die(msg):
    print('reproduce: ' + msg, file=sys.stderr)
    sys.exit(1)


def ncpu():
    return os.cpu_count() or 1


def thread_list(n, full, smoke):
    if smoke:
        return [1, 2]
    top = 5 * n
    if full and n <= 4:
        return list(range(1, top + 1))
    s = {1, 2, n, 2 * n, 3 * n, 4 * n, 4 * n + 1, 4 * n + 2, top}
    if n <= 4:
        s |= set(range(1, n + 2))
    else:
        s |= {4, n // 2, (3 * n) // 2}
    return sorted(t for t in s if 1 <= t <= top)


def client_list(full, smoke):
    if smoke:
        return [5, 10]
    if full:
        return list(range(5, 101, 5))
    return [5, 10, 20, 40, 60, 80, 100]


def hms(s):
    s = max(0, int(s))
    return '%d:%02d' % (s // 60, s % 60)


# ---- running -----------------------------------------------------------------

class Runner:
    def __init__(self, args):
        self.a = args
        self.t0 = args.t0 or time.time()
        self.child = None

    def remaining(self):
        if self.a.budget is None:
            return None
        return self.a.budget - (time.time() - self.t0)

    def allocbench(self, stage, out, workloads, threads, pin, reps, share, wsum):
        """One allocbench run into out/<stage>; returns its folder."""
        budget = None
        rem = self.remaining()
        if rem is not None:
            budget = max(1, int((rem - self.a.reserve) * share / wsum))
        tmp = os.path.join(out, '.' + stage)
        os.makedirs(tmp, exist_ok=True)
        cmd = [AB, 'run', '--suite', self.a.suite, '--allocators', ','.join(ALLOCATORS),
               '--workloads', ','.join(workloads), '--threads', ','.join(map(str, threads)),
               '--pin', pin, '--reps', str(reps), '--warmup', '0', '--out', tmp,
               '--timeout', str(self.a.timeout)]
        if self.a.executor == 'slurm':
            # the stage runs as one job array on the cluster (sbatch reads
            # SBATCH_PARTITION and the other SBATCH_* variables); a budget
            # does not apply there: the array's --time does
            cmd += ['--executor', 'slurm', '--wait']
            if self.a.sbatch_args:
                cmd += ['--sbatch-args', self.a.sbatch_args]
        elif budget is not None:
            cmd += ['--budget', str(budget)]
        if stage != 'fig6-unpinned':
            cmd.append('--no-calibrate')
        self.progress(stage, budget)
        log = os.path.join(out, 'logs', stage + '.log')
        with open(log, 'w') as lf:
            lf.write('$ ' + ' '.join(cmd) + '\n')
            lf.flush()
            self.child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=None, text=True, cwd=ROOT)
            res = None
            for line in self.child.stdout:
                lf.write(line)
                if line.startswith('results: '):
                    res = line[len('results: '):].strip()
            rc = self.child.wait()
            self.child = None
        if not res or not os.path.isdir(res):
            print('reproduce: stage %s: allocbench wrote no results (exit %d; see %s)' % (stage, rc, log),
                  file=sys.stderr)
            return None
        dst = os.path.join(out, stage)
        os.rename(res, dst)
        shutil.rmtree(tmp, ignore_errors=True)
        if rc != 0:
            print('reproduce: stage %s: allocbench exited %d; its finished rows are kept' % (stage, rc),
                  file=sys.stderr)
        return dst

    def progress(self, stage, budget):
        el = time.time() - self.t0
        rem = self.remaining()
        eta = ' ETA %s' % hms(rem) if rem is not None else ''
        share = ' (this stage: at most %s)' % hms(budget) if budget else ''
        print('reproduce: [%s] stage %s, elapsed %s,%s%s' % (time.strftime('%H:%M:%S'), stage, hms(el),
                                                               eta or ' no budget', share),
              file=sys.stderr, flush=True)


def plan(a):
    n = getattr(a, 'ncpu', None) or ncpu()
    th = thread_list(n, a.full, a.smoke)
    cl = client_list(a.full, a.smoke)
    r6 = 1 if a.smoke else 5
    r7 = 1 if a.smoke else (10 if a.full else 3)
    rl = 1 if a.smoke else 3
    rs = 1 if a.smoke else (10 if a.full else 5)
    # (stage, workloads, threads, pin, reps, weight)
    return [
        ('fig6-unpinned', ['malloc-test'], th, 'none', r6, 22),
        ('fig6-spread', ['malloc-test'], th, 'scatter', r6, 22),
        ('fig7', ['mariadb'], cl, 'none', r7, 30),
        ('fig8-long', ['cca', 'gs'], [1], 'none', rl, 8),
        ('fig8-short', ['cfrac', 'sh6bench', 'redis-replay'], [1], 'none', rs, 14),
    ]


def env_for(alloc):
    e = dict(os.environ)
    e.pop('TIDE_CONF', None)
    lib = os.path.join(ROOT, 'allocator', 'libtide.so')
    e['LD_PRELOAD'] = lib
    if alloc == 'tide-2006':
        e['TIDE_CONF'] = 'preset:bsd2006'
    return e


def run_fig9(out, suite):
    """Address x time maps: sh6bench and the Redis trace under tide, tide-2006."""
    d = os.path.join(out, 'fig9')
    os.makedirs(d, exist_ok=True)
    reg = read_registry()
    ok = 0
    for wl in ('sh6bench', 'redis-replay'):
        w = reg.get(wl)
        if not w:
            print('reproduce: fig9: workload %s is not registered' % wl, file=sys.stderr)
            continue
        args = suite_args(w, suite)
        for alloc in ('tide', 'tide-2006'):
            sub = os.path.join(d, '%s-%s' % (wl, alloc))
            os.makedirs(sub, exist_ok=True)
            e = env_for(alloc)
            e['ALLOCBENCH_ADDRMAP'] = sub
            e['REDIS_REPLAY_ADDRMAP'] = '1'
            e['ALLOCBENCH_RUN_DIR'] = sub
            e['ALLOCBENCH_ALLOCATOR_FILE'] = e['LD_PRELOAD']
            cmd = [os.path.join(ROOT, w[1]), '--threads', '1'] + args
            with open(os.path.join(sub, 'stdout.txt'), 'w') as so, open(os.path.join(sub, 'stderr.txt'), 'w') as se:
                try:
                    rc = subprocess.run(cmd, stdout=so, stderr=se, env=e, cwd=ROOT, timeout=600).returncode
                except subprocess.TimeoutExpired:
                    rc = 'timeout'
            if rc != 0:
                print('reproduce: fig9: %s under %s failed (%s); see %s' % (wl, alloc, rc, sub), file=sys.stderr)
            else:
                ok += 1
    return ok


def run_stats(out, suite):
    """tide-2006's exit statistics in the paper's P layout, at the exit of cca."""
    reg = read_registry()
    w = reg.get('cca')
    path = os.path.join(out, 'stats-dump.txt')
    if not w:
        print('reproduce: stats: workload cca is not registered', file=sys.stderr)
        return False
    args = suite_args(w, suite)
    # progrun NAME EXPECT -- PROGRAM ARGS: run the program itself.
    prog = args[args.index('--') + 1:] if '--' in args else args
    e = env_for('tide-2006')
    e['TIDE_CONF'] = 'preset:bsd2006,stats_print:true,stats_opts:P'
    with open(path, 'w') as f:
        f.write('# tide-2006 (TIDE_CONF=%s) at the exit of: %s\n' % (e['TIDE_CONF'], ' '.join(prog)))
        f.flush()
        try:
            r = subprocess.run(prog, stdout=subprocess.DEVNULL, stderr=f, env=e, cwd=ROOT, timeout=600)
        except subprocess.TimeoutExpired:
            print('reproduce: stats: the program timed out', file=sys.stderr)
            return False
    if r.returncode != 0:
        print('reproduce: stats: %s exited %d' % (prog[0], r.returncode), file=sys.stderr)
        return False
    return True


SUITE_COL = {'quick': 5, 'full': 6, 'smoke': 7}   # the argument columns of workloads.tsv


def suite_args(w, suite):
    """The argument words of registry row w for a suite."""
    return w[SUITE_COL.get(suite, 5)].split()


def read_registry():
    reg = {}
    for dirpath, _, files in os.walk(os.path.join(ROOT, 'workloads')):
        if 'workloads.tsv' not in files or dirpath.count(os.sep) - ROOT.count(os.sep) > 2:
            continue
        with open(os.path.join(dirpath, 'workloads.tsv')) as f:
            for i, line in enumerate(f):
                if i == 0 or not line.strip():
                    continue
                c = line.rstrip('\n').split('\t')
                if len(c) >= 8:
                    reg[c[0]] = c
    return reg


def cmd_run(a):
    host = os.uname().nodename.split('.')[0] or 'host'
    name = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()) + '-' + host + '-repro' + ('-smoke' if a.smoke else '')
    out = os.path.join(a.out, name)
    if os.path.exists(out):
        die('%s exists' % out)
    os.makedirs(os.path.join(out, 'logs'))
    r = Runner(a)
    stop = {'sig': None}

    def on_sig(sig, _frame):
        stop['sig'] = sig
        if r.child:
            r.child.send_signal(signal.SIGINT)   # allocbench keeps every finished row
    signal.signal(signal.SIGINT, on_sig)
    signal.signal(signal.SIGTERM, on_sig)
    settings = {'budget_s': a.budget, 'full': a.full, 'smoke': a.smoke, 'suite': a.suite, 'ncpu': ncpu(),
                'allocators': ALLOCATORS, 'started': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                'command': ' '.join(sys.argv), 'stages': []}
    stages = plan(a)
    wsum = sum(s[5] for s in stages)
    if a.budget is not None and a.budget - (time.time() - r.t0) < 120:
        print('reproduce: a budget of %d s leaves under 2 minutes: every stage runs one repetition' % a.budget,
              file=sys.stderr)
    for st, wls, th, pin, reps, w in stages:
        if stop['sig']:
            break
        d = r.allocbench(st, out, wls, th, pin, reps, w, wsum)
        wsum -= w
        settings['stages'].append({'stage': st, 'workloads': wls, 'threads': th, 'pin': pin,
                                   'reps_asked': reps, 'folder': os.path.basename(d) if d else None})
    if not stop['sig']:
        r.progress('fig9', None)
        run_fig9(out, a.suite)
        r.progress('stats', None)
        run_stats(out, a.suite)
    settings['ended'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    settings['state'] = 'interrupted' if stop['sig'] else 'complete'
    settings['git'] = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True,
                                     text=True).stdout.strip()
    settings['git_dirty'] = bool(subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'],
                                                cwd=ROOT, capture_output=True, text=True).stdout.strip())
    with open(os.path.join(out, 'reproduce.json'), 'w') as f:
        json.dump(settings, f, indent=1)
    r.progress('analysis', None)
    rc = analyze(out)
    print('results: %s' % out)
    print('reproduce: done in %s' % hms(time.time() - r.t0), file=sys.stderr)
    return 130 if stop['sig'] else rc


# ---- reading results -------------------------------------------------------------

def load_runs(d):
    p = os.path.join(d, 'runs.csv') if d else None
    if not p or not os.path.exists(p):
        return []
    need = ('run_id', 'allocator', 'workload', 'threads', 'warmup', 'status', 'value', 'wall_s', 'maxrss_kb',
            'machine')
    with open(p, newline='') as f:
        rd = csv.DictReader(f)
        miss = [c for c in need if c not in (rd.fieldnames or [])]
        if miss:
            die('%s: not an allocbench runs.csv (no column %s)' % (p, miss[0]))
        rows = [r for r in rd if r.get('warmup') == '0']
    for r in rows:
        if None in r or None in r.values() or not (r['threads'] or '').isdigit():
            die('%s: corrupt row %s' % (p, r.get('run_id', '?')))
    return rows


def load_extra(d, wl, key):
    """run_id -> float value of one extras.csv key of workload wl."""
    p = os.path.join(d, 'extras.csv')
    out = {}
    if not os.path.exists(p):
        return out
    with open(p, newline='') as f:
        for r in csv.DictReader(f):
            if r.get('workload') == wl and r.get('key') == key:
                try:
                    out[r['run_id']] = float(r['value'])
                except (TypeError, ValueError):
                    die('%s: corrupt value in row %s' % (p, r.get('run_id', '?')))
    return out


def ok_vals(runs, alloc, wl, th, col='value'):
    v = []
    for r in runs:
        if r['allocator'] == alloc and r['workload'] == wl and int(r['threads']) == th and r['status'] == 'ok':
            try:
                v.append(float(r[col]))
            except ValueError:
                pass
    return v


def med(v):
    return statistics.median(v) if v else None


def mean(v):
    return statistics.fmean(v) if v else None


def spread(v):
    m = med(v)
    return (max(v) - min(v)) / m if v and m else None


def quart(v):
    v = sorted(v)
    if not v:
        return None
    def q(p):
        k = (len(v) - 1) * p
        f = math.floor(k)
        c = min(f + 1, len(v) - 1)
        return v[f] + (v[c] - v[f]) * (k - f)
    return (v[0], q(0.25), q(0.5), q(0.75), v[-1], len(v))


def fmt(x, nd=3):
    if x is None:
        return '–'
    if isinstance(x, int):
        return str(x)
    if abs(x) >= 1e5:
        return '%.3g' % x
    return ('%.' + str(nd) + 'g') % x


class Set:
    def __init__(self, d):
        self.d = d
        self.runs = {st: load_runs(os.path.join(d, st)) for st in
                     ('fig6-unpinned', 'fig6-spread', 'fig7', 'fig8-long', 'fig8-short')}
        p = os.path.join(d, 'reproduce.json')
        self.meta = json.load(open(p)) if os.path.exists(p) else {}
        self.ncpu = self.meta.get('ncpu', ncpu())
        self.st = self.runs['fig8-long'] + self.runs['fig8-short']
        # The programs' peak RSS: the process's, except the Redis trace
        # replay's, which is net of the trace it loads into memory first
        # (hundreds of MB, the same under every allocator; replay.c).
        net = {}
        for st in ('fig8-long', 'fig8-short'):
            net.update(load_extra(os.path.join(d, st), 'redis-replay', 'peak_rss'))
        live = load_extra(os.path.join(d, 'fig8-short'), 'sh6bench', 'peak_live')
        self.peak_live = {'sh6bench': max(live.values())} if live else {}
        for r in self.st:
            if r['workload'] == 'redis-replay':
                v = net.get(r['run_id'])
                r['rss_kb'] = '%g' % (v / 1024) if v is not None else ''
            else:
                r['rss_kb'] = r['maxrss_kb']

    def threads(self, stage):
        return sorted({int(r['threads']) for r in self.runs[stage]})

    def allocs(self, stage):
        seen = []
        for r in self.runs[stage]:
            if r['allocator'] not in seen:
                seen.append(r['allocator'])
        return [a for a in ALLOCATORS if a in seen] + [a for a in seen if a not in ALLOCATORS]

    def calib(self):
        p = os.path.join(self.d, 'fig6-unpinned', 'calibration.csv')
        if not os.path.exists(p):
            return {}
        with open(p) as f:
            return {int(r['threads']): float(r['speedup']) for r in csv.DictReader(f)}

    def machine(self):
        for st in self.runs:
            if self.runs[st]:
                return self.runs[st][0]['machine']
        return '?'


# ---- claims ------------------------------------------------------------------------

CLAIMS = [('C1', 'scales almost perfectly up to ncpu threads'),
          ('C2', 'remains relatively constant above ncpu threads'),
          ('C3', 'contention appears only past narenas threads (2006 mode)'),
          ('C4', 'lock-based allocators degrade severely past one thread'),
          ('C5', 'server: degrades gracefully, low variability'),
          ('C6', 'single-thread run time similar to the others'),
          ('C7', 'single-thread peak RSS similar to the others'),
          ('C8', 'less fragmentation than the system allocator on fragmentation-sensitive loads'),
          ('C9', 'run-header overhead about 3% for the largest small class'),
          ('C10', 'single-thread malloc-test cost (informational)')]


CLAIM_INFO = {
    'C1': ('tide malloc-test median(T=ncpu)/median(T=1) >= 0.8 x ncpu', '>= 0.8 x ncpu', '3.94 at 4 CPUs'),
    'C2': ('tide malloc-test: min median above ncpu / peak', '>= 0.85 and >= 0.80', '0.93 (5-16 threads), 0.88 (5-20)'),
    'C3': ('tide-2006 malloc-test spread past narenas', 'larger', 'spread jumps at 17 threads'),
    'C4': ('locked T2 < T1, tide >= 10 x locked at T=ncpu', '< 1 and >= 10', 'dlmalloc 1.28e7 -> 3.51e6; 27x/51x'),
    'C5': ('tide MariaDB spread <= 10%, median >= 0.95 x best', '<= 0.10 and >= 0.95', '0.7% range at 100 clients'),
    'C6': ('each program: tide mean run time <= 1.35 x best', '<= 1.35', 'sh6bench 4.50/3.35 = 1.34'),
    'C7': ('each program: tide mean peak RSS <= 1.10 x best', '<= 1.10', 'gs 15,616/15,001 = 1.04'),
    'C8': ('sh6bench-like and Redis trace: tide peak RSS < glibc', '< 1', '-40.0% (sh6bench), -8.6% (smlng)'),
    'C9': ('1 - nregs x size / run size, largest small class', '<= 3.5%', '2,048/65,536 = 3.1%'),
    'C10': ('tide median(T=1) / glibc median(T=1)', 'none', 'jemalloc 0.71 of dlmalloc'),
}


def claims(s):
    """C1..C10 of section 3.4 of the research note, from the measured data alone."""
    n = s.ncpu
    narenas = 4 * n
    rows = []

    def row(cid, claim, test, thr, value, reps, paper, verdict, why=''):
        rows.append({'id': cid, 'claim': claim, 'test': test, 'threshold': thr, 'measured': value,
                     'reps': reps, 'paper': paper, 'verdict': verdict, 'reason': why})

    un, sp = s.runs['fig6-unpinned'], s.runs['fig6-spread']
    cal = s.calib()

    def mt(runs, alloc, t):
        return ok_vals(runs, alloc, 'malloc-test', t)

    def nreps(vs):
        ns = [len(v) for v in vs if v is not None]
        return ('%d' % min(ns)) if ns and min(ns) == max(ns) else ('%d-%d' % (min(ns), max(ns)) if ns else '0')

    # C1
    v1, vn = mt(un, PROJECT, 1), mt(un, PROJECT, n)
    w1, wn = mt(sp, PROJECT, 1), mt(sp, PROJECT, n)
    if v1 and vn:
        r_un, r_sp = med(vn) / med(v1), (med(wn) / med(w1) if w1 and wn else None)
        best = max(x for x in (r_un, r_sp) if x is not None)
        thr = 0.8 * n
        cs = cal.get(n)
        value = 'median(T=%d)/median(T=1) = %.2f unpinned, %s spread' % (n, r_un, fmt(r_sp))
        if cs is not None and cs < thr:
            verdict, why = 'not checkable on this machine', \
                'the calibrated CPU speedup at %d threads is %.2f, below the threshold itself' % (n, cs)
        elif n < 4:
            verdict = 'yes' if best >= thr else 'no'
            why = 'weak test: %d cores allow at most %dx' % (n, n)
        else:
            verdict = 'yes' if best >= thr else 'no'
        if cs is not None:
            why = (why + '; ' if why else '') + 'calibrated speedup at %d threads %.2f' % (n, cs)
        row('C1', 'scales almost perfectly up to ncpu threads', 'tide malloc-test median(T=ncpu)/median(T=1) >= 0.8 x ncpu',
            '>= %.1f' % thr, value, nreps([v1, vn, w1, wn]), '3.94 at 4 CPUs', verdict, why)
    else:
        row('C1', 'scales almost perfectly up to ncpu threads', 'malloc-test', '', 'no data', '0', '3.94',
            'not checkable on this machine', 'malloc-test of tide has no successful runs')

    # C2
    ths = s.threads('fig6-unpinned')
    meds = {t: med(mt(un, PROJECT, t)) for t in ths}
    meds = {t: m for t, m in meds.items() if m}
    if meds:
        peak = max(meds.values())
        g1 = [meds[t] for t in meds if n < t <= narenas]
        g2 = [meds[t] for t in meds if n < t <= 5 * n]
        a1 = min(g1) / peak if g1 else None
        a2 = min(g2) / peak if g2 else None
        verdict = 'yes' if (a1 is not None and a2 is not None and a1 >= 0.85 and a2 >= 0.80) else \
            ('no' if a1 is not None and a2 is not None else 'not checkable on this machine')
        row('C2', 'remains relatively constant above ncpu threads',
            'tide malloc-test (unpinned): min median over ncpu<T<=narenas / peak >= 0.85; over ncpu<T<=5ncpu >= 0.80',
            '>= 0.85 and >= 0.80', '%s (T<=%d), %s (T<=%d)' % (fmt(a1), narenas, fmt(a2), 5 * n),
            nreps([mt(un, PROJECT, t) for t in meds]), '0.93 (5-16 threads), 0.88 (5-20)', verdict,
            '' if g1 else 'no thread count above ncpu was measured')
    # C3
    a6 = 'tide-2006'
    sp_in = [spread(mt(un, a6, t)) for t in ths if n < t <= narenas]
    sp_out = [spread(mt(un, a6, t)) for t in ths if t > narenas]
    sp_in = [x for x in sp_in if x is not None]
    sp_out = [x for x in sp_out if x is not None]
    counts = [mt(un, a6, t) for t in ths if t > n]
    if sp_in and sp_out and min(len(c) for c in counts) >= 2:
        m_in, m_out = statistics.fmean(sp_in), statistics.fmean(sp_out)
        row('C3', 'contention appears only past narenas threads (2006 mode)',
            'tide-2006 malloc-test: mean (max-min)/median for T>narenas > for ncpu<T<=narenas',
            'larger', '%.3f (T>%d) vs %.3f (%d<T<=%d)' % (m_out, narenas, m_in, n, narenas), nreps(counts),
            'low whisker 2.33e7 vs median 3.31e7 at 17 threads', 'yes' if m_out > m_in else 'no')
    else:
        row('C3', 'contention appears only past narenas threads (2006 mode)', 'spread of tide-2006 malloc-test',
            'larger', 'no data', nreps(counts) if counts else '0', 'spread jumps at 17 threads',
            'not checkable on this machine',
            'needs >= 2 repetitions at thread counts on both sides of narenas = %d' % narenas)
    # C4
    l1, l2 = med(mt(un, 'locked', 1)), med(mt(un, 'locked', 2))
    ln, tn = med(mt(un, 'locked', n)), med(mt(un, PROJECT, n))
    if l1 and l2 and ln and tn:
        ok = l2 < l1 and tn >= 10 * ln
        row('C4', 'lock-based allocators degrade severely past one thread',
            'locked: median(T=2) < median(T=1), and tide at T=ncpu >= 10 x locked at T=ncpu',
            '< 1 and >= 10', 'locked T2/T1 = %.2f; tide/locked at T=%d = %.1f' % (l2 / l1, n, tn / ln),
            nreps([mt(un, 'locked', 1), mt(un, 'locked', 2), mt(un, PROJECT, n)]),
            'dlmalloc 1.28e7 -> 3.51e6; jemalloc 27x/51x at 4 threads', 'yes' if ok else 'no')
    # C5
    db = s.runs['fig7']
    cls = s.threads('fig7')
    if cls:
        worst_sp, worst_rel, allv = 0.0, 9.9, []
        for c in cls:
            v = ok_vals(db, PROJECT, 'mariadb', c)
            allv.append(v)
            if not v:
                continue
            best = max((med(ok_vals(db, a, 'mariadb', c)) or 0) for a in s.allocs('fig7'))
            worst_sp = max(worst_sp, spread(v))
            worst_rel = min(worst_rel, med(v) / best if best else 0)
        have = all(allv)
        ok = have and worst_sp <= 0.10 and worst_rel >= 0.95
        why = 'indicative only: server and clients share the %d cores' % n if n <= 4 else ''
        if have and min(len(v) for v in allv) < 2:
            verdict, why = 'not checkable on this machine', 'one repetition per client count gives no spread'
        else:
            verdict = ('yes' if ok else 'no') if have else 'not checkable on this machine'
        row('C5', 'server: degrades gracefully, low variability',
            'tide, every client count: (max-min)/median <= 10% and median >= 0.95 x best median',
            '<= 0.10 and >= 0.95', 'worst spread %.3f, worst median/best %.3f' % (worst_sp, worst_rel),
            nreps(allv), '0.7% range at 100 clients; within 2-4% of dlmalloc', verdict, why)
    # C6, C7
    for cid, col, lim, paper, what in (('C6', 'wall_s', 1.35, 'sh6bench 4.50/3.35 = 1.34', 'run time'),
                                       ('C7', 'rss_kb', 1.10, 'gs 15,616/15,001 = 1.04', 'peak RSS')):
        worst, wname, reps, parts = 0.0, '', [], []
        for wl in PROGRAMS:
            v = ok_vals(s.st, PROJECT, wl, 1, col)
            if not v:
                continue
            reps.append(v)
            best = min(mean(ok_vals(s.st, a, wl, 1, col)) or float('inf') for a in s.allocs('fig8-short') + s.allocs('fig8-long'))
            r = mean(v) / best
            parts.append('%s %.2f' % (PROGRAM_LABEL[wl], r))
            if r > worst:
                worst, wname = r, PROGRAM_LABEL[wl]
        if reps:
            row(cid, 'single-thread %s similar to the others' % what,
                'each program: tide mean %s <= %.2f x best allocator mean' % (what, lim), '<= %.2f' % lim,
                'worst %.2f (%s); %s' % (worst, wname, ', '.join(parts)), nreps(reps), paper,
                'yes' if worst <= lim and len(reps) == len(PROGRAMS) else 'no',
                '' if len(reps) == len(PROGRAMS) else 'programs without data: %d' % (len(PROGRAMS) - len(reps)))
    # C8
    parts, ok, reps = [], True, []
    for wl in ('sh6bench', 'redis-replay'):
        t, g = ok_vals(s.st, PROJECT, wl, 1, 'rss_kb'), ok_vals(s.st, 'glibc', wl, 1, 'rss_kb')
        if not t or not g:
            ok = None
            continue
        reps += [t, g]
        parts.append('%s %.0f vs %.0f kB (%.3f)' % (PROGRAM_LABEL[wl], mean(t), mean(g), mean(t) / mean(g)))
        if wl == 'sh6bench' and s.peak_live.get(wl):
            pl = s.peak_live[wl] / 1024
            parts.append('(peak RSS - peak live) / peak live: tide %.2f, glibc %.2f' % (
                (mean(t) - pl) / pl, (mean(g) - pl) / pl))
        ok = ok and mean(t) < mean(g)
    if parts:
        row('C8', 'less fragmentation than the system allocator on fragmentation-sensitive loads',
            'sh6bench-like and Redis trace: tide mean peak RSS < glibc mean peak RSS', '< 1',
            '; '.join(parts), nreps(reps), 'jemalloc -40.0% vs dlmalloc (sh6bench), -8.6% (smlng)',
            'yes' if ok else ('no' if ok is False else 'not checkable on this machine'))
    # C9
    c9 = c9_from_dump(os.path.join(s.d, 'stats-dump.txt'))
    if c9:
        size, nregs, run, maxsmall, (rh, ph) = c9
        total = run + rh + (run // 4096) * ph   # the run, its header (outside it) and its pages' chunk-header share
        ov = 1 - nregs * size / total
        note = '' if size == maxsmall else 'the largest class cca used; the largest small class is %s B' % maxsmall
        row('C9', 'run-header overhead about 3% for the largest small class',
            '1 - nregs x size / (run size + run header + chunk header share) of the largest class in the stats dump',
            '<= 3.5%', '%.2f%% (%d x %d B; run %d B + header %d B + %d B of chunk headers)' % (
                100 * ov, nregs, size, run, rh, (run // 4096) * ph), 'static (size-class table)',
            '2,048/65,536 = 3.1%', 'yes' if ov <= 0.035 else 'no', note)
    else:
        row('C9', 'run-header overhead about 3%', 'from the stats dump', '<= 3.5%', 'no dump', '0', '3.1%',
            'not checkable on this machine', 'stats-dump.txt is missing or has no bin table')
    # C10
    t1, g1 = mt(un, PROJECT, 1), mt(un, 'glibc', 1)
    if t1 and g1:
        row('C10', 'single-thread malloc-test cost (informational)', 'tide median(T=1) / glibc median(T=1)',
            'none', '%.2f' % (med(t1) / med(g1)), nreps([t1, g1]), 'jemalloc 0.71 of dlmalloc', 'informational')
    # A claim whose data is missing still gets its row.
    have = {r['id'] for r in rows}
    for cid, claim in CLAIMS:
        if cid not in have:
            test, thr, paper = CLAIM_INFO[cid]
            row(cid, claim, test, thr, 'no data', '0', paper, 'not checkable on this machine',
                'the stage it needs has no successful runs')
    order = [c for c, _ in CLAIMS]
    rows.sort(key=lambda r: order.index(r['id']))
    return rows


def c9_from_dump(path):
    """(size, nregs, run size, max small size) of the largest small class the
    P dump lists (its bins table lists the classes the program used)."""
    if not os.path.exists(path):
        return None
    best, cols, maxsmall, hdr = None, None, None, (0, 0)
    for line in open(path, errors='replace'):
        w = line.split()
        if line.startswith('Max small size:') and w[-1].isdigit():
            maxsmall = int(w[-1])
        if line.startswith('Run headers:') and len(w) > 11 and w[2].isdigit() and w[11].isdigit():
            hdr = (int(w[2]), int(w[11]))   # bytes per run (outside it), chunk header bytes per page
        if 'size' in w and 'nregs' in w and 'run_sz' in w:
            cols = w
            continue
        if not cols or not w or not w[0].isdigit() or len(w) < len(cols):
            continue
        try:
            rec = {k: int(w[i]) for i, k in enumerate(cols) if k in ('size', 'nregs', 'run_sz')}
        except ValueError:
            continue
        if best is None or rec['size'] > best[0]:
            best = (rec['size'], rec['nregs'], rec['run_sz'])
    return best + (maxsmall, hdr) if best else None


def write_claims(s, d):
    rows = claims(s)
    with open(os.path.join(d, 'claims.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ['id'])
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(d, 'claims.md'), 'w') as f:
        f.write('| id | claim | test | threshold | measured | reps | paper | verdict |\n|---|---|---|---|---|---|---|---|\n')
        for r in rows:
            v = r['verdict'] + (' (%s)' % r['reason'] if r['reason'] else '')
            f.write('| %s |\n' % ' | '.join(str(x).replace('|', '/') for x in
                                              (r['id'], r['claim'], r['test'], r['threshold'], r['measured'],
                                               r['reps'], r['paper'], v)))
        f.write('\nMachine: %s; narenas of tide-2006 = 4 x %d CPUs = %d. Set: %s.\n' %
                (s.machine(), s.ncpu, 4 * s.ncpu, os.path.basename(os.path.normpath(d))))
    return rows


# ---- tables and figures ----------------------------------------------------------

def write_tables(s, d):
    al = [a for a in ALLOCATORS if any(r['allocator'] == a for r in s.st)]
    with open(os.path.join(d, 'tables.md'), 'w') as f:
        f.write('# Single-threaded programs (the five tables of the paper, means)\n\n')
        f.write('Machine: %s. Set: %s.\n\n' % (s.machine(), os.path.basename(os.path.normpath(d))))
        for wl in PROGRAMS:
            t = {a: ok_vals(s.st, a, wl, 1, 'wall_s') for a in al}
            m = {a: ok_vals(s.st, a, wl, 1, 'rss_kb') for a in al}
            n = [len(v) for v in t.values() if v]
            f.write('## %s (replicates: %s)\n\n' % (PROGRAM_LABEL[wl], '%d' % min(n) if n and min(n) == max(n)
                                                   else ('-'.join(map(str, (min(n), max(n)))) if n else '0')))
            f.write('| | %s |\n|---|%s\n' % (' | '.join(al), '---|' * len(al)))
            f.write('| Run time | %s |\n' % ' | '.join('%.2f s' % mean(t[a]) if t[a] else '–' for a in al))
            f.write('| Max. res. mem. | %s |\n\n' % ' | '.join('%.0f kB' % mean(m[a]) if m[a] else '–' for a in al))
            if wl == 'redis-replay':
                f.write('The replay\'s peak RSS is net of the RSS before its first event (the trace it loads, '
                        'the same under every allocator).\n\n')
        pd = PAPER_ST
        f.write('## The paper\'s means (for the shape)\n\n| program | dlmalloc | phkmalloc | jemalloc |\n|---|---|---|---|\n')
        for wl in PROGRAMS:
            f.write('| %s | %s |\n' % (PROGRAM_LABEL[wl], ' | '.join('%.2f s, %d kB' % x for x in pd[wl])))


def run_gnuplot(script, v, vf):
    """Write the variables v into vf (numbers as they are, strings quoted)
    and run gnuplot on vf then scripts/<script>."""
    with open(vf, 'w') as f:
        for k, x in v.items():
            f.write("%s=%s\n" % (k, x if isinstance(x, (int, float)) else "'" + str(x).replace("'", "''") + "'"))
    return subprocess.run(['gnuplot', vf, os.path.join(ROOT, 'scripts', script)], capture_output=True, text=True)


def gp(script, vars_, d, base):
    for fmt_ in ('png', 'pdf'):
        out = os.path.join(d, 'figures', '%s.%s' % (base, fmt_))
        v = dict(vars_)
        v.update({'fmt': fmt_, 'out': out, 'scriptdir': os.path.join(ROOT, 'scripts')})
        r = run_gnuplot(script, v, os.path.join(d, 'figures', 'data', '%s.vars.gp' % base))
        if r.returncode != 0 or not os.path.exists(out):
            print('reproduce: gnuplot failed for %s: %s' % (base, r.stderr.strip()[:300]), file=sys.stderr)
            return False
    return True


def gp_once(script, vars_, d, base):
    """A script that writes base.png and base.pdf itself (out without extension)."""
    out = os.path.join(d, 'figures', base)
    v = dict(vars_)
    v['out'] = out
    r = run_gnuplot(script, v, os.path.join(d, 'figures', 'data', '%s.vars.gp' % base))
    if r.returncode != 0 or not os.path.exists(out + '.png'):
        print('reproduce: gnuplot failed for %s: %s' % (base, r.stderr.strip()[:300]), file=sys.stderr)
        return False
    return True


def caption(s, d, what):
    return '%s. %s; set %s' % (what, s.machine(), os.path.basename(os.path.normpath(d)))


def box_data(runs, allocs, wl, xs, path, col='value'):
    with open(path, 'w') as f:
        for a in allocs:
            f.write('# %s\n' % a)
            for i, x in enumerate(xs):
                q = quart(ok_vals(runs, a, wl, x, col))
                if q:
                    f.write('%d %d %g %g %g %g %g %d\n' % (i + 1, x, *q))
            f.write('\n\n')


def mt_cycles(s):
    """malloc-test's total cycles in the suite the set was run with."""
    w = read_registry().get('malloc-test')
    suite = s.meta.get('suite', 'quick')
    if not w:
        return '?'
    a = suite_args(w, suite)
    return '{:,}'.format(int(a[0])) if a and a[0].isdigit() else '?'


def figures(s, d):
    fd = os.path.join(d, 'figures', 'data')
    os.makedirs(fd, exist_ok=True)
    nfig = 0
    for st, label in (('fig6-unpinned', 'threads not pinned, as in the paper'),
                      ('fig6-spread', 'threads spread over the cores with hwloc')):
        runs = s.runs[st]
        if not runs:
            continue
        al, ths = s.allocs(st), s.threads(st)
        dat = os.path.join(fd, '%s.dat' % st)
        box_data(runs, al, 'malloc-test', ths, dat)
        nfig += gp('repro-box.gp', {'dat': dat, 'names': ' '.join(al), 'nal': len(al), 'logy': 1,
                                    'xlab': 'threads', 'ylab': 'allocations per second (malloc+free of 512 B), log scale',
                                    'ttl': "Fig. 6': malloc-test, %s cycles in total, %s" % (mt_cycles(s), label),
                                    'xtl': ' '.join(map(str, ths)),
                                    'caption': caption(s, d, 'box: quartiles, whiskers: min/max, line: medians')},
                   d, st)
    runs = s.runs['fig7']
    if runs:
        al, cl = s.allocs('fig7'), s.threads('fig7')
        dat = os.path.join(fd, 'fig7.dat')
        box_data(runs, al, 'mariadb', cl, dat)
        nfig += gp('repro-box.gp', {'dat': dat, 'names': ' '.join(al), 'nal': len(al), 'logy': 0, 'joined': 0,
                                    'xlab': 'clients (sysbench threads)', 'ylab': 'queries per second',
                                    'ttl': "Fig. 7': MariaDB under each allocator, sysbench oltp_point_select over a Unix socket",
                                    'xtl': ' '.join(map(str, cl)),
                                    'caption': caption(s, d, 'box: quartiles, whiskers: min/max')}, d, 'fig7')
    if s.st:
        al = [a for a in ALLOCATORS if any(r['allocator'] == a for r in s.st)]
        for col, base in (('wall_s', 'time'), ('rss_kb', 'rss')):
            with open(os.path.join(fd, 'fig8-%s.dat' % base), 'w') as f:
                for wl in PROGRAMS:
                    ms = [mean(ok_vals(s.st, a, wl, 1, col)) for a in al]
                    top = max((m for m in ms if m), default=None)
                    if not top:
                        continue
                    f.write('"%s" %s\n' % (PROGRAM_LABEL[wl], ' '.join('%g' % (m / top) if m else '?' for m in ms)))
        nfig += gp('fig8.gp', {'dtime': os.path.join(fd, 'fig8-time.dat'), 'drss': os.path.join(fd, 'fig8-rss.dat'),
                               'names': ' '.join(al), 'nal': len(al), 'threads': 1, 'stat': 'Mean',
                               'caption': caption(s, d, "Fig. 8': single-threaded programs")}, d, 'fig8')
    f9 = os.path.join(d, 'fig9')
    if os.path.isdir(f9):
        for sub in sorted(os.listdir(f9)):
            txt = [p for p in ('addrmap.txt', 'replay-addrmap.txt') if os.path.exists(os.path.join(f9, sub, p))]
            if not txt:
                continue
            meta = {}   # wl_addrmap writes "key value" lines
            for line in open(os.path.join(f9, sub, txt[0])):
                kv = line.split(None, 1)
                if len(kv) == 2:
                    meta[kv[0]] = kv[1].strip()
            mp = os.path.join(f9, sub, txt[0].replace('.txt', '.f32'))
            wl, alloc = sub.split('-tide')[0], 'tide' + sub.split('-tide', 1)[1]
            v = {'map': mp, 'rows': meta.get('rows', 1), 'cols': meta.get('cols', 1),
                 'events': meta.get('events', 1), 'buckets_per_row': meta.get('buckets_per_row', 1),
                 'first': meta.get('first_bucket', '?'), 'last': meta.get('last_bucket', '?'),
                 'name': alloc, 'workload': PROGRAM_LABEL.get(wl, wl), 'bounds': '',
                 'caption': caption(s, d, "Fig. 9': address x time map")}
            for k in ('rows', 'cols', 'events', 'buckets_per_row'):
                try:
                    v[k] = int(v[k])
                except ValueError:
                    pass
            nfig += gp_once('fig9.gp', v, d, 'fig9-%s' % sub)
    return nfig


def open_set(d):
    if not os.path.isdir(d):
        die('%s is not a folder' % d)
    try:
        s = Set(d)
    except (OSError, ValueError, KeyError, csv.Error) as e:
        die('%s: unreadable results (%s)' % (d, e))
    if not any(s.runs.values()):
        die('%s holds no stage results (fig6-unpinned/, fig7/, ... with runs.csv)' % d)
    return s


def analyze(d):
    s = open_set(d)
    write_tables(s, d)
    rows = write_claims(s, d)
    nfig = figures(s, d)
    print('reproduce: %d figures, %d claims (%s) in %s' % (
        nfig, len(rows), ', '.join('%s %s' % (r['id'], r['verdict']) for r in rows), d), file=sys.stderr)
    return 0 if len(rows) == 10 else 1


def cmd_readme(d, readme):
    """Replace the block between the reproduction markers of the README with
    the claims table and the figure list of set d (generated, never typed)."""
    s = open_set(d)
    rel = os.path.relpath(os.path.abspath(d), ROOT)
    claims_md = os.path.join(d, 'claims.md')
    if not os.path.exists(claims_md):
        die('%s has no claims.md (run: reproduce.py analyze %s)' % (d, d))
    figs = sorted(f for f in os.listdir(os.path.join(d, 'figures')) if f.endswith('.png'))
    reps = s.meta.get('stages', [])
    cmd = s.meta.get('command', '?').replace(ROOT + '/', '')
    if '--t0' in cmd:   # started by make: say so in make's terms
        b = s.meta.get('budget_s')
        cmd = 'make reproduce' + (' FULL=1' if s.meta.get('full') else '') + \
              ('' if b in (None, 1740.0) else ' BUDGET=%g' % b)
    lines = ['<!-- reproduce:begin (scripts/reproduce.py readme %s) -->' % rel, '',
             'From `%s` (%s; git `%s`%s; `%s`):' % (rel, s.machine(), s.meta.get('git', '?'),
                                                   ', with local changes' if s.meta.get('git_dirty') else ', clean', cmd), '']
    lines += open(claims_md).read().rstrip().split('\n')
    lines += ['', 'Stages: ' + '; '.join('%s %s threads/clients %s, %s repetitions asked' % (
        st['stage'], '+'.join(st['workloads']), ','.join(map(str, st['threads'])), st['reps_asked']) for st in reps) + '.',
        '']
    for f in ('fig6-unpinned.png', 'fig6-spread.png', 'fig7.png', 'fig8.png'):
        if f in figs:
            lines += ['![%s](%s/figures/%s)' % (f[:-4], rel, f), '']
    lines += ['All figures (PNG and PDF): ' + ', '.join('[%s](%s/figures/%s)' % (f[:-4], rel, f) for f in figs) +
        '; tables: [%s/tables.md](%s/tables.md); stats dump: [%s/stats-dump.txt](%s/stats-dump.txt).' % (rel, rel, rel, rel),
        '', '<!-- reproduce:end -->']
    text = open(readme).read()
    a, b = text.find('<!-- reproduce:begin'), text.find('<!-- reproduce:end -->')
    if a < 0 or b < 0:
        die('%s has no <!-- reproduce:begin --> ... <!-- reproduce:end --> block' % readme)
    text = text[:a] + '\n'.join(lines) + text[b + len('<!-- reproduce:end -->'):]
    with open(readme, 'w') as f:
        f.write(text)
    return 0


def main():
    import argparse
    p = argparse.ArgumentParser(prog='reproduce.py', description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run')
    r.add_argument('--budget', type=float)
    r.add_argument('--t0', type=float)
    r.add_argument('--full', action='store_true')
    r.add_argument('--smoke', action='store_true')
    r.add_argument('--out', default=os.path.join(ROOT, 'results'))
    r.add_argument('--timeout', type=int, default=300)
    r.add_argument('--reserve', type=float, default=90, help='seconds kept for fig9, stats and analysis')
    r.add_argument('--executor', choices=('local', 'slurm'), default=os.environ.get('EXECUTOR') or 'local',
                   help='allocbench run --executor for the measured stages (default: $EXECUTOR, else local; '
                        'make reproduce EXECUTOR=slurm)')
    r.add_argument('--sbatch-args', default=os.environ.get('SBATCH_ARGS', ''),
                   help='with --executor slurm: more sbatch options (default: $SBATCH_ARGS)')
    for c in ('analyze', 'claims'):
        q = sub.add_parser(c)
        q.add_argument('dir')
    q = sub.add_parser('plan', help='print the stages run would measure, and exit')
    q.add_argument('--full', action='store_true')
    q.add_argument('--smoke', action='store_true')
    q.add_argument('--ncpu', type=int, default=ncpu())
    q = sub.add_parser('readme')
    q.add_argument('dir')
    q.add_argument('--readme', default=os.path.join(ROOT, 'README.md'))
    a = p.parse_args()
    if a.cmd == 'run':
        if a.budget is not None and a.budget <= 0:
            die('BUDGET must be a positive number of seconds')
        a.suite = 'smoke' if a.smoke else ('full' if a.full else 'quick')
        if a.executor == 'slurm' and a.budget is not None:
            # the stages run on the cluster until their arrays end: stopping
            # one at a budget would leave its jobs writing into a folder
            # that is moved away
            print('reproduce: --executor slurm: the budget (%g s) does not apply; the arrays run to the end'
                  % a.budget, file=sys.stderr)
            a.budget = None
        if not os.access(AB, os.X_OK):
            die('%s is not built (run make)' % AB)
        sys.exit(cmd_run(a))
    if a.cmd == 'analyze':
        sys.exit(analyze(a.dir))
    if a.cmd == 'plan':
        a.suite = 'smoke' if a.smoke else ('full' if a.full else 'quick')
        reg = read_registry()
        for st, wls, th, pin, reps, w in plan(a):
            print('%-14s %-28s pin %-8s reps %-3d threads/clients %s' % (st, '+'.join(wls), pin, reps,
                                                                       ','.join(map(str, th))))
            for wl in wls:
                print('%14s %s: %s' % ('', wl, ' '.join(suite_args(reg[wl], a.suite)) if wl in reg else '(not registered)'))
        print('fig9           sh6bench, redis-replay under tide and tide-2006 (%s arguments)' % a.suite)
        print('stats          cca under tide-2006, TIDE_CONF=preset:bsd2006,stats_print:true,stats_opts:P')
        sys.exit(0)
    if a.cmd == 'readme':
        sys.exit(cmd_readme(a.dir, a.readme))
    s = open_set(a.dir)
    rows = write_claims(s, a.dir)
    print(open(os.path.join(a.dir, 'claims.md')).read())
    sys.exit(0 if len(rows) == 10 else 1)


if __name__ == '__main__':
    main()
