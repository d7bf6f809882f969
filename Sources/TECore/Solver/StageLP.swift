import Foundation

/// One priority stage as a small linear program, solved exactly by a primal-dual interior-point
/// method (Mehrotra predictor–corrector). Used for small multi-priority problems, where every
/// stage must end at its own optimum: the holds of the later stages are that optimum, and a
/// lexicographic optimum can move several percent when an earlier stage ends 0.2% off it
/// (docs/solve.md, "Exact stages for small problems").
///
///     minimize t  subject to
///       Σ_{p ∈ d} f_p = v_d                          for every demand d
///       Σ_{p ∋ ρ} f_p + s_ρ − a_ρ·t = b_ρ            for every link-row ρ
///       f, s, t ≥ 0
///
/// A link-row is one link in one row: in row k (the stage's own), a_ρ = c_e and
/// b_ρ = t₀·c_e − load_e; in a held row j, a_ρ = 0 and b_ρ = H_j·c_e − load_e. The normal
/// equations are reduced to the link-rows (the demand rows are a diagonal block): a dense
/// Cholesky factorization of size R = rows × links, so this is for problems with a few hundred
/// link-rows at most.
struct StageLP {
    /// Per demand: its volume and the range of its paths in `pathStart`.
    var volume: [Double] = []
    var pathStart: [Int] = [0]
    /// Per path: the link-rows it crosses (CSR: `rowStart[p]..<rowStart[p + 1]` into `rows`).
    var rowStart: [Int] = [0]
    var rows: [Int32] = []
    /// Per link-row: the coefficient of t and the right-hand side.
    var a: [Double] = []
    var b: [Double] = []

    struct Answer {
        /// Per path: its flow (≥ 0).
        var flow: [Double]
        var t: Double
        /// Per link-row: its multiplier (≥ 0; row k's sum to 1 when weighted by a).
        var multiplier: [Double]
        var iterations: Int
    }

    var demandCount: Int { volume.count }
    var pathCount: Int { rowStart.count - 1 }
    var linkRowCount: Int { a.count }

    mutating func addDemand(volume v: Double, paths: [[Int32]]) {
        volume.append(v)
        for p in paths {
            rows.append(contentsOf: p)
            rowStart.append(rows.count)
        }
        pathStart.append(rowStart.count - 1)
    }

    /// The optimum to a relative tolerance of `tolerance` (primal and dual residuals and the
    /// duality gap); else the best iterate, when within `acceptable`; else nil. (The caller
    /// checks what it gets: the MLU from the flows, the bound from the multipliers.)
    func solve(tolerance: Double = 1e-9, acceptable: Double = 1e-5, maxIterations: Int = 60) -> Answer? {
        let D = demandCount, P = pathCount, R = linkRowCount
        guard D > 0, P > 0, R > 0 else { return nil }
        // Variables x = [f (P) | t | s (R)]; constraint rows [demands (D) | link-rows (R)].
        let n = P + 1 + R, tIndex = P
        var x = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 1, count: n)
        var yd = [Double](repeating: 0, count: D)
        var yr = [Double](repeating: 0, count: R)
        // Start: each demand split evenly, t above every row's need, slacks from the equations.
        var rowFlow = [Double](repeating: 0, count: R)
        for d in 0..<D {
            let count = pathStart[d + 1] - pathStart[d]
            for p in pathStart[d]..<pathStart[d + 1] {
                x[p] = volume[d] / Double(count)
                for i in rowStart[p]..<rowStart[p + 1] { rowFlow[Int(rows[i])] += x[p] }
            }
        }
        var t0 = 0.0
        for r in 0..<R where a[r] > 0 { t0 = max(t0, (rowFlow[r] - b[r]) / a[r]) }
        x[tIndex] = max(t0, 0) + 1
        for r in 0..<R { x[P + 1 + r] = max(1e-2, b[r] + a[r] * x[tIndex] - rowFlow[r]) }
        let scale = max(1, volume.max() ?? 1, b.map(abs).max() ?? 1)
        for i in 0..<n { x[i] = max(x[i], 1e-2 * scale) }

