import Foundation
import TECore

/// Renders a plan as the JSON documented in docs/plan-json.md: stable keys, sorted, pretty.
public enum PlanJSONRenderer {
    public static func render(_ plan: Plan) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, e in
            var c = e.singleValueContainer()
            try c.encode(formatRFC3339(date))
        }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        let data = try encoder.encode(plan)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
