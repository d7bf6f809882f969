#!/usr/bin/env python3
"""Exact reference for `tectl solve`: the same lexicographic min-max-utilization problem as an LP,
solved with HiGHS through scipy.optimize.linprog.

    pip install scipy numpy
    python3 scripts/lp_reference.py PROBLEM.json [--splits] [--method highs-ipm|highs-ds|highs]
                                    [--holds U0,U1,...]

--method picks HiGHS's algorithm (default highs-ipm: interior point with crossover; on the
benchmark's tight instances it was faster than dual simplex, see docs/solve.md).

Stage k (priorities in increasing order): minimize t subject to
    load_e + sum_{paths p of demands with priority <= k, e in p} v_d x_p <= c_e t     for every link e
    load_e + sum_{... priority <= j ...} v_d x_p <= c_e U*_j (1 + 1e-9)                for every j < k
    sum_{p of d} x_p = 1, x >= 0
With --holds, stage k holds each earlier priority j at the given U_j instead of the LP's own
optimum U*_j (`tectl-bench solve-random --conditional` passes the MLU each priority has in
tectl's answer): the optimum of stage k given the earlier stages' answers, the conditional
optimum (a lexicographic optimum can move far when an earlier stage moves within its gap).
Holds below what the earlier priorities can reach make a stage infeasible: exit 2. Holds at
what they reach (each held row is 1e-9 looser) can still read as infeasible to HiGHS's interior
point: such a stage is retried with its holds 1e-8, then 1e-7, then 1e-6 looser; "hold_slack"
reports the largest slack used.
Prints JSON: {"priorities": [{"priority", "mlu", "seconds"}], "mlu", "seconds"}.
Demands with no usable path (every path crosses a zero-capacity link, or no path) are left out,
as tectl does.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix


# Relative slack on each held row: the first always, the next ones in turn where a stage comes
# out infeasible.
HOLD_SLACK = (1e-9, 1e-8, 1e-7, 1e-6)


def main():
    t_start = time.perf_counter()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    want_splits = "--splits" in sys.argv
    method = "highs-ipm"
    for a in sys.argv[1:]:
        if a.startswith("--method="):
            method = a.split("=", 1)[1]
    if "--method" in sys.argv:
        k = sys.argv.index("--method")
        method = sys.argv[k + 1]
        args = [a for a in args if a != method]
    given_holds = None
    if "--holds" in sys.argv:
        k = sys.argv.index("--holds")
        text = sys.argv[k + 1]
        given_holds = [float(x) for x in text.split(",")]
        args = [a for a in args if a != text]
    with open(args[0]) as f:
        prob = json.load(f)
    links = prob["links"]
    index = {l["name"]: i for i, l in enumerate(links)}
    cap = np.array([float(l["capacity"]) for l in links])
    load = np.array([float(l.get("load", 0.0)) for l in links])
    n_links = len(links)

    # Variables: one per usable path of a routable demand, then t.
    var_demand, var_links_ptr, var_links = [], [0], []
    demands = []
    for d, dem in enumerate(prob["demands"]):
        v = float(dem["volume"])
        prio = int(dem.get("priority", 0))
        usable = []
        for path in dem["paths"]:
            ls = [index[n] for n in path]
            if ls and all(cap[e] > 0 for e in ls):
                usable.append(ls)
        if v <= 0 or not usable:
            continue
        first = len(var_demand)
        for ls in usable:
            var_demand.append(len(demands))
            var_links.extend(ls)
            var_links_ptr.append(len(var_links))
        demands.append((v, prio, first, len(usable)))
    n_vars = len(var_demand)
    var_demand = np.array(var_demand, dtype=np.int64)
    ptr = np.array(var_links_ptr, dtype=np.int64)
    var_links = np.array(var_links, dtype=np.int64)
    vol = np.array([d[0] for d in demands])
    prio_of_demand = np.array([d[1] for d in demands], dtype=np.int64)
    lengths = np.diff(ptr)
    entry_var = np.repeat(np.arange(n_vars), lengths)
    entry_link = var_links
    entry_val = vol[var_demand][entry_var] if n_vars else np.zeros(0)
    entry_prio = prio_of_demand[var_demand][entry_var] if n_vars else np.zeros(0, dtype=np.int64)

    live = cap > 0
    base_util = np.where(live, load / np.where(live, cap, 1), 0)
    levels = sorted(set(int(d.get("priority", 0)) for d in prob["demands"]))
    results = []
    max_slack = 0.0
    held = []  # (level, U*)
    x_final = np.zeros(n_vars)
    for level in levels:
        t0 = time.perf_counter()
        active_vars = np.zeros(n_vars, dtype=bool)
        if n_vars:
            active_vars = prio_of_demand[var_demand] <= level
        rows, cols, vals, rhs = [], [], [], []
        hold_rows = []  # (slice of b_ub, capacities, U) per held row, for a retry with more slack
        row = 0
        blocks = [(level, None)] + [(lv, u) for lv, u in held]
        for lv, ustar in blocks:
            mask = (entry_prio <= lv) & live[entry_link]
            used_links = np.unique(entry_link[mask])
            remap = -np.ones(n_links, dtype=np.int64)
            remap[used_links] = np.arange(len(used_links)) + row
            rows.append(remap[entry_link[mask]])
            cols.append(entry_var[mask])
            vals.append(entry_val[mask])
            if ustar is None:
                rows.append(remap[used_links])
                cols.append(np.full(len(used_links), n_vars))
                vals.append(-cap[used_links])
                rhs.append(-load[used_links])
            else:
                rhs.append(cap[used_links] * ustar * (1 + HOLD_SLACK[0]) - load[used_links])
                hold_rows.append((slice(row, row + len(used_links)), cap[used_links], load[used_links], ustar))
            row += len(used_links)
        A_ub = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(row, n_vars + 1)).tocsr()
        b_ub = np.concatenate(rhs) if rhs else np.zeros(0)
        act_demands = [i for i, d in enumerate(demands) if d[1] <= level]
        eq_rows, eq_cols = [], []
        for r, i in enumerate(act_demands):
            _, _, first, n = demands[i]
            eq_rows.extend([r] * n)
            eq_cols.extend(range(first, first + n))
        A_eq = coo_matrix((np.ones(len(eq_rows)), (eq_rows, eq_cols)), shape=(len(act_demands), n_vars + 1)).tocsr()
        b_eq = np.ones(len(act_demands))
        c = np.zeros(n_vars + 1)
        c[n_vars] = 1
        bounds = [(0, None if a else 0) for a in active_vars] + [(float(base_util.max()) if n_links else 0, None)]
        # Holds at an earlier optimum (the LP's own, or tectl's rows with --holds) leave a
        # feasible set a sliver wide, which HiGHS's interior point can read as infeasible
        # (solve-random seeds 7069 with --holds and 7073 without, priority 3). Then the holds are
        # retried a little looser; the largest slack used is reported.
        for slack in HOLD_SLACK:
            for part, c_e, l_e, u in hold_rows:
                b_ub[part] = c_e * u * (1 + slack) - l_e
            res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq if len(act_demands) else None,
                          b_eq=b_eq if len(act_demands) else None, bounds=bounds, method=method)
            if res.status != 2:  # 2: infeasible
                break
        if res.status != 0:
            print(json.dumps({"error": f"priority {level}: {res.message}"}))
            sys.exit(2)
        max_slack = max(max_slack, slack)
        ustar = float(res.x[n_vars])
        stage = len(held)
        held.append((level, given_holds[stage] if given_holds is not None and stage < len(given_holds) else ustar))
        x_final = res.x[:n_vars]
        results.append({"priority": level, "mlu": ustar, "seconds": time.perf_counter() - t0})
    out = {"method": method, "hold_slack": max_slack, "priorities": results, "mlu": results[-1]["mlu"] if results else float(base_util.max() if n_links else 0),
           "seconds": time.perf_counter() - t_start}
    if want_splits:
        out["splits"] = x_final.tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
