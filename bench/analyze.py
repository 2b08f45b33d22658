#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn bench/bench.sh's raw data into results, or compare two results.

  analyze.py DIR             read DIR/raw/ (bench.sh's output); write
                             DIR/results.json (every figure of every cell,
                             the summaries, the cuts), DIR/table.md and,
                             when gnuplot is there and BENCH_PLOTS is not
                             0, DIR/plots/*.svg
  analyze.py --compare A B   print B / A for every summary figure of two
                             results.json files (1.00: the same)

Figures, for each cell (one load, one repetition) and each sender, from
the kernel receive timestamps taken in the receiving namespace:
  frames          frames received in the cell
  gap_dev_us      |gap - interval| between consecutive frames (microseconds):
                  p50, p99, p99.9, max
  over_detect     gaps longer than interval x multiplier: each one a
                  false DOWN that this sender would cause
  downs           DOWN events the system raised in the cell (the module's
                  monitor in R; bfdd's log in R); null for the user senders,
                  which have no receiver state
and per cell the scheduling-latency probe (a normal task that sleeps
1 ms at a time: how late it woke, p99): how hard the load starved a
normal task.  Summaries: per load and sender, the median over the
repetitions and the spread (min, max).  Only the standard library.
"""

import json
import os
import sys
from datetime import datetime, timedelta, timezone

SENDERS = [
    # name, destination address, UDP port, label
    ("module", "10.77.0.101", 7410, "heartbeat.ko"),
    ("user", "10.77.0.102", 7999, "user"),
    ("fifo", "10.77.0.103", 7999, "user FIFO"),
    ("bfdd", "10.77.0.104", 3784, "bfdd"),
]


def pct(sorted_vals, p):
    """The p-th percentile (nearest rank) of a sorted list, or None."""
    if not sorted_vals:
        return None
    k = int(round(p / 100.0 * (len(sorted_vals) - 1)))
    return sorted_vals[min(max(k, 0), len(sorted_vals) - 1)]


def median(vals):
    vals = sorted(v for v in vals if v is not None)
    if not vals:
        return None
    n = len(vals)
    return vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2


def read_jsonl(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def bfd_downs(path, tz):
    """Times (ns, CLOCK_REALTIME) of bfdd's "up -> down" log lines."""
    out = []
    if not os.path.exists(path):
        return out
    sign = -1 if tz.startswith("-") else 1
    off = timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5])))
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if "state-change" not in line or "up -> down" not in line:
                continue
            try:
                t = datetime.strptime(line[:26], "%Y/%m/%d %H:%M:%S.%f")
            except ValueError:
                continue
            t = t.replace(tzinfo=off)
            out.append(int(t.timestamp() * 1e6) * 1000)
    return out


def module_downs(path, peer):
    return [e["time_ns"] for e in read_jsonl(path)
            if e.get("event") == "state" and e.get("state") == "down"
            and e.get("peer") == peer]


def read_rx(path):
    flows = {}
    if not os.path.exists(path):
        return flows
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3:
                continue
            flows.setdefault((parts[0], int(parts[1])), []).append(
                int(parts[2]))
    return flows


def cdf_points(sorted_vals, n=200):
    """At most n (value, fraction) points of the empirical CDF."""
    if not sorted_vals:
        return []
    pts = []
    m = len(sorted_vals)
    for i in range(n + 1):
        k = min(int(i * (m - 1) / n), m - 1)
        pts.append([sorted_vals[k], (k + 1) / m])
    return pts


def analyze(top):
    raw = os.path.join(top, "raw")
    meta = json.load(open(os.path.join(raw, "meta.json"), encoding="utf-8"))
    cells_in = read_jsonl(os.path.join(raw, "cells.jsonl"))
    tz = meta.get("tz", "+0000")
    mod_r = module_downs(os.path.join(raw, "monitor-R.jsonl"), 1)
    mod_s = module_downs(os.path.join(raw, "monitor-S.jsonl"), 2)
    bfd_r = bfd_downs(os.path.join(raw, "bfdd-R.log"), tz)
    cells = []
    pooled = {}
    for c in cells_in:
        interval_us = c["interval_ms"] * 1000
        detect_us = interval_us * c["mult"]
        flows = read_rx(os.path.join(raw, c["rx"]))
        span_s = (c["real1"] - c["real0"]) / 1e9
        cell = {k: c[k] for k in ("pass", "load", "rep", "interval_ms",
                                  "mult", "load_cmd")}
        cell["seconds"] = round(span_s, 3)
        probe = c.get("probe", "").split()
        pr = dict(zip(probe[0::2], probe[1::2]))
        cell["probe"] = {k: int(v) for k, v in pr.items() if v.isdigit()}
        cell["senders"] = {}
        for name, addr, port, _ in SENDERS:
            if name == "bfdd" and not c.get("bfd"):
                continue
            ts = sorted(flows.get((addr, port), []))
            gaps = [b - a for a, b in zip(ts, ts[1:])]
            dev = sorted(abs(g / 1000.0 - interval_us) for g in gaps)
            s = {
                "frames": len(ts),
                "expected": int(span_s * 1e6 / interval_us),
                "gap_dev_us": {
                    "p50": pct(dev, 50), "p99": pct(dev, 99),
                    "p99.9": pct(dev, 99.9),
                    "max": dev[-1] if dev else None,
                },
                "over_detect": sum(1 for g in gaps if g / 1000.0 > detect_us),
                "downs": None,
            }
            if name == "module":
                s["downs"] = sum(1 for t in mod_r
                                 if c["mono0"] <= t <= c["mono1"])
                s["downs_sender_side"] = sum(1 for t in mod_s
                                             if c["mono0"] <= t <= c["mono1"])
            elif name == "bfdd":
                s["downs"] = sum(1 for t in bfd_r
                                 if c["real0"] <= t <= c["real1"])
            cell["senders"][name] = s
            pooled.setdefault((c["pass"], c["load"], name), []).extend(dev)
        cells.append(cell)

    # Per pass, load and sender: median and spread over repetitions.
    summary = {}
    for cell in cells:
        key = (cell["pass"], cell["load"])
        summary.setdefault(key, {"probe_p99_us": [], "senders": {}})
        summary[key]["probe_p99_us"].append(cell["probe"].get("p99_us"))
        for name, s in cell["senders"].items():
            d = summary[key]["senders"].setdefault(name, {
                "p99_us": [], "p99.9_us": [], "max_us": [], "p50_us": [],
                "over_detect": [], "downs": [], "frames": []})
            d["p50_us"].append(s["gap_dev_us"]["p50"])
            d["p99_us"].append(s["gap_dev_us"]["p99"])
            d["p99.9_us"].append(s["gap_dev_us"]["p99.9"])
            d["max_us"].append(s["gap_dev_us"]["max"])
            d["over_detect"].append(s["over_detect"])
            d["downs"].append(s["downs"])
            d["frames"].append(s["frames"])

    def spread(vals):
        v = [x for x in vals if x is not None]
        if not v:
            return None
        return {"median": median(v), "min": min(v), "max": max(v),
                "n": len(v), "values": vals}

    out_summary = []
    idle_probe = {}
    for (pss, load), d in summary.items():
        if load == "idle":
            idle_probe[pss] = median(d["probe_p99_us"])
    for (pss, load), d in summary.items():
        e = {"pass": pss, "load": load,
             "probe_p99_us": spread(d["probe_p99_us"]), "senders": {}}
        ip = idle_probe.get(pss)
        pm = median(d["probe_p99_us"])
        e["probe_vs_idle"] = (pm / ip) if ip and pm is not None else None
        for name, s in d["senders"].items():
            e["senders"][name] = {k: spread(v) for k, v in s.items()}
            dev = sorted(pooled.get((pss, load, name), []))
            e["senders"][name]["cdf_us"] = cdf_points(dev)
        out_summary.append(e)

    cuts = analyze_cuts(raw, meta, mod_r, bfd_r)
    res = {"meta": meta, "cells": cells, "summary": out_summary,
           "cuts": cuts}
    with open(os.path.join(top, "results.json"), "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1)
    table = make_table(res)
    with open(os.path.join(top, "table.md"), "w", encoding="utf-8") as f:
        f.write(table)
    plots(top, res)
    return table


def analyze_cuts(raw, meta, mod_r, bfd_r):
    path = os.path.join(raw, "cuts.txt")
    cuts = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                p = line.split()
                if len(p) >= 2:
                    # MONO REAL [MODULE_UP BFD_UP]
                    up = [int(x) for x in p[2:4]] + [1, 1]
                    cuts.append((int(p[0]), int(p[1]), up[0], up[1]))
    detect_us = meta["interval_ms"] * 1000 * meta["mult"]
    out = {"n": len(cuts), "detect_us": detect_us}
    for name, downs, idx in (("module", mod_r, 0), ("bfdd", bfd_r, 1)):
        if name == "bfdd" and not meta.get("bfd"):
            continue
        lat = []
        was_up = 0
        for i, cut in enumerate(cuts):
            # Only cuts of a session that was up: a DOWN after the cut
            # of a session already down is no detection.
            if not cut[2 + idx]:
                continue
            was_up += 1
            nxt = cuts[i + 1][idx] if i + 1 < len(cuts) else None
            after = [t for t in downs if t > cut[idx] and
                     (nxt is None or t < nxt)]
            if after:
                lat.append((min(after) - cut[idx]) / 1000.0)
        lat.sort()
        out[name] = {
            "detected": len(lat), "up_at_cut": was_up, "latency_us": lat,
            "min": lat[0] if lat else None, "p50": pct(lat, 50),
            "p90": pct(lat, 90), "max": lat[-1] if lat else None,
            "p50_vs_detect": (pct(lat, 50) / detect_us) if lat else None,
        }
    return out


def ms(v):
    return "-" if v is None else "%.1f" % (v / 1000.0)


def fig(sp, conv=ms):
    """median [min-max] of a spread."""
    if not sp:
        return "-"
    if sp["n"] == 1:
        return conv(sp["median"])
    return "%s [%s-%s]" % (conv(sp["median"]), conv(sp["min"]),
                           conv(sp["max"]))


def cnt(v):
    if v is None:
        return "-"
    return "%g" % v


def med(e, name, fig_name="p99_us"):
    s = e["senders"].get(name, {}).get(fig_name)
    return s["median"] if s else None


def starved(e, idle, probe_ratio):
    """Did the load starve a normal task?  Yes when the probe's p99 wake-up
    or the normal-priority sender's p99 gap deviation is at least twice
    the idle row's (measured in the same run)."""
    if idle is None or e is idle:
        return "(baseline)"
    u, ui = med(e, "user"), med(idle, "user")
    ur = (u / ui) if u is not None and ui else None
    yes = (probe_ratio or 0) >= 2 or (ur or 0) >= 2
    return "%s (user p99 x%s)" % ("yes" if yes else "no",
                                  "-" if ur is None else "%.1f" % ur)


def ratios(e):
    m, f, u = med(e, "module"), med(e, "fifo"), med(e, "user")

    def r(a, b):
        return "-" if a is None or not b else "%.2f" % (a / b)
    return "%s, %s" % (r(m, f), r(m, u))


def make_table(res):
    meta = res["meta"]
    lines = []
    lines.append("Machine: %s CPUs, kernel %s, sched_rt_runtime_us %s of %s;"
                 " cells of %s s x %s repetitions; median [min-max] over"
                 " the repetitions.\n" % (
                     meta["cpus"], meta["kernel"],
                     meta["sched_rt_runtime_us"], meta["sched_rt_period_us"],
                     meta["cell_s"], meta["reps"]))
    passes = []
    for e in res["summary"]:
        if e["pass"] not in passes:
            passes.append(e["pass"])
    for pss in passes:
        rows = [e for e in res["summary"] if e["pass"] == pss]
        if not rows:
            continue
        names = [n for n, _, _, _ in SENDERS if n in rows[0]["senders"]]
        labels = {n: lab for n, _, _, lab in SENDERS}
        cell0 = next(c for c in res["cells"] if c["pass"] == pss)
        lines.append("\n### %s ms x %s (%s)\n\n" % (
            cell0["interval_ms"], cell0["mult"],
            "all senders" if pss == "main" else "heartbeat.ko with the "
            "user senders as baselines"))
        idle = next((e for e in rows if e["load"] == "idle"), None)
        lines.append("| load | probe p99 wake-up (ms; x idle) | normal task"
                     " starved? | heartbeat.ko p99 / FIFO p99, / user p99 | " +
                     " | ".join("%s p99 gap dev (ms)" % labels[n]
                                for n in names) + " | " +
                     " | ".join("%s gaps > detect" % labels[n]
                                for n in names) + " | " +
                     " | ".join("%s DOWNs" % labels[n] for n in names
                                if n in ("module", "bfdd")) + " |\n")
        ncol = 4 + 2 * len(names) + len([n for n in names
                                          if n in ("module", "bfdd")])
        lines.append("|" + "---|" * ncol + "\n")
        for e in rows:
            pv = e.get("probe_vs_idle")
            cells = [e["load"], "%s; x%s" % (
                fig(e["probe_p99_us"]),
                "-" if pv is None else "%.1f" % pv)]
            cells.append(starved(e, idle, pv))
            cells.append(ratios(e))
            for n in names:
                cells.append(fig(e["senders"][n]["p99_us"]))
            for n in names:
                cells.append(fig(e["senders"][n]["over_detect"], cnt))
            for n in names:
                if n in ("module", "bfdd"):
                    cells.append(fig(e["senders"][n]["downs"], cnt))
            lines.append("| " + " | ".join(cells) + " |\n")
    cuts = res.get("cuts", {})
    if cuts.get("n"):
        lines.append("\n### Detection of a cut link (%d cuts, detection time"
                     " %s ms)\n\n" % (cuts["n"], ms(cuts["detect_us"])))
        lines.append("| system | detected, of the cuts of an UP session |"
                     " DOWN - cut min / p50 / p90 / max"
                     " (ms) | p50 / detection time |\n|---|---|---|---|\n")
        for n in ("module", "bfdd"):
            c = cuts.get(n)
            if not c:
                continue
            lines.append("| %s | %d of %d (%d cuts) | %s / %s / %s / %s | %s"
                         " |\n" % (
                n, c["detected"], c["up_at_cut"], cuts["n"], ms(c["min"]),
                ms(c["p50"]),
                ms(c["p90"]), ms(c["max"]),
                "-" if c["p50_vs_detect"] is None
                else "%.2f" % c["p50_vs_detect"]))
    return "".join(lines)


def plots(top, res):
    # Imported here: the smoke run in the emulated guest makes no plots,
    # and every module costs it time.
    import shutil
    import subprocess

    gp = shutil.which("gnuplot")
    if os.environ.get("BENCH_PLOTS") == "0":
        return
    if not gp:
        sys.stderr.write("analyze: gnuplot missing (selftests/deps.sh"
                         " installs gnuplot-nox): no plots\n")
        return
    pdir = os.path.join(top, "plots")
    os.makedirs(pdir, exist_ok=True)
    labels = {n: lab for n, _, _, lab in SENDERS}
    script = []
    for e in res["summary"]:
        name = "cdf-%s-%s" % (e["pass"], e["load"])
        plots_ = []
        for n, s in e["senders"].items():
            dat = os.path.join(pdir, "%s-%s.dat" % (name, n))
            with open(dat, "w", encoding="utf-8") as f:
                for v, q in s["cdf_us"]:
                    f.write("%f %f\n" % (v / 1000.0, q))
            plots_.append("'%s' using 1:2 with lines lw 2 title '%s'" % (
                dat, labels[n]))
        if not plots_:
            continue
        script.append("set output '%s/%s.svg'\n" % (pdir, name))
        script.append("set title 'gap deviation, %s, load %s'\n" % (
            e["pass"], e["load"]))
        script.append("set xlabel '|gap - interval| (ms)'\n"
                      "set ylabel 'fraction of gaps'\nset logscale x\n"
                      "set key bottom right\nset grid\n")
        script.append("plot " + ", ".join(plots_) + "\n")
        script.append("unset logscale x\n")
    # False DOWNs (gaps > detection time, median) per sender per load.
    for pss in sorted({e["pass"] for e in res["summary"]}):
        rows = [e for e in res["summary"] if e["pass"] == pss]
        names = [n for n, _, _, _ in SENDERS if n in rows[0]["senders"]]
        dat = os.path.join(pdir, "false-downs-%s.dat" % pss)
        with open(dat, "w", encoding="utf-8") as f:
            f.write("load " + " ".join('"%s"' % labels[n] for n in names)
                    + "\n")
            for e in rows:
                f.write(e["load"] + " " + " ".join(
                    "%g" % (e["senders"][n]["over_detect"]["median"] or 0)
                    for n in names) + "\n")
        script.append("set output '%s/false-downs-%s.svg'\n" % (pdir, pss))
        script.append("set title 'gaps > detection time (median per cell),"
                      " %s'\nset style data histograms\n"
                      "set style histogram clustered\nset style fill solid\n"
                      "set xlabel 'load'\nset ylabel 'false DOWNs'\n"
                      "set key top left\nset grid\nset yrange [0:*]\n"
                      % pss)
        script.append("plot " + ", ".join(
            "'%s' using %d:xtic(1) title columnheader(%d)" % (dat, i + 2,
                                                               i + 2)
            for i in range(len(names))) + "\n")
        script.append("set style data lines\nset autoscale y\n")
    header = "set terminal svg size 800,500 dynamic\n"
    with open(os.path.join(pdir, "plots.gp"), "w", encoding="utf-8") as f:
        f.write(header + "".join(script))
    subprocess.run([gp, os.path.join(pdir, "plots.gp")], check=False,
                   stdout=subprocess.DEVNULL)


def flatten(res):
    """Every summary figure of a results.json, keyed by its path."""
    out = {}
    for e in res.get("summary", []):
        base = "%s/%s" % (e["pass"], e["load"])
        if e.get("probe_p99_us"):
            out[base + "/probe_p99_us"] = e["probe_p99_us"]["median"]
        for n, s in e["senders"].items():
            for k, v in s.items():
                if isinstance(v, dict) and "median" in v:
                    out["%s/%s/%s" % (base, n, k)] = v["median"]
    for n in ("module", "bfdd"):
        c = res.get("cuts", {}).get(n)
        if c:
            for k in ("detected", "p50", "p90", "max"):
                out["cuts/%s/%s" % (n, k)] = c[k]
    return out


def compare(a_path, b_path):
    a = flatten(json.load(open(a_path, encoding="utf-8")))
    b = flatten(json.load(open(b_path, encoding="utf-8")))
    print("%-45s %12s %12s %8s" % ("figure", "A", "B", "B/A"))
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if va is None or vb is None:
            ratio = "-"
        elif va == 0:
            ratio = "=" if vb == 0 else "inf"
        else:
            ratio = "%.2f" % (vb / va)
        print("%-45s %12s %12s %8s" % (
            k, "-" if va is None else "%g" % va,
            "-" if vb is None else "%g" % vb, ratio))


def main(argv):
    if len(argv) == 4 and argv[1] == "--compare":
        compare(argv[2], argv[3])
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    sys.stdout.write(analyze(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
