import Foundation

/// A JSON Schema (the OpenAPI 3.1 dialect) as data, small enough to write beside the route that answers
/// with it. Rendered by `OpenAPIBuilder`; checked against live answers by the schemathesis run.
indirect enum Schema: Sendable {
    case string(String? = nil)
    /// A string with constraints: a format (`uuid`, `date-time`), allowed values, a length bound.
    case text(format: String? = nil, values: [String]? = nil, maxLength: Int? = nil, description: String? = nil)
    case integer
    case boolean
    case number
    /// Any JSON value.
    case any
    /// Any JSON object.
    case anyObject
    case object(KeyValuePairs<String, Schema>, required: [String] = [])
    case array(Schema)
    case ref(String)
    /// The value, or JSON null.
    case nullable(Schema)
    case oneOf([Schema])
    case described(Schema, String)

    static let uuid = Schema.text(format: "uuid")
    static let dateTime = Schema.text(format: "date-time")

    func node() -> YAMLNode {
        switch self {
        case .string(let description):
            return .map([("type", "string")] + (description.map { [("description", .string($0))] } ?? []))
        case .text(let format, let values, let maxLength, let description):
            var m: [(String, YAMLNode)] = [("type", "string")]
            if let format { m.append(("format", .string(format))) }
            if let values { m.append(("enum", .list(values.map(YAMLNode.string)))) }
            if let maxLength { m.append(("maxLength", .int(maxLength))) }
            if let description { m.append(("description", .string(description))) }
            return .map(m)
        case .integer: return .map([("type", "integer")])
        case .boolean: return .map([("type", "boolean")])
        case .number: return .map([("type", "number")])
        case .any: return .map([])
        case .anyObject: return .map([("type", "object")])
        case .object(let properties, let required):
            var m: [(String, YAMLNode)] = [("type", "object")]
            if !required.isEmpty { m.append(("required", .list(required.map(YAMLNode.string)))) }
            m.append(("properties", .map(properties.map { ($0.key, $0.value.node()) })))
            return .map(m)
        case .array(let items): return .map([("type", "array"), ("items", items.node())])
        case .ref(let name): return .map([("$ref", .string("#/components/schemas/\(name)"))])
        case .nullable(let inner): return .map([("oneOf", .list([inner.node(), .map([("type", "null")])]))])
        case .oneOf(let options): return .map([("oneOf", .list(options.map { $0.node() }))])
        case .described(let inner, let text):
            guard case .map(var m) = inner.node() else { return inner.node() }
            m.append(("description", .string(text)))
            return .map(m)
        }
    }
}

/// A YAML document tree, written in block style. A string is written plain only when it is a word, a path
/// or a version that no YAML 1.1 or 1.2 reader takes for another type; every other one is double-quoted
/// (JSON's escaping is valid YAML), so no value can be misread or break the structure.
enum YAMLNode: Sendable, ExpressibleByStringLiteral {
    case map([(String, YAMLNode)])
    case list([YAMLNode])
    case string(String)
    case int(Int)
    case bool(Bool)

    init(stringLiteral value: String) { self = .string(value) }

    func render() -> String {
        var out = ""
        write(to: &out, indent: 0, inList: false)
        return out
    }

    private static let keywords: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"]

    private static func isPlainSafe(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, !keywords.contains(s.lowercased()) else { return false }
        func letter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a }
        func digit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        // A version such as 3.1.0: two dots are never a number.
        if bytes.filter({ $0 == UInt8(ascii: ".") }).count == 2, bytes.allSatisfy({ digit($0) || $0 == UInt8(ascii: ".") }) {
            return true
        }
        guard letter(first) || first == UInt8(ascii: "/") || first == UInt8(ascii: "$") else { return false }
        return bytes.allSatisfy { letter($0) || digit($0) || "_./{}$+-".utf8.contains($0) }
    }

    private static func quoted(_ s: String) -> String {
        if isPlainSafe(s) { return s }
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\t": r += "\\t"
            default:
                if u.value < 0x20 { r += String(format: "\\u%04x", u.value) } else { r.unicodeScalars.append(u) }
            }
        }
        return r + "\""
    }

    private var scalar: String? {
        switch self {
        case .string(let s): Self.quoted(s)
        case .int(let i): String(i)
        case .bool(let b): b ? "true" : "false"
        case .map(let m) where m.isEmpty: "{}"
        case .list(let l) where l.isEmpty: "[]"
        default: nil
        }
    }

    private func write(to out: inout String, indent: Int, inList: Bool) {
        let pad = String(repeating: "  ", count: indent)
        switch self {
        case .map(let entries) where !entries.isEmpty:
            for (i, (key, value)) in entries.enumerated() {
                // The first key of a list item shares the "- " line.
                out += (inList && i == 0 ? "" : pad) + Self.quoted(key) + ":"
                if let s = value.scalar {
                    out += " " + s + "\n"
                } else {
                    out += "\n"
                    value.write(to: &out, indent: indent + 1, inList: false)
                }
            }
        case .list(let items) where !items.isEmpty:
            for item in items {
                out += pad + "- "
                if let s = item.scalar {
                    out += s + "\n"
                } else if case .list = item {
                    out += "\n"
                    item.write(to: &out, indent: indent + 1, inList: false)
                } else {
                    item.write(to: &out, indent: indent + 1, inList: true)
                }
            }
        default:
            out += pad + (scalar ?? "") + "\n"
        }
    }
}