        var bNorm = 0.0
        for v in volume { bNorm = max(bNorm, abs(v)) }
        for v in b { bNorm = max(bNorm, abs(v)) }

        var dScale = [Double](repeating: 0, count: n)
        var S = [Double](repeating: 0, count: R * R)
        var rb = [Double](repeating: 0, count: D + R)
        var rc = [Double](repeating: 0, count: n)
        var dx = [Double](repeating: 0, count: n), dz = [Double](repeating: 0, count: n)
        var dyd = [Double](repeating: 0, count: D), dyr = [Double](repeating: 0, count: R)
        var delta = [Double](repeating: 0, count: D)
        // Per demand, the link-rows its paths cross (`support`, from supportStart[d]), and per
        // path entry its position there; `mean` holds, per factorization, the D-weighted mean
        // of the demand's path indicators over its support.
        var supportStart = [Int](repeating: 0, count: D + 1)
        var support: [Int] = []
        var position = [Int](repeating: 0, count: rows.count)
        var local = [Int](repeating: -1, count: R)
        for d in 0..<D {
            let first = support.count
            for p in pathStart[d]..<pathStart[d + 1] {
                for i in rowStart[p]..<rowStart[p + 1] {
                    let r = Int(rows[i])
                    if local[r] < 0 {
                        local[r] = support.count - first
                        support.append(r)
                    }
                    position[i] = local[r]
                }
            }
            for u in first..<support.count { local[support[u]] = -1 }
            supportStart[d + 1] = support.count
        }
        // The link-rows with a coefficient of t (row k's): t's column of A·D·Aᵀ is on them.
        let timed = (0..<R).filter { a[$0] != 0 }
        var mean = [Double](repeating: 0, count: support.count)
        var widest = 0
        for d in 0..<D { widest = max(widest, supportStart[d + 1] - supportStart[d]) }
        var centred = [Double](repeating: 0, count: max(1, widest))
        var sparse = [Int](repeating: 0, count: max(1, widest))

        // A·v for v over the variables, into rb-shaped output.
        func multiplyA(_ v: [Double], into out: inout [Double]) {
            for d in 0..<D {
                var s = 0.0
                for p in pathStart[d]..<pathStart[d + 1] { s += v[p] }
                out[d] = s
            }
            for r in 0..<R { out[D + r] = v[P + 1 + r] - a[r] * v[tIndex] }
            for p in 0..<P {
                let f = v[p]
                if f != 0 { for i in rowStart[p]..<rowStart[p + 1] { out[D + Int(rows[i])] += f } }
            }
        }
        // Aᵀ·(wd, wr) into a variable-shaped output.
        func multiplyAT(_ wd: [Double], _ wr: [Double], into out: inout [Double]) {
            for d in 0..<D {
                for p in pathStart[d]..<pathStart[d + 1] {
                    var s = wd[d]
                    for i in rowStart[p]..<rowStart[p + 1] { s += wr[Int(rows[i])] }
                    out[p] = s
                }
            }
            var s = 0.0
            for r in 0..<R { s -= a[r] * wr[r] }
            out[tIndex] = s
            for r in 0..<R { out[P + 1 + r] = wr[r] }
        }

