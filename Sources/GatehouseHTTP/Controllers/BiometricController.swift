import Foundation
import GatehouseCore
import Hummingbird

/// Device-key ("biometric") registration, login and device management of the Enterprise dialect (seed 004),
/// under `/auth/biometric`. Tenant from `x-project-key`, else the default tenant.
struct BiometricController {
    let engine: Engine
    let tenants: TenantResolver
    let callers: CallerAuthenticator
    let clientAddress: ClientAddressResolver
    var tokens: EnterpriseTokens { EnterpriseTokens(engine: engine) }

    static let maxFingerprint = 255
    static let maxSignature = 2048

    func register(on router: Router<AppRequestContext>) {
        let group = router.group("auth/biometric")
        group.post("register/challenge", use: registerChallenge)
        group.post("register/verify", use: registerVerify)
        group.post("challenge", use: challenge)
        group.post("authenticate", use: authenticate)
        group.post("refresh", use: refresh)
        group.post("keys", use: keys)
        group.get("devices", use: devices)
        group.put("devices/fcm-token", use: setFCMToken)
        group.delete("devices/:id", use: deactivate)
    }

    /// The device object of seed 004; `userId` is the user's number.
    struct DeviceBody: Encodable {
        var id: String
        var userId: Int64
        var deviceFingerprint: String
        var deviceName: String
        var deviceType: String
        var keyAlgorithm: String
        var publicKey: String
        var fcmToken: String?
        var isActive: Bool
        var createdAt: String
        var updatedAt: String
        var lastUsedAt: String?

        init(_ d: Device, userNumber: Int64) {
            id = d.id
            userId = userNumber
            deviceFingerprint = d.fingerprint
            deviceName = d.name
            deviceType = d.type.rawValue
            keyAlgorithm = d.algorithm.rawValue
            publicKey = d.publicKey
            fcmToken = d.fcmToken
            isActive = d.isActive
            createdAt = d.createdAt.rfc3339
            updatedAt = d.updatedAt.rfc3339
            lastUsedAt = d.lastUsedAt?.rfc3339
        }
    }

    /// A user signed in with an access token (registration binds the challenge to that session).
    private func signedIn(_ request: Request) async throws -> (Tenant, User, Principal) {
        try await callers.signedIn(request, tenant: try await tenants.projectOrDefault(request))
    }

    struct RegisterChallengeBody: Decodable {
        var deviceFingerprint: String?
        var deviceName: String?
        var deviceType: String?
        var keyAlgorithm: String?
        var publicKey: String?
    }

    @Sendable func registerChallenge(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, user, session) = try await signedIn(request)
        let body = try await JSONBody.decode(RegisterChallengeBody.self, from: request)
        let fingerprint = try Validate.required(body.deviceFingerprint, "deviceFingerprint", max: Self.maxFingerprint)
        let name = try Validate.required(body.deviceName, "deviceName", max: 255)
        guard let type = DeviceType(rawValue: try Validate.required(body.deviceType, "deviceType", max: 16)) else {
            throw GatehouseError.field("deviceType", "must be one of mobile, desktop, tablet")
        }
        guard let algorithm = DeviceKeyAlgorithm(rawValue: try Validate.required(body.keyAlgorithm, "keyAlgorithm", max: 16))
        else { throw GatehouseError.field("keyAlgorithm", "must be one of ES256, RS256, PS256") }
        let publicKey = try Validate.required(body.publicKey, "publicKey", max: DevicePublicKey.maxEncodedLength, multiline: true)
        let c = try await engine.devices.beginRegistration(
            .init(fingerprint: fingerprint, name: name, type: type, algorithm: algorithm, publicKey: publicKey),
            user: user, session: session)
        var w = JSONWriter()
        w.field("challenge", c.challenge)
        w.field("deviceId", c.device.id)
        w.field("expiresAt", c.expiresAt.rfc3339)
        w.field("sessionId", c.id)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    struct SignedBody: Decodable {
        var sessionId: String?
        var signedChallenge: String?
        var rememberMe: Bool?
    }

    struct RegisterVerifyAnswer: Encodable {
        var device: DeviceBody
        var deviceId: String
        var success: Bool
    }

