#!/usr/bin/env python3
"""Leaf-spine solve problems from a generator other than tectl-bench's, for checking `tectl solve`
on instances nobody tuned it on (docs/solve.md, "A second generator: leaf-spine").

    python3 scripts/leafspine_instance.py OUT.json [--seed S] [--leaves L] [--spines S]
        [--demands D] [--priorities P] [--paths all|some|N] [--capacity tight|uniform]

Links: one up (leaf -> spine) and one down (spine -> leaf) per leaf and spine, capacity 100, or
40 for 5% of them (degraded). Demands between random leaf pairs, lognormal volumes, a random
priority below P, two-link paths over the spines: every spine (`all`), a random 2..S of them
(`some`), or N of them. `tight`: each capacity 1-6% above what a random single-path routing puts
on the link (most links bind, MLU near 1); `uniform`: the volumes scaled to 90% of the capacity.
30% of the links carry a background load of up to 15% of their capacity.
Also writes OUT.changed.json: every volume changed by up to +-5% (for `--warm-start`).
Deterministic for a seed (Python's random module).
"""
import argparse
import json
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--leaves", type=int, default=48)
    ap.add_argument("--spines", type=int, default=16)
    ap.add_argument("--demands", type=int, default=6000)
    ap.add_argument("--priorities", type=int, default=2)
    ap.add_argument("--paths", default="all", help="all, some, or a number of spines per demand")
    ap.add_argument("--capacity", choices=["tight", "uniform"], default="tight")
    a = ap.parse_args()
    if a.leaves < 2 or a.spines < 1 or a.demands < 1 or a.priorities < 1:
        ap.error("need at least 2 leaves, 1 spine, 1 demand and 1 priority")
    if a.paths not in ("all", "some") and not (a.paths.isdigit() and 1 <= int(a.paths) <= a.spines):
        ap.error(f"--paths: all, some or 1..{a.spines}")
    r = random.Random(a.seed)

    cap = {}
    for i in range(a.leaves):
        for s in range(a.spines):
            for name in (f"l{i}-s{s}", f"s{s}-l{i}"):
                cap[name] = 40.0 if r.random() < 0.05 else 100.0
    single = dict.fromkeys(cap, 0.0)
    demands = []
    for d in range(a.demands):
        src = r.randrange(a.leaves)
        dst = r.randrange(a.leaves - 1)
        dst += dst >= src
        volume = r.lognormvariate(0, 1.2)
        paths = [[f"l{src}-s{s}", f"s{s}-l{dst}"] for s in range(a.spines)]
        if a.paths == "some":
            paths = r.sample(paths, r.randint(min(2, a.spines), a.spines))
        elif a.paths != "all":
            paths = r.sample(paths, int(a.paths))
        demands.append({"name": f"d{d}", "volume": volume, "priority": r.randrange(a.priorities), "paths": paths})
        for link in r.choice(paths):
            single[link] += volume
    if a.capacity == "tight":
        for name in cap:
            cap[name] = max(single[name], 1.0) * r.uniform(1.01, 1.06) if single[name] > 0 else 10.0
    else:
        scale = 0.9 * sum(cap.values()) / (2 * sum(d["volume"] for d in demands))
        for d in demands:
            d["volume"] *= scale
    load = {name: r.uniform(0, 0.15) * cap[name] if r.random() < 0.3 else 0.0 for name in cap}
    problem = {
        "links": [{"name": n, "capacity": round(cap[n], 4), "load": round(load[n], 4)} for n in cap],
        "demands": [dict(d, volume=round(d["volume"], 4)) for d in demands],
    }
    with open(a.out, "w") as f:
        json.dump(problem, f)
    change = random.Random(a.seed + 99)
    for d in problem["demands"]:
        d["volume"] = round(d["volume"] * change.uniform(0.95, 1.05), 4)
    changed = a.out[:-5] + ".changed.json" if a.out.endswith(".json") else a.out + ".changed.json"
    with open(changed, "w") as f:
        json.dump(problem, f)


if __name__ == "__main__":
    main()