        // Factorizes the Schur complement S of the normal equations A·D·Aᵀ on the link-rows.
        // Per demand that is the D-weighted scatter of its paths' indicators ℓ_p about their
        // mean m: Σ_p D_p (ℓ_p − m)(ℓ_p − m)ᵀ. It is computed about the path b of largest D_p
        // instead (the same matrix): Σ_{p≠b} D_p v_p v_pᵀ − δ·u·uᵀ with v_p = ℓ_p − ℓ_b (sparse)
        // and u = m − ℓ_b = Σ_{p≠b} (D_p/δ)·v_p. Near the optimum one path's D_p dwarfs the
        // others', and this form subtracts nothing of its size (no cancellation).
        func factorize() -> Bool {
            S.withUnsafeMutableBufferPointer { sb in
            mean.withUnsafeMutableBufferPointer { mb in
            centred.withUnsafeMutableBufferPointer { cb in
            sparse.withUnsafeMutableBufferPointer { lb in
            support.withUnsafeBufferPointer { supb in
            position.withUnsafeBufferPointer { posb in
            dScale.withUnsafeBufferPointer { ds in
                guard let S = sb.baseAddress, let mean = mb.baseAddress, let centred = cb.baseAddress, let list = lb.baseAddress,
                      let support = supb.baseAddress, let position = posb.baseAddress, let dScale = ds.baseAddress else { return }
                S.update(repeating: 0, count: R * R)
                for d in 0..<D {
                    let first = supportStart[d], m = supportStart[d + 1] - first
                    let mean = mean + first, support = support + first
                    var sum = 0.0, b = pathStart[d]
                    for p in pathStart[d]..<pathStart[d + 1] {
                        sum += dScale[p]
                        if dScale[p] > dScale[b] { b = p }
                    }
                    delta[d] = sum
                    mean.update(repeating: 0, count: m)
                    for p in pathStart[d]..<pathStart[d + 1] where p != b {
                        centred.update(repeating: 0, count: m)
                        for i in rowStart[p]..<rowStart[p + 1] { centred[position[i]] += 1 }
                        for i in rowStart[b]..<rowStart[b + 1] { centred[position[i]] -= 1 }
                        var n = 0
                        for u in 0..<m where centred[u] != 0 { list[n] = u; n += 1 }
                        let w = dScale[p], share = w / sum
                        for x in 0..<n {
                            let u = list[x]
                            mean[u] += share * centred[u]
                            let wu = w * centred[u]
                            let row = S + support[u] * R
                            for y in 0..<n { row[support[list[y]]] += wu * centred[list[y]] }
                        }
                    }
                    var n = 0
                    for u in 0..<m where mean[u] != 0 { list[n] = u; n += 1 }
                    for x in 0..<n {
                        let u = list[x]
                        let su = sum * mean[u]
                        let row = S + support[u] * R
                        for y in 0..<n { row[support[list[y]]] -= su * mean[list[y]] }
                    }
                    // mean = u + ℓ_b: the D-weighted mean itself (the solves use it).
                    for i in rowStart[b]..<rowStart[b + 1] { mean[position[i]] += 1 }
                }
            }}}}}}}
            let dt = dScale[tIndex]
            return S.withUnsafeMutableBufferPointer { m in
                guard let S = m.baseAddress else { return false }
                // t's column: dt·a·aᵀ over the rows with a ≠ 0 (the lower triangle: `cholesky`
                // reads no other), then the slacks' diagonal.
                for (x, r) in timed.enumerated() {
                    let ar = dt * a[r], row = S + r * R
                    for q in timed[0...x] { row[q] += ar * a[q] }
                }
                for r in 0..<R { S[r * R + r] += dScale[P + 1 + r] }
                return cholesky(S, R)
            }
        }
        // Solves A·D·Aᵀ (dyd, dyr) = (gd, gr) with the factorization.
        func solveNormal(_ g: [Double]) {
            var r2 = [Double](repeating: 0, count: R)
            for r in 0..<R { r2[r] = g[D + r] }
            for d in 0..<D {
                let gd = g[d]
                for u in supportStart[d]..<supportStart[d + 1] { r2[support[u]] -= mean[u] * gd }
            }
            S.withUnsafeBufferPointer { m in if let base = m.baseAddress { choleskySolve(base, R, &r2) } }
            dyr = r2
            for d in 0..<D {
                var s = 0.0
                for u in supportStart[d]..<supportStart[d + 1] { s += mean[u] * r2[support[u]] }
                dyd[d] = g[d] / delta[d] - s
            }
        }
        // The direction for complementarity target rxz (per variable): Δx, Δy, Δz.
        var h = [Double](repeating: 0, count: n)
        var ah = [Double](repeating: 0, count: D + R)
        var aty = [Double](repeating: 0, count: n)
        func direction(_ rxz: [Double]) {
            for i in 0..<n { h[i] = dScale[i] * rc[i] - rxz[i] / z[i] }
            multiplyA(h, into: &ah)
            var g = rb
            for i in 0..<(D + R) { g[i] += ah[i] }
            solveNormal(g)
            multiplyAT(dyd, dyr, into: &aty)
            for i in 0..<n {
                dx[i] = dScale[i] * aty[i] - h[i]
                dz[i] = (rxz[i] - z[i] * dx[i]) / x[i]
            }
        }
        func maxStep(_ v: [Double], _ dv: [Double]) -> Double {
            var alpha = 1.0
            for i in 0..<n where dv[i] < 0 { alpha = min(alpha, -v[i] / dv[i]) }
            return alpha
        }

