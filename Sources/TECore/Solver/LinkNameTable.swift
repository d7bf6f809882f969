/// A link name's lookup key: the first 16 bytes (zero-padded, little-endian words), the length and
/// a 64-bit hash of all the bytes. Names of up to 16 bytes compare by these alone; longer ones
/// also compare their remaining bytes.
struct NameKey: Equatable {
    var hash: UInt64
    var w0: UInt64
    var w1: UInt64
    var count: Int
}

/// The hash and the word-at-a-time string scan share one definition of the key: the name is cut
/// into 8-byte little-endian words, the last one partial and zero-padded (empty when the length
/// is a multiple of 8), and every word is mixed in.
enum NameHash {
    static let seed: UInt64 = 0x243F_6A88_85A3_08D3

    @inline(__always)
    static func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
        let x = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
        return x ^ (x >> 29)
    }

    @inline(__always)
    static func finish(_ h: UInt64, count: Int) -> UInt64 {
        var x = h ^ UInt64(truncatingIfNeeded: count)
        x ^= x >> 33
        x = x &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        return x
    }

    @inline(__always)
    static func word(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// Byte lanes of `w` holding `"`, `\` or a control character (< 0x20): the lowest set lane is
    /// exact (higher lanes may be false positives, which the caller never looks at).
    @inline(__always)
    static func specialLanes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (0x22 &* ones)
        let b = w ^ (0x5C &* ones)
        return (((q &- ones) & ~q) | ((b &- ones) & ~b) | ((w &- 0x20 &* ones) & ~w)) & high
    }

    /// The key of a name given as its (decoded) bytes.
    static func key(of name: UnsafeBufferPointer<UInt8>) -> NameKey {
        var h = seed
        var w0: UInt64 = 0, w1: UInt64 = 0
        var k = 0
        var chunk = 0
        let n = name.count
        while k + 8 <= n {
            let w = word(name.baseAddress.unsafelyUnwrapped + k)
            h = mix(h, w)
            if chunk == 0 { w0 = w } else if chunk == 1 { w1 = w }
            chunk += 1
            k += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while k < n {
            tail |= UInt64(name[k]) << shift
            shift += 8
            k += 1
        }
        h = mix(h, tail)
        if chunk == 0 { w0 = tail } else if chunk == 1 { w1 = tail }
        return NameKey(hash: finish(h, count: n), w0: w0, w1: w1, count: n)
    }

    /// Scans a string's contents starting at `start` (just after the opening quote) a word at a
    /// time, computing its key on the way. Answers nil, having read nothing, when the string has
    /// an escape or a control character or ends within 8 bytes of the end of the input: the
    /// caller then takes the byte-by-byte path (which decodes escapes and reports errors).
    /// On success `end` is the index of the closing quote.
    @inline(__always)
    static func scan(_ base: UnsafePointer<UInt8>, count n: Int, from start: Int, end: inout Int) -> NameKey? {
        var h = seed
        var w0: UInt64 = 0, w1: UInt64 = 0
        var k = start
        var chunk = 0
        while k + 8 <= n {
            let w = word(base + k)
            let lanes = specialLanes(w)
            if lanes == 0 {
                h = mix(h, w)
                if chunk == 0 { w0 = w } else if chunk == 1 { w1 = w }
                chunk += 1
                k += 8
                continue
            }
            let at = lanes.trailingZeroBitCount >> 3
            guard base[k + at] == UInt8(ascii: "\"") else { return nil }
            let tail = at == 0 ? 0 : w & (UInt64.max >> UInt64(64 - 8 * at))
            h = mix(h, tail)
            if chunk == 0 { w0 = tail } else if chunk == 1 { w1 = tail }
            let count = k + at - start
            end = k + at
            return NameKey(hash: finish(h, count: count), w0: w0, w1: w1, count: count)
        }
        return nil
    }
}

