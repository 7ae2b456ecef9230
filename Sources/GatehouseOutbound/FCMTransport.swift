import AsyncHTTPClient
import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1
import Synchronization

/// Firebase Cloud Messaging HTTP v1: exchanges the service account's signed assertion for an access token
/// (cached until a minute before it expires), then POSTs `projects/{id}/messages:send`.
public final class FCMTransport: PushTransport {
    let account: FCMServiceAccount
    let baseURL: String
    let clock: any GatehouseClock
    let timeout: TimeAmount
    private let cached = Mutex<(token: String, expiresAt: Date)?>(nil)

    public static let defaultBaseURL = "https://fcm.googleapis.com"

    public init(account: FCMServiceAccount, baseURL: String = defaultBaseURL, clock: any GatehouseClock, timeout: TimeAmount = .seconds(10)) {
        self.account = account
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.clock = clock
        self.timeout = timeout
    }

    struct TokenAnswer: Decodable {
        var access_token: String
        var expires_in: Double?
    }

    func accessToken() async throws -> String {
        let now = clock.now
        if let c = cached.withLock({ $0 }), c.expiresAt > now.addingTimeInterval(60) { return c.token }
        var request = HTTPClientRequest(url: account.tokenURI)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        // The assertion is base64url and dots: nothing in it needs escaping.
        let form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + (try account.assertion(now: now))
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard response.status == .ok else { throw GatehouseError(.upstream, "token exchange answered \(response.status.code)") }
        let answer = try JSONDecoder().decode(TokenAnswer.self, from: Data(body.readableBytesView))
        let expiresAt = now.addingTimeInterval(answer.expires_in ?? 3600)
        cached.withLock { $0 = (answer.access_token, expiresAt) }
        return answer.access_token
    }

    func messageBody(_ m: PushMessage) -> [UInt8] {
        let data = JSONValue.object(m.data.mapValues { .string($0) })
        let message: JSONValue = [
            "message": [
                "token": .string(m.fcmToken), "data": data,
                "android": ["priority": "HIGH"],
                "apns": ["headers": ["apns-priority": "10"], "payload": ["aps": ["content-available": 1]]],
            ]
        ]
        return Array(CanonicalJSON.encode(message).utf8)
    }

    public func send(_ m: PushMessage) async -> PushOutcome {
        let token: String
        do {
            token = try await accessToken()
        } catch {
            return .retry("FCM access token: \(error)")
        }
        var request = HTTPClientRequest(url: "\(baseURL)/v1/projects/\(account.projectId)/messages:send")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.body = .bytes(ByteBuffer(bytes: messageBody(m)))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            let body = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            let code = Int(response.status.code)
            switch code {
            case 200..<300: return .delivered
            case 401:
                cached.withLock { $0 = nil }
                return .retry("FCM answered 401")
            case 400, 404:
                return body.contains("UNREGISTERED") ? .unregistered : .rejected("FCM answered \(code)")
            case 429, 500...: return .retry("FCM answered \(code)")
            default: return .rejected("FCM answered \(code)")
            }
        } catch {
            return .retry("FCM unreachable: \(type(of: error))")
        }
    }
}
