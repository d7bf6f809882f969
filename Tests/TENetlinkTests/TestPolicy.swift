import TECore
import TEPolicy

enum TestPolicy {
    static func load(_ text: String) throws -> Policy {
        try PolicyLoader.load(yaml: text, file: "test.yaml").policy
    }
}