    @Sendable func registerVerify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, user, session) = try await signedIn(request)
        let body = try await JSONBody.decode(SignedBody.self, from: request)
        let challengeId = try Validate.uuid(body.sessionId, "sessionId")
        let signature = try Validate.token(body.signedChallenge, "signedChallenge", max: Self.maxSignature)
        let device = try await engine.devices.finishRegistration(
            challengeId: challengeId, signature: signature, user: user, sessionId: session.state.sessionId)
        return try JSONBody.response(
            RegisterVerifyAnswer(device: DeviceBody(device, userNumber: user.number), deviceId: device.id, success: true))
    }

    struct ChallengeBody: Decodable { var deviceFingerprint: String? }

    @Sendable func challenge(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let body = try await JSONBody.decode(ChallengeBody.self, from: request)
        let fingerprint = try Validate.required(body.deviceFingerprint, "deviceFingerprint", max: Self.maxFingerprint)
        let c = engine.devices.loginChallenge(tenantId: tenant.id, fingerprint: fingerprint)
        var w = JSONWriter()
        w.field("challenge", c.challenge)
        w.field("expiresAt", c.expiresAt.rfc3339)
        w.field("sessionId", c.sessionId)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    @Sendable func authenticate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let body = try await JSONBody.decode(SignedBody.self, from: request)
        let sessionId = try Validate.token(body.sessionId, "sessionId", max: 2048)
        let signature = try Validate.token(body.signedChallenge, "signedChallenge", max: Self.maxSignature)
        let (user, _, pair) = try await engine.devices.authenticate(
            sessionId: sessionId, signature: signature, rememberMe: body.rememberMe ?? false, tenantId: tenant.id,
            clientAddress: clientAddress.address(request, context: context))
        return JSONBody.raw(tokens.success(pair, user: user, tenantId: tenant.id), contentType: "application/json; charset=utf-8")
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let (pair, user) = try await tokens.refresh(
            request, tenant: tenant, client: clientAddress.refreshClient(request, context: context))
        return JSONBody.raw(tokens.success(pair, user: user, tenantId: tenant.id), contentType: "application/json; charset=utf-8")
    }

    struct KeysBody: Decodable {
        var keyAlgorithm: String?
        var keyName: String?
    }

    struct KeysAnswer: Encodable {
        var curve: String
        var keyAlgorithm: String
        var privateKey: String
        var publicKey: String
    }

    @Sendable func keys(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try await tenants.projectOrDefault(request)
        let body = try await JSONBody.decode(KeysBody.self, from: request)
        guard try Validate.required(body.keyAlgorithm, "keyAlgorithm", max: 16) == "ES256" else {
            throw GatehouseError.field("keyAlgorithm", "must be ES256")
        }
        _ = try Validate.optional(body.keyName, "keyName", max: 255)
        let (privateKey, publicKey) = engine.devices.generateKeyPair()
        return try JSONBody.response(KeysAnswer(curve: "P-256", keyAlgorithm: "ES256", privateKey: privateKey, publicKey: publicKey))
    }

    @Sendable func devices(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let user = try await callers.authenticate(request, tenant: tenant).user
        let list = try await engine.devices.list(user: user)
        return try JSONBody.response(list.map { DeviceBody($0, userNumber: user.number) })
    }

    struct FCMBody: Decodable {
        var deviceId: String?
        var fcmToken: String?
    }

    @Sendable func setFCMToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let user = try await callers.authenticate(request, tenant: tenant).user
        let body = try await JSONBody.decode(FCMBody.self, from: request)
        let deviceId = try Validate.uuid(body.deviceId, "deviceId")
        let token = try Validate.token(body.fcmToken, "fcmToken", max: 255)
        try await engine.devices.setFCMToken(user: user, deviceId: deviceId, token: token)
        return try JSONBody.response(MessageAnswer(message: "FCM token updated", success: true))
    }

    @Sendable func deactivate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let user = try await callers.authenticate(request, tenant: tenant).user
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        try await engine.devices.deactivate(user: user, deviceId: id)
        return try JSONBody.response(MessageAnswer(message: "Device deactivated", success: true))
    }
}
