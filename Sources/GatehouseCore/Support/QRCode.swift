/// A QR code (ISO/IEC 18004) in byte mode at error-correction level M, versions 1–40 (up to 2,331 bytes):
/// the otpauth URLs of TOTP enrollment, whose names `TOTPSecret.otpauthURL` keeps within a bound. Rendered as SVG for `/auth/otp/setup`. Follows the structure of
/// Project Nayuki's reference generator: codewords with Reed–Solomon over GF(256), function patterns,
/// zigzag placement, the lowest-penalty mask.
public struct QRCode: Sendable {
    public let size: Int
    /// Row-major dark modules.
    public private(set) var modules: [Bool]
    private var isFunction: [Bool]
    public let version: Int
    public private(set) var mask: Int

    // Level M, versions 1–40 (ISO/IEC 18004 table 9): error-correction codewords per block, and blocks.
    static let eccPerBlock = [
        -1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28,
        28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ]
    static let blocks = [
        -1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29,
        31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ]
    public static let maxVersion = 40

    public enum Failure: Error { case tooLong }

    /// Encodes `text` (UTF-8 bytes) with the smallest version that holds it; `forcedMask` only for tests.
    public init(_ text: String, forcedMask: Int? = nil) throws {
        let data = Array(text.utf8)
        var chosen: Int?
        for v in 1...Self.maxVersion {
            let countBits = v <= 9 ? 8 : 16
            if 4 + countBits + data.count * 8 <= Self.dataCodewords(v) * 8 { chosen = v; break }
        }
        guard let version = chosen else { throw Failure.tooLong }
        self.version = version
        size = version * 4 + 17
        modules = Array(repeating: false, count: size * size)
        isFunction = Array(repeating: false, count: size * size)
        mask = 0

        // Bit stream: mode, count, data, terminator, byte padding, pad codewords.
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) { for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) } }
        append(0b0100, 4)
        append(data.count, version <= 9 ? 8 : 16)
        for b in data { append(Int(b), 8) }
        let capacity = Self.dataCodewords(version) * 8
        append(0, min(4, capacity - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var pad = 0xEC
        while bits.count < capacity {
            append(pad, 8)
            pad ^= 0xEC ^ 0x11
        }
        var codewords = [UInt8](repeating: 0, count: bits.count / 8)
        for (i, bit) in bits.enumerated() where bit { codewords[i >> 3] |= 1 << (7 - UInt8(i & 7)) }

        drawFunctionPatterns()
        drawCodewords(Self.withErrorCorrection(codewords, version: version))
        var best = forcedMask ?? 0
        if forcedMask == nil {
            var lowest = Int.max
            for m in 0..<8 {
                applyMask(m)
                drawFormatBits(m)
                let p = penalty()
                if p < lowest { lowest = p; best = m }
                applyMask(m)
            }
        }
        mask = best
        applyMask(best)
        drawFormatBits(best)
    }

    public func isDark(_ x: Int, _ y: Int) -> Bool { modules[y * size + x] }

    /// SVG with a 4-module quiet zone, one path of unit squares.
    public func svg(moduleSize: Int = 4) -> String {
        let border = 4
        var path = ""
        for y in 0..<size { for x in 0..<size where isDark(x, y) { path += "M\(x + border),\(y + border)h1v1h-1z" } }
        let dim = size + border * 2
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(dim) \(dim)" width="\(dim * moduleSize)" height="\(dim * moduleSize)" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }

    // MARK: capacity and error correction

    static func rawDataModules(_ v: Int) -> Int {
        var result = (16 * v + 128) * v + 64
        if v >= 2 {
            let align = v / 7 + 2
            result -= (25 * align - 10) * align - 55
            if v >= 7 { result -= 36 }
        }
        return result
    }

    static func dataCodewords(_ v: Int) -> Int { rawDataModules(v) / 8 - eccPerBlock[v] * blocks[v] }

    static func withErrorCorrection(_ data: [UInt8], version v: Int) -> [UInt8] {
        let numBlocks = blocks[v]
        let eccLen = eccPerBlock[v]
        let rawCodewords = rawDataModules(v) / 8
        let shortBlocks = numBlocks - rawCodewords % numBlocks
        let shortLen = rawCodewords / numBlocks
        let divisor = reedSolomonDivisor(eccLen)
        var blockList: [[UInt8]] = []
        var k = 0
        for i in 0..<numBlocks {
            let dataLen = shortLen - eccLen + (i < shortBlocks ? 0 : 1)
            var block = Array(data[k..<(k + dataLen)])
            k += dataLen
            let ecc = reedSolomonRemainder(block, divisor)
            if i < shortBlocks { block.append(0) }  // a placeholder so blocks interleave by index
            blockList.append(block + ecc)
        }
        var result: [UInt8] = []
        for i in 0..<blockList[0].count {
            for (j, block) in blockList.enumerated() where i != shortLen - eccLen || j >= shortBlocks {
                result.append(block[i])
            }
        }
        return result
    }

    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> i) & 1) * Int(x)
        }
        return UInt8(z & 0xFF)
    }

    static func reedSolomonDivisor(_ degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                result[j] = multiply(result[j], root)
                if j + 1 < degree { result[j] ^= result[j + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func reedSolomonRemainder(_ data: [UInt8], _ divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for b in data {
            let factor = b ^ result.removeFirst()
            result.append(0)
            for i in 0..<result.count { result[i] ^= multiply(divisor[i], factor) }
        }
        return result
    }

    // MARK: drawing

    private mutating func set(_ x: Int, _ y: Int, _ dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    private mutating func drawFunctionPatterns() {
        for i in 0..<size {
            set(6, i, i % 2 == 0)
            set(i, 6, i % 2 == 0)
        }
        drawFinder(3, 3)
        drawFinder(size - 4, 3)
        drawFinder(3, size - 4)
        let positions = alignmentPositions()
        for (i, a) in positions.enumerated() {
            for (j, b) in positions.enumerated() {
                let corner = (i == 0 && j == 0) || (i == 0 && j == positions.count - 1) || (i == positions.count - 1 && j == 0)
                if !corner { drawAlignment(a, b) }
            }
        }
        drawFormatBits(0)  // reserves the areas; redrawn with the real mask
        drawVersion()
    }

    private mutating func drawFinder(_ x: Int, _ y: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let dist = max(abs(dx), abs(dy))
                let xx = x + dx, yy = y + dy
                if xx >= 0, xx < size, yy >= 0, yy < size { set(xx, yy, dist != 2 && dist != 4) }
            }
        }
    }

    private mutating func drawAlignment(_ x: Int, _ y: Int) {
        for dy in -2...2 { for dx in -2...2 { set(x + dx, y + dy, max(abs(dx), abs(dy)) != 1) } }
    }

    private func alignmentPositions() -> [Int] {
        guard version > 1 else { return [] }
        let count = version / 7 + 2
        let step = (version * 8 + count * 3 + 5) / (count * 4 - 4) * 2
        return ((0..<(count - 1)).map { size - 7 - $0 * step } + [6]).reversed()
    }

    private mutating func drawFormatBits(_ mask: Int) {
        let data = (0 << 3) | mask  // level M is 00
        var rem = data
        for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
        let bits = ((data << 10) | rem) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { set(8, i, bit(i)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for i in 9..<15 { set(14 - i, 8, bit(i)) }
        for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
        set(8, size - 8, true)
    }

    private mutating func drawVersion() {
        guard version >= 7 else { return }
        var rem = version
        for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
        let bits = (version << 12) | rem
        for i in 0..<18 {
            let dark = (bits >> i) & 1 == 1
            let a = size - 11 + i % 3, b = i / 3
            set(a, b, dark)
            set(b, a, dark)
        }
    }

    private mutating func drawCodewords(_ data: [UInt8]) {
        var i = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vert in 0..<size {
                for j in 0..<2 {
                    let x = right - j
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vert : vert
                    if !isFunction[y * size + x] && i < data.count * 8 {
                        modules[y * size + x] = (data[i >> 3] >> (7 - UInt8(i & 7))) & 1 == 1
                        i += 1
                    }
                }
            }
            right -= 2
        }
    }

    private mutating func applyMask(_ m: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] {
                let invert: Bool
                switch m {
                case 0: invert = (x + y) % 2 == 0
                case 1: invert = y % 2 == 0
                case 2: invert = x % 3 == 0
                case 3: invert = (x + y) % 3 == 0
                case 4: invert = (x / 3 + y / 2) % 2 == 0
                case 5: invert = x * y % 2 + x * y % 3 == 0
                case 6: invert = (x * y % 2 + x * y % 3) % 2 == 0
                default: invert = ((x + y) % 2 + x * y % 3) % 2 == 0
                }
                if invert { modules[y * size + x].toggle() }
            }
        }
    }

    /// ISO 18004 §7.8.3 penalty: runs, 2×2 blocks, finder-like patterns, dark/light balance.
    private func penalty() -> Int {
        var result = 0
        func runs(_ line: [Bool]) -> Int {
            var p = 0
            var count = 1
            for i in 1..<line.count {
                if line[i] == line[i - 1] {
                    count += 1
                } else {
                    if count >= 5 { p += count - 2 }
                    count = 1
                }
            }
            if count >= 5 { p += count - 2 }
            let pattern1: [Bool] = [true, false, true, true, true, false, true, false, false, false, false]
            let pattern2: [Bool] = [false, false, false, false, true, false, true, true, true, false, true]
            if line.count >= 11 {
                for i in 0...(line.count - 11) {
                    let window = Array(line[i..<(i + 11)])
                    if window == pattern1 || window == pattern2 { p += 40 }
                }
            }
            return p
        }
        for y in 0..<size { result += runs((0..<size).map { isDark($0, y) }) }
        for x in 0..<size { result += runs((0..<size).map { isDark(x, $0) }) }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let c = isDark(x, y)
                if c == isDark(x + 1, y) && c == isDark(x, y + 1) && c == isDark(x + 1, y + 1) { result += 3 }
            }
        }
        let dark = modules.filter { $0 }.count
        let total = size * size
        let k = (abs(dark * 20 - total * 10) + total - 1) / total - 1
        result += max(0, k) * 10
        return result
    }
}