        var ax = [Double](repeating: 0, count: D + R)
        var best: Answer?
        var bestScore = Double.infinity
        var iteration = 0, improved = 0
        while iteration < maxIterations {
            iteration += 1
            multiplyA(x, into: &ax)
            for i in 0..<D { rb[i] = volume[i] - ax[i] }
            for r in 0..<R { rb[D + r] = b[r] - ax[D + r] }
            multiplyAT(yd, yr, into: &aty)
            for i in 0..<n { rc[i] = (i == tIndex ? 1 : 0) - aty[i] - z[i] }
            var primal = 0.0, dual = 0.0, xz = 0.0
            for v in rb { primal = max(primal, abs(v)) }
            for v in rc { dual = max(dual, abs(v)) }
            for i in 0..<n { xz += x[i] * z[i] }
            var dualObjective = 0.0
            for d in 0..<D { dualObjective += volume[d] * yd[d] }
            for r in 0..<R { dualObjective += b[r] * yr[r] }
            let objective = x[tIndex]
            // Near the optimum the normal equations grow ill-conditioned and the residuals can
            // rise again: the best iterate so far is kept.
            let score = max(primal / (1 + bNorm), dual, abs(objective - dualObjective) / (1 + abs(objective)))
            if score < bestScore {
                bestScore = score
                improved = iteration
                var multiplier = [Double](repeating: 0, count: R)
                for r in 0..<R { multiplier[r] = max(0, -yr[r]) }
                best = Answer(flow: Array(x[0..<P]).map { max(0, $0) }, t: objective, multiplier: multiplier, iterations: iteration)
            }
            if score <= tolerance { return best }
            // (Only near the optimum: early on the residuals and the gap trade places.)
            if bestScore < 1e-4, iteration - improved >= 6 { break }
            guard primal.isFinite, dual.isFinite, xz.isFinite else { break }
            let mu = xz / Double(n)
            for i in 0..<n { dScale[i] = x[i] / z[i] }
            guard factorize() else { break }
            // Predictor (affine scaling), then Mehrotra's corrector with centring σ = (μ_aff/μ)³.
            var rxz = [Double](repeating: 0, count: n)
            for i in 0..<n { rxz[i] = -x[i] * z[i] }
            direction(rxz)
            let ap = maxStep(x, dx), ad = maxStep(z, dz)
            var affine = 0.0
            for i in 0..<n { affine += (x[i] + ap * dx[i]) * (z[i] + ad * dz[i]) }
            let sigma = pow(max(0, affine) / Double(n) / mu, 3)
            for i in 0..<n { rxz[i] = sigma * mu - x[i] * z[i] - dx[i] * dz[i] }
            direction(rxz)
            let alphaP = min(1, 0.99 * maxStep(x, dx)), alphaD = min(1, 0.99 * maxStep(z, dz))
            for i in 0..<n {
                x[i] += alphaP * dx[i]
                z[i] += alphaD * dz[i]
            }
            for d in 0..<D { yd[d] += alphaD * dyd[d] }
            for r in 0..<R { yr[r] += alphaD * dyr[r] }
            guard x.allSatisfy({ $0 > 0 && $0.isFinite }), z.allSatisfy({ $0 > 0 && $0.isFinite }) else { break }
        }
        return bestScore <= acceptable ? best : nil
    }
}

