import TECore

/// Long `prefixes:` lists read without YAML nodes.
///
/// A host may route 100,000 prefixes over one group; composing a YAML node per prefix (a class
/// per scalar tag, a mark, a string) costs more than programming the routes. This pre-pass finds
/// `prefixes:` keys whose value is a list of simple scalars — block items (`- 2001:db8::/64`,
/// `- "…"`, `- '…'`) each alone on its line, or a one-line flow list (`[a, "b", c]`) — blanks the
/// list out of the text given to Yams (spaces, newlines kept, so every other mark is unchanged)
/// and keeps where each item was. The parser takes such a list only where the composed tree has
/// a `prefixes` key in a block mapping exactly at the recorded place with the blanked (empty)
/// value; any list it does not take sends the whole file through the ordinary path. Anything
/// unusual in or around a list (comments, anchors, tags, escapes, empty items, tabs, CR) leaves
/// the list to Yams.
struct PrefixListScanner {
    /// One list: the `prefixes` key (1-based line and column, as Yams marks count them) and the
    /// byte range and location of each item's value.
    struct List {
        var keyLine: Int
        var keyColumn: Int
        /// Where the list starts (the first dash, or the `[`), as Yams would mark the sequence.
        var valueLine = 0
        var valueColumn = 0
        var items: [Item] = []
    }

    struct Item {
        /// The scalar's value (without quotes) in `bytes`.
        var start: Int32
        var count: Int32
        /// Where the scalar starts (the quote, for a quoted one), 1-based.
        var line: Int32
        var column: Int32
    }

    /// The file's text.
    let bytes: [UInt8]
    /// The text for Yams: `bytes` with the lists blanked.
    let yaml: String
    /// Lists by the line of their key.
    let lists: [Int: List]

    /// Nil when the text has no list of at least `minimumItems` items that qualifies.
    init?(_ text: String, minimumItems: Int = 256) {
        let bytes = Array(text.utf8)
        guard let (lists, blanks) = bytes.withUnsafeBufferPointer({ Self.scan($0, minimumItems: minimumItems) }) else { return nil }
        // The lists' lines are emptied (newlines kept): every other mark stays where it was, and
        // libyaml has little left to read.
        var yaml: [UInt8] = []
        yaml.reserveCapacity(bytes.count / 8)
        var from = 0
        for (start, end) in blanks {
            yaml += bytes[from..<start]
            for i in start..<end where bytes[i] == UInt8(ascii: "\n") { yaml.append(UInt8(ascii: "\n")) }
            from = end
        }
        yaml += bytes[from...]
        self.yaml = String(decoding: yaml, as: UTF8.self)
        self.bytes = bytes
        self.lists = lists
    }

    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// The lists and the byte ranges to empty.
    static func scan(_ bytes: Bytes, minimumItems: Int) -> ([Int: List], [(Int, Int)])? {
        var lists: [Int: List] = [:]
        var blanks: [(Int, Int)] = []
        let n = bytes.count
        var lineStart = 0
        var lineNumber = 1
        // A quick reject: no `prefixes:` at all.
        guard Self.contains(bytes, Array("prefixes:".utf8)) else { return nil }
        if Self.contains(bytes, UInt8(ascii: "\r")) || Self.contains(bytes, UInt8(ascii: "\t")) { return nil }
        while lineStart < n {
            let lineEnd = Self.lineEnd(bytes, from: lineStart)
            if let (keyColumn, afterKey) = Self.prefixesKey(bytes, lineStart, lineEnd) {
                var list = List(keyLine: lineNumber, keyColumn: keyColumn - lineStart + 1)
                if afterKey == lineEnd {
                    // Block items on the following lines.
                    var itemIndent = -1
                    var cursor = lineEnd + 1
                    var line = lineNumber + 1
                    var ok = true
                    while cursor < n {
                        let end = Self.lineEnd(bytes, from: cursor)
                        guard let (indent, item) = Self.blockItem(bytes, cursor, end, line: line) else { break }
                        if itemIndent < 0 {
                            itemIndent = indent
                            list.valueLine = line
                            list.valueColumn = indent + 1
                        }
                        if indent != itemIndent { ok = false; break }
                        list.items.append(item)
                        cursor = end + 1
                        line += 1
                    }
                    let keyIndent = keyColumn - lineStart
                    if ok, itemIndent >= keyIndent, list.items.count >= minimumItems,
                       Self.endsList(bytes, from: cursor, keyIndent: keyIndent, itemIndent: itemIndent) {
                        blanks.append((lineEnd + 1, min(cursor, n)))
                        lists[lineNumber] = list
                        lineNumber = line
                        lineStart = min(cursor, n)
                        continue
                    }
                } else if let (open, close) = Self.flowList(bytes, afterKey, lineEnd, line: lineNumber, into: &list.items),
                          list.items.count >= minimumItems {
                    list.valueLine = lineNumber
                    list.valueColumn = open - lineStart + 1
                    blanks.append((open, close + 1))
                    lists[lineNumber] = list
                }
            }
            lineStart = lineEnd + 1
            lineNumber += 1
        }
        return lists.isEmpty ? nil : (lists, blanks)
    }

