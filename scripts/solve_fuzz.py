#!/usr/bin/env python3
"""Odd problems through `tectl solve`, each answer checked against the problem and the exact LP.

    python3 scripts/solve_fuzz.py [--tectl .build/release/tectl] [--count 200] [--seed 1]
        [--out /tmp/tectl-solve-fuzz] [--lp-links 150] [--lp-demands 300]

Problems unlike the benchmark's: 3-400 links, 1-1,500 demands, 1-6 priorities (numbers that
skip, up to 1,000,000), capacities over nine decades (1e-3 to 1e6 scale, some 0), loads up to
1.5x capacity (infeasible), zero volumes, demands without a path or with one, repeated paths,
elephants 10^4 times the rest, link names with escapes and non-ASCII. Each is solved cold
(random --gap and --table-size), then warm (--warm-start) after every volume changed by up to
+-5% (one in ten by up to +-50%). Every answer is checked:
  - exit 0 and JSON out; one split per path, each >= 0, summing to 1; no flow on a path across a
    zero-capacity link; weights integers with a total <= the table size;
  - the MLU of every priority and every link's utilization recomputed from the splits (1e-9);
  - each priority's lower bound <= its MLU; its gap <= the asked gap, or a gap-not-reached note;
  - where the problem is small enough (--lp-links, --lp-demands): each priority's bound <= the
    LP's optimum with the higher priorities held at the MLUs the answer reports, and its MLU >=
    that optimum (scripts/lp_reference.py --holds, HiGHS dual simplex).
Prints each failing problem's seed and what failed; exit 1 if any did. Needs scipy for the LP.
Deterministic for a seed. (It found the two fixes of CHANGELOG.md's "Fixed" that name it.)
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def problem(rng):
    n_links = rng.choice([3, 8, 20, 60, 150, 400])
    n_demands = rng.choice([1, 4, 15, 60, 300, 1500])
    priorities = rng.choice([[0], [0, 1], [0, 3, 7], [2, 5], list(range(6)), [0, 1000000]])
    scale = 10 ** rng.uniform(-3, 6)
    links = []
    for e in range(n_links):
        capacity = 0.0 if rng.random() < 0.05 else scale * 10 ** rng.uniform(-1.5, 1.5)
        r = rng.random()
        load = 0.0
        if r < 0.2:
            load = capacity * rng.uniform(0, 0.9)
        elif r < 0.23:
            load = capacity * rng.uniform(1.0, 1.5)
        elif r < 0.25 and capacity == 0:
            load = scale
        suffix = rng.choice(["", "", "xxxxx", "x" * 20, '"q\\', "ñ→", "tab\t"])
        links.append({"name": f"n{e}-{suffix}", "capacity": capacity, "load": load})
    demands = []
    for d in range(n_demands):
        r = rng.random()
        count = 0 if r < 0.03 else (1 if r < 0.15 else rng.randint(2, 8))
        paths = [[links[i]["name"] for i in rng.sample(range(n_links), rng.randint(1, min(6, n_links)))] for _ in range(count)]
        if paths and rng.random() < 0.05:
            paths.append(list(paths[0]))
        volume = 0.0 if rng.random() < 0.05 else scale * 10 ** rng.uniform(-2, 0.5)
        if rng.random() < 0.03:
            volume *= 1e4
        demands.append({"name": f"d{d}", "volume": volume, "priority": rng.choice(priorities), "paths": paths})
    return {"links": links, "demands": demands}


def check(prob, ans, gap, table):
    """What is wrong with `ans` as an answer to `prob` (recomputed from its splits)."""
    errors = []
    index = {link["name"]: e for e, link in enumerate(prob["links"])}
    cap = [link["capacity"] for link in prob["links"]]
    levels = sorted({d["priority"] for d in prob["demands"]})
    rows = {q: [link["load"] for link in prob["links"]] for q in levels}
    if len(ans["demands"]) != len(prob["demands"]):
        return ["demand count"]
    for d, a in zip(prob["demands"], ans["demands"]):
        split = a["split"]
        if len(split) != len(d["paths"]):
            errors.append(f"{d['name']}: {len(split)} fractions for {len(d['paths'])} paths")
            continue
        if any(not math.isfinite(x) or x < 0 for x in split):
            errors.append(f"{d['name']}: split {split}")
        if split and abs(sum(split) - 1) > 1e-9:
            errors.append(f"{d['name']}: split sums to {sum(split)}")
        if table and "weights" in a:
            w = a["weights"]
            if any(int(x) != x or x < 0 for x in w) or sum(w) > table:
                errors.append(f"{d['name']}: weights {w} for a table of {table}")
        usable = [all(cap[index[name]] > 0 for name in path) for path in d["paths"]]
        if not any(usable):
            continue  # left out, with a note
        for path, x, ok in zip(d["paths"], split, usable):
            if x > 0 and not ok and d["volume"] > 0:
                errors.append(f"{d['name']}: flow on a path across a zero-capacity link")
            for name in path:
                for q in levels:
                    if q >= d["priority"]:
                        rows[q][index[name]] += d["volume"] * x

    def mlu(row):
        return max((row[e] / cap[e] for e in range(len(cap)) if cap[e] > 0), default=0.0)

    if not levels:
        return errors
    top = mlu(rows[levels[-1]])
    if abs(top - ans["mlu"]) > 1e-9 * max(1, top):
        errors.append(f"mlu {ans['mlu']}, from the splits {top}")
    for p in ans["priorities"]:
        m = mlu(rows[p["priority"]])
        if abs(m - p["mlu"]) > 1e-9 * max(1, m):
            errors.append(f"priority {p['priority']}: mlu {p['mlu']}, from the splits {m}")
        if p["lower_bound"] > p["mlu"] * (1 + 1e-9) + 1e-12:
            errors.append(f"priority {p['priority']}: bound {p['lower_bound']} above its mlu {p['mlu']}")
        if p["gap"] > gap + 1e-9 and not any(n["kind"] == "gap-not-reached" for n in ans.get("notes", [])):
            errors.append(f"priority {p['priority']}: gap {p['gap']} above {gap} without a note")
    for link, a in zip(prob["links"], ans["links"]):
        e = index[link["name"]]
        u = a["utilization"]
        if cap[e] > 0 and u is not None and abs(u - rows[levels[-1]][e] / cap[e]) > 1e-9 * max(1, u):
            errors.append(f"link {link['name']!r}: utilization {u}, from the splits {rows[levels[-1]][e] / cap[e]}")
    return errors


def check_lp(path, ans):
    """Each priority's bound and MLU against the LP's optimum with the higher priorities held at
    the MLUs the answer reports."""
    errors = []
    stages = ans["priorities"]
    for i, p in enumerate(stages):
        holds = ",".join(repr(s["mlu"]) for s in stages[:i])
        cmd = [sys.executable, os.path.join(HERE, "lp_reference.py"), path, "--method", "highs-ds"] + (["--holds", holds] if holds else [])
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            errors.append(f"LP of priority {p['priority']} failed (exit {run.returncode}): {run.stdout.strip()[-200:]}")
            break
        optimum = json.loads(run.stdout)["priorities"][i]["mlu"]
        if p["lower_bound"] > optimum * (1 + 1e-6) + 1e-9:
            errors.append(f"priority {p['priority']}: bound {p['lower_bound']} above the LP's {optimum}")
        if p["mlu"] < optimum * (1 - 1e-6) - 1e-9:
            errors.append(f"priority {p['priority']}: mlu {p['mlu']} below the LP's {optimum}")
    return errors


def solve(args, tectl, path, gap, table, warm=None):
    cmd = [tectl, "solve", path, "--format", "json", "--gap", repr(gap)]
    if table:
        cmd += ["--table-size", str(table)]
    if warm:
        cmd += ["--warm-start", warm]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    if run.returncode != 0:
        return None, f"exit {run.returncode}: {run.stderr.strip()[:300]}"
    return run.stdout, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tectl", default=".build/release/tectl")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="/tmp/tectl-solve-fuzz")
    ap.add_argument("--lp-links", type=int, default=150, help="LP check up to this many links")
    ap.add_argument("--lp-demands", type=int, default=300, help="and this many demands (0: no LP)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per tectl solve")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    failed = 0
    for seed in range(args.seed, args.seed + args.count):
        rng = random.Random(seed)
        prob = problem(rng)
        gap = rng.choice([0.01, 0.01, 0.001, 0.05])
        table = rng.choice([0, 16, 64, 512, 65535])
        small = len(prob["links"]) <= args.lp_links and len(prob["demands"]) <= args.lp_demands
        errors = []
        cold_path = os.path.join(args.out, f"problem-{seed}.json")
        answer_path = os.path.join(args.out, f"answer-{seed}.json")
        with open(cold_path, "w") as f:
            json.dump(prob, f)
        try:
            out, error = solve(args, args.tectl, cold_path, gap, table)
            if error:
                errors.append("cold: " + error)
            else:
                with open(answer_path, "w") as f:
                    f.write(out)
                ans = json.loads(out)
                errors += ["cold: " + e for e in check(prob, ans, gap, table) + (check_lp(cold_path, ans) if small else [])]
                for d in prob["demands"]:
                    d["volume"] *= rng.uniform(0.95, 1.05) if rng.random() < 0.9 else rng.uniform(0.5, 1.5)
                warm_path = os.path.join(args.out, f"changed-{seed}.json")
                with open(warm_path, "w") as f:
                    json.dump(prob, f)
                out, error = solve(args, args.tectl, warm_path, gap, table, warm=answer_path)
                if error:
                    errors.append("warm: " + error)
                else:
                    ans = json.loads(out)
                    errors += ["warm: " + e for e in check(prob, ans, gap, table) + (check_lp(warm_path, ans) if small else [])]
        except subprocess.TimeoutExpired as e:
            errors.append(f"timed out: {' '.join(e.cmd[:3])}")
        if errors:
            failed += 1
            print(f"seed {seed} ({len(prob['links'])} links, {len(prob['demands'])} demands): " + "; ".join(errors[:5]))
    print(f"{args.count} problems (seeds {args.seed}-{args.seed + args.count - 1}), {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
