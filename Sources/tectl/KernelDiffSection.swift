import Foundation
import TECore
import TENetlink

/// The optional section of a live `plan`: what a reconcile would send to the kernel.
struct KernelDiffSection {
    var session: KernelSession?
    var inputs: LiveInputs
    /// Why there is no diff (not root: the feature probes need CAP_NET_ADMIN).
    var unavailable: String?

    var maxGroupWeight: Int { session?.features.maxGroupWeight ?? 256 }

    static func compute(policy: Policy, inputs: LiveInputs) -> KernelDiffSection? {
        guard getuid() == 0 else {
            return KernelDiffSection(session: nil, inputs: inputs, unavailable: "needs root (kernel feature probes)")
        }
        do {
            return KernelDiffSection(session: try KernelSession(ownership: policy.ownership), inputs: inputs, unavailable: nil)
        } catch {
            return KernelDiffSection(session: nil, inputs: inputs, unavailable: "\(error)")
        }
    }

    func report(plan: TECore.Plan, policy: Policy) -> Result<ReconcileReport, Error>? {
        guard let session else { return nil }
        return Result { try session.reconcile(plan: plan, policy: policy, interfaces: inputs.interfaces, dryRun: true) }
    }

    func text(plan: TECore.Plan, policy: Policy) -> String {
        var out = "# diff against the kernel:"
        switch report(plan: plan, policy: policy) {
        case nil: return out + " unavailable, \(unavailable ?? "no session")\n"
        case .failure(let e)?: return out + " unavailable, \(e)\n"
        case .success(let r)?:
            if r.operations.isEmpty && r.conflicts.isEmpty { return out + " none (the kernel matches the plan)\n" }
            out += " \(r.operations.count) request\(r.operations.count == 1 ? "" : "s")\n"
            for n in r.notes { out += "# \(n)\n" }
            for op in r.operations { out += "~ \(op)\n" }
            for c in r.conflicts { out += "! \(c)\n" }
            return out
        }
    }

    /// The plan JSON with a `kernel_diff` object added (the rest unchanged).
    func json(merging json: String, plan: TECore.Plan, policy: Policy) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return json }
        switch report(plan: plan, policy: policy) {
        case nil: object["kernel_diff"] = ["available": false, "reason": unavailable ?? ""]
        case .failure(let e)?: object["kernel_diff"] = ["available": false, "reason": "\(e)"]
        case .success(let r)?:
            object["kernel_diff"] = [
                "available": true, "operations": r.operations.map(\.description), "conflicts": r.conflicts,
                "notes": r.notes, "matches": r.operations.isEmpty && r.conflicts.isEmpty,
            ] as [String: Any]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else { return json }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
