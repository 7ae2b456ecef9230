import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// usage: loadgen FLOW BASE_URL USERS_JSON [--duration S] [--concurrency N]
// FLOW: device-login (challenge + authenticate), confirmation (create + approve), passkey-login
// (webauthn login/start + login/finish with an ES256 assertion made here, the counter rising per user), or
// passkey-finish (each connection first starts --prefetch ceremonies untimed, then only finishes are
// timed: the login/finish endpoint on its own). USERS_JSON is written by
// `devices.py setup`: one registered ES256 device per user. N threads each run flows back to back on one
// keep-alive connection with a minimal blocking HTTP/1.1 client, so the generator costs the shared cores
// little more than wrk would. Prints `RESULT name=… ops=… rate=… p50_ms=… p99_ms=… errors=…` (an op is a flow).

struct BenchUser: Decodable {
    var projectKey: String
    var token: String
    var fingerprint: String
    var deviceId: String
    var pem: String
    var email: String
    var passkeyPem: String
    var credentialId: String
    var rpId: String
    var origin: String
}

let args = CommandLine.arguments
guard args.count >= 4 else { fatalError("usage: loadgen FLOW BASE_URL USERS_JSON [--duration S] [--concurrency N]") }
let flow = args[1]
let url = URL(string: args[2])!
let users = try JSONDecoder().decode([BenchUser].self, from: Data(contentsOf: URL(fileURLWithPath: args[3])))
func option(_ name: String, _ fallback: Double) -> Double {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Double(args[i + 1]) else { return fallback }
    return v
}
let duration = option("--duration", 15)
let concurrency = Int(option("--concurrency", 16))

/// One keep-alive HTTP/1.1 connection; responses must carry Content-Length (Gatehouse's do).
final class Connection {
    let fd: Int32
    var buffer: [UInt8] = []

    init(host: String, port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &addr.sin_addr)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        precondition(rc == 0, "cannot connect")
    }

    func post(_ path: String, _ body: String, headers: String) -> (Int, String) {
        let request = "POST \(path) HTTP/1.1\r\nHost: \(url.host!)\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (0, "") }
            sent += n
        }
        // Read until the headers are complete, then the Content-Length body.
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            if let end = headerEnd(), let length = contentLength(end) {
                if buffer.count >= end + length {
                    let head = String(decoding: buffer[..<end], as: UTF8.self)
                    let status = Int(head.split(separator: " ")[1]) ?? 0
                    let body = String(decoding: buffer[end..<(end + length)], as: UTF8.self)
                    buffer.removeFirst(end + length)
                    return (status, body)
                }
            }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return (0, "") }
            buffer += chunk[..<n]
        }
    }

    func headerEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    func contentLength(_ end: Int) -> Int? {
        let head = String(decoding: buffer[..<end], as: UTF8.self).lowercased()
        guard let r = head.range(of: "content-length:") else { return nil }
        // "\r\n" is one Character in Swift: compare against it, not "\r".
        return Int(head[r.upperBound...].prefix { $0 != "\r\n" }.trimmingCharacters(in: .whitespaces))
    }
}

/// The string value of `"key":"…"` in a flat JSON answer (ids and challenges hold no escapes).
func field(_ json: String, _ key: String) -> String? {
    guard let r = json.range(of: "\"\(key)\":\"") else { return nil }
    return String(json[r.upperBound...].prefix { $0 != "\"" })
}

func base64url(_ bytes: some Sequence<UInt8>) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// One passkey per connection (users are not shared across connections), so its counter only rises. The
/// counters outlive a run in `USERS_JSON.counter-<credential>` files: a later run must continue above them
/// (the server refuses a counter that does not rise, as it must).
final class PasskeyState {
    let key: P256.Signing.PrivateKey
    let rpIdHash: [UInt8]
    let counterFile: String
    var counter: UInt32 = 0
    init(_ user: BenchUser) {
        key = try! P256.Signing.PrivateKey(pemRepresentation: user.passkeyPem)
        rpIdHash = Array(SHA256.hash(data: Array(user.rpId.utf8)))
        counterFile = args[3] + ".counter-" + user.credentialId
        counter = (try? String(contentsOfFile: counterFile, encoding: .utf8)).flatMap { UInt32($0) } ?? 0
    }
    func save() { try? String(counter).write(toFile: counterFile, atomically: true, encoding: .utf8) }
}