    /// The byte at a Yams mark (1-based line, column in Unicode scalars), or nil.
    func byte(line: Int, column: Int) -> UInt8? {
        var i = 0
        var l = 1
        while l < line {
            while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            guard i < bytes.count else { return nil }
            i += 1
            l += 1
        }
        var c = 1
        while i < bytes.count && bytes[i] != UInt8(ascii: "\n") {
            if bytes[i] & 0xC0 != 0x80 {
                if c == column { return bytes[i] }
                c += 1
            }
            i += 1
        }
        return nil
    }

    // MARK: scanning

    /// Whether `needle` occurs in `bytes` (memchr for its first byte, then memcmp).
    static func contains(_ bytes: Bytes, _ needle: [UInt8]) -> Bool {
        guard let base = bytes.baseAddress, let first = needle.first else { return false }
        var from = 0
        while bytes.count - from >= needle.count {
            guard let hit = memchr(base + from, Int32(first), bytes.count - from - needle.count + 1) else { return false }
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if needle.withUnsafeBufferPointer({ n in n.baseAddress.map { memcmp(base + at, $0, needle.count) == 0 } ?? false }) { return true }
            from = at + 1
        }
        return false
    }

    /// Whether `byte` occurs in `bytes` (memchr).
    static func contains(_ bytes: Bytes, _ byte: UInt8) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return memchr(base, Int32(byte), bytes.count) != nil
    }

    /// The offset of the next newline at or after `from`, or the end (memchr).
    static func lineEnd(_ b: Bytes, from: Int) -> Int {
        guard let base = b.baseAddress, from < b.count,
              let hit = memchr(base + from, Int32(UInt8(ascii: "\n")), b.count - from) else { return b.count }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// `[spaces][- ]prefixes:` then spaces to the end of the line or to a flow list: the offset of
    /// the key and the offset after the spaces that follow the colon.
    static func prefixesKey(_ b: Bytes, _ start: Int, _ end: Int) -> (Int, Int)? {
        var i = start
        while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
        if i + 1 < end && b[i] == UInt8(ascii: "-") && b[i + 1] == UInt8(ascii: " ") {
            i += 1
            while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
        }
        let key = Array("prefixes:".utf8)
        guard end - i >= key.count else { return nil }
        for k in 0..<key.count where b[i + k] != key[k] { return nil }
        let keyAt = i
        i += key.count
        // `prefixes:x` is not a key.
        if i < end && b[i] != UInt8(ascii: " ") { return nil }
        while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
        return (keyAt, i)
    }

    static func isValueByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"),
             UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// A scalar at `i`: plain (value bytes only, not starting or ending with ':'; in a flow list
    /// no ':' at all) or quoted (value bytes only, not empty). Returns the item and the offset
    /// after it.
    static func scalar(_ b: Bytes, _ i: Int, _ end: Int, line: Int, lineStart: Int, flow: Bool = false) -> (Item, Int)? {
        guard i < end else { return nil }
        let q = b[i]
        if q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") {
            var j = i + 1
            while j < end && isValueByte(b[j]) { j += 1 }
            guard j < end, b[j] == q, j > i + 1 else { return nil }
            return (Item(start: Int32(i + 1), count: Int32(j - i - 1), line: Int32(line), column: Int32(i - lineStart + 1)), j + 1)
        }
        var j = i
        while j < end && isValueByte(b[j]) { j += 1 }
        guard j > i, b[i] != UInt8(ascii: ":"), b[j - 1] != UInt8(ascii: ":") else { return nil }
        if flow && b[i..<j].contains(UInt8(ascii: ":")) { return nil }
        return (Item(start: Int32(i), count: Int32(j - i), line: Int32(line), column: Int32(i - lineStart + 1)), j)
    }

    /// `[indent]- SCALAR[spaces]` alone on its line: the indentation of the dash and the item.
    static func blockItem(_ b: Bytes, _ start: Int, _ end: Int, line: Int) -> (Int, Item)? {
        var i = start
        while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
        let indent = i - start
        guard i + 1 < end, b[i] == UInt8(ascii: "-"), b[i + 1] == UInt8(ascii: " ") else { return nil }
        i += 1
        while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
        guard let (item, after) = scalar(b, i, end, line: line, lineStart: start) else { return nil }
        var k = after
        while k < end && b[k] == UInt8(ascii: " ") { k += 1 }
        guard k == end else { return nil }
        return (indent, item)
    }

    /// Whether the list really ends where the items stop: at the end of the file, or (after blank
    /// or comment lines) at a line that cannot continue it — less indented than the key, or, when
    /// the items are as indented as the key, a sibling key at that indentation.
    static func endsList(_ b: Bytes, from: Int, keyIndent: Int, itemIndent: Int) -> Bool {
        var cursor = from
        while cursor < b.count {
            let end = lineEnd(b, from: cursor)
            var i = cursor
            while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
            if i == end || b[i] == UInt8(ascii: "#") {
                cursor = end + 1
                continue
            }
            let indent = i - cursor
            return indent < keyIndent || (indent == keyIndent && b[i] != UInt8(ascii: "-"))
        }
        return true
    }

    /// `[a, "b", 'c']` then spaces to the end of the line: the offsets of the brackets; the items
    /// are appended to `items`.
    static func flowList(_ b: Bytes, _ start: Int, _ end: Int, line: Int, into items: inout [Item]) -> (Int, Int)? {
        guard start < end, b[start] == UInt8(ascii: "[") else { return nil }
        var lineStart = start
        while lineStart > 0 && b[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
        var i = start + 1
        var found: [Item] = []
        while true {
            while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
            guard let (item, after) = scalar(b, i, end, line: line, lineStart: lineStart, flow: true) else { return nil }
            found.append(item)
            i = after
            while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
            guard i < end else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "]") else { return nil }
            break
        }
        let close = i
        i += 1
        while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
        guard i == end else { return nil }
        items += found
        return (start, close)
    }

    // MARK: prefixes

    /// `IPPrefix(text)` on UTF-8 bytes: `ADDR/LEN` (LEN in canonical decimal) or a bare address.
    static func parsePrefix(_ text: UnsafeBufferPointer<UInt8>) -> IPPrefix? {
        guard text.count < 64 else { return nil }
        var slash = -1
        var colon = false
        for (i, c) in text.enumerated() {
            if c == UInt8(ascii: "/") {
                if slash >= 0 { return nil }
                slash = i
            } else if c == UInt8(ascii: ":") {
                colon = true
            }
        }
        let addressCount = slash >= 0 ? slash : text.count
        var length = -1
        if slash >= 0 {
            let digits = text.count - slash - 1
            guard digits >= 1, digits <= 3 else { return nil }
            if digits > 1 && text[slash + 1] == UInt8(ascii: "0") { return nil }
            length = 0
            for k in (slash + 1)..<text.count {
                let c = text[k]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                length = length * 10 + Int(c - UInt8(ascii: "0"))
            }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> IPPrefix? in
            guard let base = buffer.baseAddress else { return nil }
            for k in 0..<addressCount { base[k] = CChar(bitPattern: text[k]) }
            base[addressCount] = 0
            let address: IPAddress?
            if colon {
                var raw = in6_addr()
                guard inet_pton(AF_INET6, base, &raw) == 1 else { return nil }
                address = withUnsafeBytes(of: &raw) { IPAddress(family: .ipv6, bytes: Array($0)) }
            } else {
                var raw = in_addr()
                guard inet_pton(AF_INET, base, &raw) == 1 else { return nil }
                address = withUnsafeBytes(of: &raw) { IPAddress(family: .ipv4, bytes: Array($0)) }
            }
            guard let address else { return nil }
            return IPPrefix(address: address, length: length < 0 ? address.family.bitLength : length)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