/// Link names → link indices: an open-addressing table (linear probing, at most a quarter full) whose
/// 32-byte slots hold a name's first 16 bytes, its hash, its length and its index, so that a
/// lookup of a name of up to 16 bytes reads one slot and nothing else. Longer names also compare
/// their remaining bytes against `pool`, where all names lie back to back.
struct LinkNameTable {
    /// Four words per slot: w0, w1, hash, (count << 32) | (index + 1); 0 in the last = empty.
    private var slots: [UInt64]
    private var mask: Int
    /// Name n is pool[start[n] ..< start[n + 1]].
    private var pool: [UInt8] = []
    private var start: [Int] = [0]

    /// Slots for `capacity` names: at most a quarter full, so that a lookup rarely probes a
    /// second slot (each further probe is a branch the processor mispredicts).
    static func slotCount(capacity: Int) -> Int {
        var size = 16
        while size < capacity * 4 { size *= 2 }
        return size
    }

    init(capacity: Int) {
        let size = Self.slotCount(capacity: capacity)
        slots = [UInt64](repeating: 0, count: size * 4)
        mask = size - 1
        pool.reserveCapacity(capacity * 12)
        start.reserveCapacity(capacity + 1)
    }

    var count: Int { start.count - 1 }

    /// Adds the next name (index `count`); answers the index of an equal name already there
    /// instead (and adds nothing).
    mutating func insert(_ name: UnsafeBufferPointer<UInt8>) -> Int? {
        let key = NameHash.key(of: name)
        if let other = lookup(key, name) { return other }
        let index = count
        if (index + 1) * 4 > mask + 1 { grow() }
        pool.append(contentsOf: name)
        start.append(pool.count)
        place(key, index: index)
        return nil
    }

    private mutating func place(_ key: NameKey, index: Int) {
        var slot = Int(truncatingIfNeeded: key.hash) & mask
        while slots[slot * 4 + 3] != 0 { slot = (slot + 1) & mask }
        slots[slot * 4] = key.w0
        slots[slot * 4 + 1] = key.w1
        slots[slot * 4 + 2] = key.hash
        slots[slot * 4 + 3] = UInt64(truncatingIfNeeded: key.count) << 32 | UInt64(index + 1)
    }

    private mutating func grow() {
        let size = (mask + 1) * 2
        slots = [UInt64](repeating: 0, count: size * 4)
        mask = size - 1
        let names = pool, starts = start
        names.withUnsafeBufferPointer { names in
            for n in 0..<(starts.count - 1) {
                place(NameHash.key(of: UnsafeBufferPointer(rebasing: names[starts[n]..<starts[n + 1]])), index: n)
            }
        }
    }

    /// The index of the name with this key and these bytes (`name` is only read past its first
    /// 16 bytes, for longer names).
    @inline(__always)
    func lookup(_ key: NameKey, _ name: UnsafeBufferPointer<UInt8>) -> Int? {
        let tag = UInt64(truncatingIfNeeded: key.count) << 32
        var slot = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let meta = slots[slot * 4 + 3]
            if meta == 0 { return nil }
            if meta & 0xFFFF_FFFF_0000_0000 == tag, slots[slot * 4 + 2] == key.hash,
               slots[slot * 4] == key.w0, slots[slot * 4 + 1] == key.w1 {
                let index = Int(truncatingIfNeeded: meta & 0xFFFF_FFFF) - 1
                if key.count <= 16 || restEqual(index, name) { return index }
            }
            slot = (slot + 1) & mask
        }
    }

    private func restEqual(_ index: Int, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let s = start[index], e = start[index + 1]
        guard e - s == name.count else { return false }
        var k = 16
        while k < name.count {
            if pool[s + k] != name[k] { return false }
            k += 1
        }
        return true
    }

    /// Slots in use and in all (for tests: one slot per name, at most a quarter full).
    var occupancy: (used: Int, slots: Int) {
        (stride(from: 3, to: slots.count, by: 4).filter { slots[$0] != 0 }.count, mask + 1)
    }

    /// Name n's bytes (for messages).
    func name(_ n: Int) -> String {
        String(decoding: pool[start[n]..<start[n + 1]], as: UTF8.self)
    }
}