func passkeyStart(_ c: Connection, _ user: BenchUser) -> (String, String)? {
    let (s1, b1) = c.post("/auth/webauthn/login/start", #"{"email":"\#(user.email)"}"#, headers: "x-project-key: \(user.projectKey)\r\n")
    guard s1 == 200, let id = field(b1, "sessionId"), let challenge = field(b1, "challenge") else { return nil }
    return (id, challenge)
}

func passkeyFinish(_ c: Connection, _ user: BenchUser, _ passkey: PasskeyState, id: String, challenge: String) -> Bool {
        let project = "x-project-key: \(user.projectKey)\r\n"
        passkey.counter += 1
        let n = passkey.counter
        let authData = passkey.rpIdHash + [0x05, UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
        let clientData = Array(#"{"type":"webauthn.get","challenge":"\#(challenge)","origin":"\#(user.origin)"}"#.utf8)
        let signature = try! passkey.key.signature(for: authData + Array(SHA256.hash(data: clientData))).derRepresentation
        let body = #"{"sessionId":"\#(id)","response":{"id":"\#(user.credentialId)","rawId":"\#(user.credentialId)","type":"public-key","response":{"clientDataJSON":"\#(base64url(clientData))","authenticatorData":"\#(base64url(authData))","signature":"\#(base64url(signature))"}}}"#
        let (s2, _) = c.post("/auth/webauthn/login/finish", body, headers: project)
        return s2 == 200
}

func runFlow(_ c: Connection, _ user: BenchUser, _ key: P256.Signing.PrivateKey, _ passkey: PasskeyState) -> Bool {
    let project = "x-project-key: \(user.projectKey)\r\n"
    func sign(_ text: String) -> String { (try! key.signature(for: Array(text.utf8))).derRepresentation.base64EncodedString() }
    if flow == "passkey-login" {
        guard let (id, challenge) = passkeyStart(c, user) else { return false }
        return passkeyFinish(c, user, passkey, id: id, challenge: challenge)
    }
    if flow == "device-login" {
        let (s1, b1) = c.post("/auth/biometric/challenge", #"{"deviceFingerprint":"\#(user.fingerprint)"}"#, headers: project)
        guard s1 == 200, let id = field(b1, "sessionId"), let challenge = field(b1, "challenge") else { return false }
        let (s2, _) = c.post(
            "/auth/biometric/authenticate", #"{"sessionId":"\#(id)","signedChallenge":"\#(sign(challenge))"}"#, headers: project)
        return s2 == 200
    } else {
        let (s1, b1) = c.post(
            "/auth/confirmations", #"{"actionType":"wire_transfer","actionPayload":{"amount":125,"to":"DE89"}}"#,
            headers: project + "Authorization: Bearer \(user.token)\r\n")
        guard s1 == 201, let id = field(b1, "confirmationId"), let challenge = field(b1, "challenge") else { return false }
        let (s2, _) = c.post(
            "/auth/confirmations/\(id)/approve", #"{"deviceId":"\#(user.deviceId)","signedChallenge":"\#(sign(challenge))"}"#,
            headers: project)
        return s2 == 200
    }
}

let prefetch = Int(option("--prefetch", 1000))
// Passkey-finish connections prefetch first; the clock starts when the last of them is ready.
let ready = DispatchGroup()
let go = DispatchSemaphore(value: 0)
var deadline = Date().addingTimeInterval(duration)
var measuredStart = Date()
let lock = NSLock()
var latencies: [Double] = []
var errors = 0
var threads: [Thread] = []
let done = DispatchGroup()
for i in 0..<concurrency {
    let user = users[i % users.count]
    let key = try P256.Signing.PrivateKey(pemRepresentation: user.pem)
    let passkey = PasskeyState(user)
    if flow.hasPrefix("passkey") && concurrency > users.count { fatalError("passkey flows need a user per connection") }
    done.enter()
    ready.enter()
    let t = Thread {
        let c = Connection(host: url.host!, port: url.port ?? 80)
        var mine: [Double] = []
        var failed = 0
        var ceremonies: [(String, String)] = []
        if flow == "passkey-finish" {
            for _ in 0..<prefetch { if let s = passkeyStart(c, user) { ceremonies.append(s) } }
        }
        ready.leave()
        go.wait()
        if flow == "passkey-finish" {
            for (id, challenge) in ceremonies where Date() < deadline {
                let start = DispatchTime.now().uptimeNanoseconds
                if passkeyFinish(c, user, passkey, id: id, challenge: challenge) {
                    mine.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                } else {
                    failed += 1
                }
            }
        }
        while flow != "passkey-finish" && Date() < deadline {
            let start = DispatchTime.now().uptimeNanoseconds
            if runFlow(c, user, key, passkey) {
                mine.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            } else {
                failed += 1
            }
        }
        close(c.fd)
        passkey.save()
        lock.lock()
        latencies += mine
        errors += failed
        lock.unlock()
        done.leave()
    }
    threads.append(t)
    t.start()
}
ready.wait()
measuredStart = Date()
deadline = measuredStart.addingTimeInterval(duration)
for _ in 0..<concurrency { go.signal() }
done.wait()
// A connection that ran out of prefetched ceremonies stops early: rate over the time actually measured.
let elapsed = min(duration, Date().timeIntervalSince(measuredStart))
let sorted = latencies.sorted()
func pct(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
print(
    "RESULT name=\(flow) ops=\(sorted.count) rate=\(Int(Double(sorted.count) / elapsed)) p50_ms=\(String(format: "%.2f", pct(0.5))) p99_ms=\(String(format: "%.2f", pct(0.99))) errors=\(errors)"
)