/// In-place Cholesky factorization of the symmetric positive semidefinite n×n matrix `m`
/// (row-major; the lower triangle is read and overwritten with L). A pivot that vanishes
/// (a direction the interior-point iterates have made irrelevant) is replaced by a huge one,
/// which drops that direction from the solve. False when the matrix is not usable.
///
/// By blocks of 8 columns: the block's rows of L so far are copied once into a panel (column
/// by column, 8 to a vector), and each row below is updated against the panel two rows at a
/// time, then solved within the block. Each row is read once per block rather than once per
/// column, and the update is 8 products per load: on 1,100 link-rows (wan-300-tight's
/// restricted LPs) a factorization took 58 ms a column at a time, 35 ms so.
func cholesky(_ m: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
    var largest = 0.0
    for i in 0..<n { largest = max(largest, m[i * n + i]) }
    guard largest > 0, largest.isFinite else { return false }
    let tiny = largest * 1e-30
    typealias Lanes = SIMD8<Double>
    let width = Lanes.scalarCount
    // panel[k] lane b: L[j0 + b][k], for k < j0.
    let panel = UnsafeMutablePointer<Lanes>.allocate(capacity: max(1, n))
    defer { panel.deallocate() }
    // Lane b: 1 / L[j0 + b][j0 + b].
    var inverse = Lanes(repeating: 0)
    var j0 = 0
    while j0 < n {
        let w = min(width, n - j0)
        for k in 0..<j0 {
            var v = Lanes(repeating: 0)
            for b in 0..<w { v[b] = m[(j0 + b) * n + k] }
            panel[k] = v
        }
        var i = j0
        while i < n {
            let ri = m + i * n
            if i >= j0 + w, i + 1 < n {
                // Two rows below the block: Σ_{k<j0} L[i][k]·L[j0+b][k] for all b at once.
                let ri2 = ri + n
                var a1 = Lanes(repeating: 0), a2 = Lanes(repeating: 0)
                for k in 0..<j0 {
                    let p = panel[k]
                    a1 += Lanes(repeating: ri[k]) * p
                    a2 += Lanes(repeating: ri2[k]) * p
                }
                for b in 0..<w {
                    let j = j0 + b
                    let rj = m + j * n
                    var s1 = ri[j] - a1[b], s2 = ri2[j] - a2[b]
                    for c in j0..<j {
                        s1 -= ri[c] * rj[c]
                        s2 -= ri2[c] * rj[c]
                    }
                    ri[j] = s1 * inverse[b]
                    ri2[j] = s2 * inverse[b]
                }
                i += 2
                continue
            }
            // One row: the block's own rows (each needs the ones before it), or the last row.
            var a = Lanes(repeating: 0)
            for k in 0..<j0 { a += Lanes(repeating: ri[k]) * panel[k] }
            for b in 0..<min(w, i - j0 + 1) {
                let j = j0 + b
                let rj = m + j * n
                var s = ri[j] - a[b]
                for c in j0..<j { s -= ri[c] * rj[c] }
                if j == i {
                    let pivot = s > tiny ? s.squareRoot() : 1e64
                    ri[j] = pivot
                    inverse[b] = 1 / pivot
                } else {
                    ri[j] = s * inverse[b]
                }
            }
            i += 1
        }
        j0 += w
    }
    return true
}

/// Solves L·Lᵀ·x = v in place with the factor from `cholesky`.
func choleskySolve(_ m: UnsafePointer<Double>, _ n: Int, _ v: inout [Double]) {
    for i in 0..<n {
        var s = v[i]
        let ri = m + i * n
        for k in 0..<i { s -= ri[k] * v[k] }
        v[i] = s / ri[i]
    }
    var i = n - 1
    while i >= 0 {
        var s = v[i]
        for k in (i + 1)..<max(i + 1, n) { s -= m[k * n + i] * v[k] }
        v[i] = s / m[i * n + i]
        i -= 1
    }
}
