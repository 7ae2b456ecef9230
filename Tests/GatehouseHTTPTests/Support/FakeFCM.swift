import Crypto
import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import _CryptoExtras

/// A stand-in for Google's OAuth token endpoint and FCM HTTP v1 on loopback (we cannot reach Google
/// here). It checks what it receives as Google would: the RS256 signature of the JWT assertion against the
/// service account's public key and its claims, the bearer token it issued, the message body. Tokens
/// starting `flaky` fail once with 500; tokens starting `gone` answer 404 UNREGISTERED.
final class FakeFCM: Sendable {
    let key: _RSA.Signing.PrivateKey
    let projectId = "gatehouse-test"
    let clientEmail = "push@gatehouse-test.iam.gserviceaccount.com"
    /// Messages accepted (200), as (fcm token, data).
    let delivered = Mutex<[(token: String, data: [String: String])]>([])
    /// Every send attempt's token, accepted or not.
    let attempts = Mutex<[String]>([])
    /// What did not match Google's rules; a test expects this empty.
    let violations = Mutex<[String]>([])
    let issuedTokens = Mutex<Set<String>>([])
    let failedOnce = Mutex<Set<String>>([])
    let port: Int

    private init(key: _RSA.Signing.PrivateKey, port: Int) {
        self.key = key
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var tokenURI: String { "\(baseURL)/token" }

    /// The service-account JSON, as Firebase hands it out.
    var credentialsJSON: String {
        let object: JSONValue = [
            "type": "service_account", "project_id": .string(projectId), "private_key_id": "kid-1",
            "private_key": .string(key.pemRepresentation), "client_email": .string(clientEmail),
            "token_uri": "https://oauth2.googleapis.com/token",
        ]
        return String(decoding: try! JSONEncoder().encode(object), as: UTF8.self)
    }


    func violation(_ text: String) { violations.withLock { $0.append(text) } }

    /// Runs a fake on a free loopback port for the duration of `body`.
    static func run(_ body: @Sendable (FakeFCM) async throws -> Void) async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let holder = Mutex<FakeFCM?>(nil)
        let router = Router()
        router.post("token") { request, _ -> Response in
            guard let fake = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await fake.token(request)
        }
        router.post("v1/projects/:project/*") { request, context -> Response in
            guard let fake = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await fake.send(request, project: context.parameters.get("project") ?? "")
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let fake = FakeFCM(key: key, port: client.port!)
            holder.withLock { $0 = fake }
            try await body(fake)
        }
    }

    static func form(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if parts.count == 2 { out[parts[0]] = parts[1] }
        }
        return out
    }

    func token(_ request: Request) async throws -> Response {
        let text = String(buffer: try await request.body.collect(upTo: 64 * 1024))
        let form = Self.form(text)
        guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
            violation("token request is not form-encoded")
            return Response(status: .badRequest)
        }
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer", let assertion = form["assertion"] else {
            violation("token request: wrong grant_type or no assertion")
            return Response(status: .badRequest)
        }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let claimBytes = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2]),
            let header = try? JSONDecoder().decode([String: JSONValue].self, from: Data(headerBytes)),
            let claims = try? JSONDecoder().decode([String: JSONValue].self, from: Data(claimBytes))
        else {
            violation("assertion is not a compact JWS")
            return Response(status: .badRequest)
        }
        let signed = Array((parts[0] + "." + parts[1]).utf8)
        guard
            key.publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
        else {
            violation("assertion signature does not verify with the service account's key")
            return Response(status: .unauthorized)
        }
        if header["alg"] != "RS256" || header["kid"] != "kid-1" { violation("assertion header \(header)") }
        if claims["iss"]?.stringValue != clientEmail { violation("iss \(String(describing: claims["iss"]))") }
        if claims["aud"]?.stringValue != tokenURI { violation("aud \(String(describing: claims["aud"]))") }
        if claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging" { violation("scope") }
        if let iat = claims["iat"]?.numberValue, let exp = claims["exp"]?.numberValue {
            if exp - iat != 3600 { violation("assertion lifetime \(exp - iat)") }
        } else {
            violation("no iat/exp")
        }
        let issued = "ya29.fake-" + UUID().uuidString
        issuedTokens.withLock { _ = $0.insert(issued) }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"access_token":"\#(issued)","expires_in":3599,"token_type":"Bearer"}"#)))
    }

    func send(_ request: Request, project: String) async throws -> Response {
        guard request.uri.path == "/v1/projects/\(projectId)/messages:send", project == projectId else {
            violation("send path \(request.uri.path)")
            return Response(status: .notFound)
        }
        guard let auth = request.headers[.authorization], auth.hasPrefix("Bearer "),
            issuedTokens.withLock({ $0.contains(String(auth.dropFirst(7))) })
        else {
            violation("send without an issued bearer token")
            return Response(status: .unauthorized)
        }
        let body = try await request.body.collect(upTo: 64 * 1024)
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)),
            let message = json.objectValue?["message"]?.objectValue, let token = message["token"]?.stringValue,
            let data = message["data"]?.objectValue
        else {
            violation("send body is not {message:{token,data}}")
            return Response(status: .badRequest)
        }
        var strings: [String: String] = [:]
        for (k, v) in data {
            guard let s = v.stringValue else {
                violation("data value \(k) is not a string")
                return Response(status: .badRequest)
            }
            strings[k] = s
        }
        attempts.withLock { $0.append(token) }
        if token.hasPrefix("gone") {
            return Response(
                status: .notFound, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}"#)))
        }
        if token.hasPrefix("flaky"), failedOnce.withLock({ $0.insert(token).inserted }) {
            return Response(status: .internalServerError)
        }
        delivered.withLock { $0.append((token, strings)) }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"name":"projects/\#(projectId)/messages/\#(UUID().uuidString)"}"#)))
    }
}
