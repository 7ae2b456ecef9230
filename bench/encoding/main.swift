// Encoding cost of the hot paths' answers: Foundation's JSONEncoder (configured as JSONBody's) against
// the engine's JSONWriter, for the token/refresh answer {accessToken, refreshToken}. Built and run by
// bench/encoding.sh with the real JSONWriter source; prints nanoseconds per answer.
import Foundation

struct Pair: Encodable {
    var accessToken: String
    var refreshToken: String
}

let access = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImJlbmNoIiwidHlwIjoiSldUIn0." + String(repeating: "x", count: 520) + "." + String(repeating: "s", count: 86)
let refresh = String(repeating: "r", count: 43)
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
let rounds = 200_000

func measure(_ name: String, _ body: () throws -> Int) rethrows {
    var bytes = 0
    for _ in 0..<10_000 { bytes &+= try body() }  // warm-up
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds { bytes &+= try body() }
    let ns = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(rounds)
    print(String(format: "%-12@ %8.0f ns per answer", name as NSString, ns), bytes > 0 ? "" : "-")
}

try measure("JSONEncoder") { try encoder.encode(Pair(accessToken: access, refreshToken: refresh)).count }
measure("JSONWriter") {
    var w = JSONWriter()
    w.field("accessToken", access)
    w.field("refreshToken", refresh)
    return w.finished().count
}
