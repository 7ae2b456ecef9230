import Foundation
import GatehouseCore
import Hummingbird

/// Device-key ("biometric") registration, login and device management of the Enterprise dialect (seed 004),
/// under `/auth/biometric`. Tenant from `x-project-key`, else the default tenant.
struct BiometricController {
    let devices: DeviceService
    let tokens: EnterpriseTokens
    let clientAddress: ClientAddressResolver

    static let maxFingerprint = 255
    static let maxSignature = 2048

    var routes: [Route] {
        let src = TenantSource.projectKeyOrDefault
        let signed = Schema.ref("SignedChallenge")
        return [
            .signedIn(
                .post, "/auth/biometric/register/challenge", from: src,
                .init(
                    "Start registering a device key (challenge bound to the caller's session; 5 minutes, single use)",
                    body: .ref("DeviceRegistration"), .ok(.ref("DeviceChallenge")), .stepUpRequired,
                    .error(409, "this device fingerprint is registered")),
                use: registerChallenge),
            .signedIn(
                .post, "/auth/biometric/register/verify", from: src,
                .init("Finish registration with the challenge signed by the new key", body: signed, .ok(.ref("DeviceRegistered"))),
                use: registerVerify),
            .tenant(
                .post, "/auth/biometric/challenge", from: src,
                .init(
                    "A login challenge for a device fingerprint (the same answer for unknown devices)",
                    body: .object(["deviceFingerprint": .text(maxLength: Self.maxFingerprint)], required: ["deviceFingerprint"]),
                    .ok(.ref("LoginChallenge"))),
                use: challenge),
            .tenant(
                .post, "/auth/biometric/authenticate", from: src,
                .init(
                    "Device login with the signed challenge (amr hwk)", body: signed, .ok(.ref("TokensSuccess")),
                    .error(429, "too many failed device logins; Retry-After says when to try again")),
                use: authenticate),
            .tenant(
                .post, "/auth/biometric/refresh", from: src,
                .init(
                    "Rotate a refresh token", body: .object(["refreshToken": .string()], required: ["refreshToken"]),
                    .ok(.ref("TokensSuccess"))),
                use: refresh),
            .tenant(
                .post, "/auth/biometric/keys", from: src,
                .init(
                    "A fresh P-256 key pair (PKCS#8 and SPKI DER, base64), returned once and never stored",
                    body: .object(["keyAlgorithm": .text(values: ["ES256"]), "keyName": .text(maxLength: 255)], required: ["keyAlgorithm"]),
                    .ok(.ref("KeyPair"))),
                use: keys),
            .caller(.get, "/auth/biometric/devices", from: src, .init("The caller's devices", .ok(.array(.ref("Device")))), use: devices),
            .caller(
                .put, "/auth/biometric/devices/fcm-token", from: src,
                .init(
                    "Set a device's Firebase Cloud Messaging token",
                    body: .object(["deviceId": .uuid, "fcmToken": .text(maxLength: 255)], required: ["deviceId", "fcmToken"]),
                    .ok(.ref("Message")), .error(404, "no such device of the caller")),
                use: setFCMToken),
            .caller(
                .delete, "/auth/biometric/devices/{id}", from: src, .init("Deactivate one of the caller's devices", .ok(.ref("Message"))),
                use: deactivate),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "DeviceRegistration",
            .object(
                [
                    "deviceFingerprint": .text(maxLength: maxFingerprint), "deviceName": .text(maxLength: 255),
                    "deviceType": .text(values: ["mobile", "desktop", "tablet"]), "keyAlgorithm": .text(values: ["ES256", "RS256", "PS256"]),
                    "publicKey": .string("base64 SPKI DER, base64 raw uncompressed P-256 point, or PEM"),
                ], required: ["deviceFingerprint", "deviceName", "deviceType", "keyAlgorithm", "publicKey"])
        ),
        (
            "SignedChallenge",
            .object(
                [
                    "sessionId": .string("opaque: a UUID for registrations, a sealed token for logins"),
                    "signedChallenge": .string("base64 signature over the UTF-8 bytes of the challenge (ES256 DER or raw r||s, RS256, PS256)"),
                    "rememberMe": .described(.boolean, "the refresh token lives 30 days"),
                ], required: ["sessionId", "signedChallenge"])
        ),
        (
            "DeviceChallenge",
            .object(
                ["challenge": .string(), "deviceId": .uuid, "expiresAt": .dateTime, "sessionId": .uuid],
                required: ["challenge", "deviceId", "expiresAt", "sessionId"])
        ),
        (
            "LoginChallenge",
            .object(["challenge": .string(), "expiresAt": .dateTime, "sessionId": .string()], required: ["challenge", "expiresAt", "sessionId"])
        ),
        (
            "Device",
            .object(
                [
                    "id": .uuid, "userId": .described(.integer, "the user's integer id"), "deviceFingerprint": .string(),
                    "deviceName": .string(), "deviceType": .text(values: ["mobile", "desktop", "tablet"]),
                    "keyAlgorithm": .text(values: ["ES256", "RS256", "PS256"]), "publicKey": .string(), "fcmToken": .nullable(.string()),
                    "isActive": .boolean, "createdAt": .dateTime, "updatedAt": .dateTime, "lastUsedAt": .nullable(.dateTime),
                ],
                required: [
                    "id", "userId", "deviceFingerprint", "deviceName", "deviceType", "keyAlgorithm", "publicKey", "fcmToken", "isActive",
                    "createdAt", "updatedAt", "lastUsedAt",
                ])
        ),
        (
            "DeviceRegistered",
            .object(["device": .ref("Device"), "deviceId": .uuid, "success": .boolean], required: ["device", "deviceId", "success"])
        ),
        (
            "KeyPair",
            .object(
                ["curve": .string(), "keyAlgorithm": .string(), "privateKey": .string(), "publicKey": .string()],
                required: ["curve", "keyAlgorithm", "privateKey", "publicKey"])
        ),
    ]

    /// The device object of seed 004; `userId` is the user's number.
    struct DeviceBody: Encodable {
        var id: String
        var userId: Int64
        var deviceFingerprint: String
        var deviceName: String
        var deviceType: String
        var keyAlgorithm: String
        var publicKey: String
        /// Seed 004 shows both; null until set or used.
        var fcmToken: Nullable<String>
        var isActive: Bool
        var createdAt: String
        var updatedAt: String
        var lastUsedAt: Nullable<String>

        init(_ d: Device, userNumber: Int64) {
            id = d.id
            userId = userNumber
            deviceFingerprint = d.fingerprint
            deviceName = d.name
            deviceType = d.type.rawValue
            keyAlgorithm = d.algorithm.rawValue
            publicKey = d.publicKey
            fcmToken = Nullable(d.fcmToken)
            isActive = d.isActive
            createdAt = d.createdAt.rfc3339
            updatedAt = d.updatedAt.rfc3339
            lastUsedAt = Nullable(d.lastUsedAt?.rfc3339)
        }
    }

    struct RegisterChallengeBody: Decodable {
        var deviceFingerprint: String?
        var deviceName: String?
        var deviceType: String?
        var keyAlgorithm: String?
        var publicKey: String?
    }

    @Sendable func registerChallenge(_ request: Request, context: SignedInContext) async throws -> Response {
        let (user, session) = (context.user, context.session)
        let body = try await JSONBody.decode(RegisterChallengeBody.self, from: request)
        let fingerprint = try Validate.required(body.deviceFingerprint, "deviceFingerprint", max: Self.maxFingerprint)
        let name = try Validate.required(body.deviceName, "deviceName", max: 255)
        guard let type = DeviceType(rawValue: try Validate.required(body.deviceType, "deviceType", max: 16)) else {
            throw GatehouseError.field("deviceType", "must be one of mobile, desktop, tablet")
        }
        guard let algorithm = DeviceKeyAlgorithm(rawValue: try Validate.required(body.keyAlgorithm, "keyAlgorithm", max: 16))
        else { throw GatehouseError.field("keyAlgorithm", "must be one of ES256, RS256, PS256") }
        let publicKey = try Validate.required(body.publicKey, "publicKey", max: DevicePublicKey.maxEncodedLength, multiline: true)
        let c = try await devices.beginRegistration(
            .init(fingerprint: fingerprint, name: name, type: type, algorithm: algorithm, publicKey: publicKey),
            user: user, session: session)
        return try JSONBody.response(
            RegistrationChallenge(challenge: c.challenge, deviceId: c.device.id, expiresAt: c.expiresAt.rfc3339, sessionId: c.id))
    }

    struct RegistrationChallenge: Encodable {
        var challenge: String
        var deviceId: String
        var expiresAt: String
        var sessionId: String
    }

    struct LoginChallenge: Encodable {
        var challenge: String
        var expiresAt: String
        var sessionId: String
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

    @Sendable func registerVerify(_ request: Request, context: SignedInContext) async throws -> Response {
        let (user, session) = (context.user, context.session)
        let body = try await JSONBody.decode(SignedBody.self, from: request)
        let challengeId = try Validate.uuid(body.sessionId, "sessionId")
        let signature = try Validate.token(body.signedChallenge, "signedChallenge", max: Self.maxSignature)
        let device = try await devices.finishRegistration(
            challengeId: challengeId, signature: signature, user: user, sessionId: session.state.sessionId)
        return try JSONBody.response(
            RegisterVerifyAnswer(device: DeviceBody(device, userNumber: user.number), deviceId: device.id, success: true))
    }

    struct ChallengeBody: Decodable { var deviceFingerprint: String? }

    @Sendable func challenge(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let body = try await JSONBody.decode(ChallengeBody.self, from: request)
        let fingerprint = try Validate.required(body.deviceFingerprint, "deviceFingerprint", max: Self.maxFingerprint)
        let c = devices.loginChallenge(tenantId: tenant.id, fingerprint: fingerprint)
        return try JSONBody.response(LoginChallenge(challenge: c.challenge, expiresAt: c.expiresAt.rfc3339, sessionId: c.sessionId))
    }

    @Sendable func authenticate(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let body = try await JSONBody.decode(SignedBody.self, from: request)
        let sessionId = try Validate.token(body.sessionId, "sessionId", max: 2048)
        let signature = try Validate.token(body.signedChallenge, "signedChallenge", max: Self.maxSignature)
        let (user, _, pair) = try await devices.authenticate(
            sessionId: sessionId, signature: signature, rememberMe: body.rememberMe ?? false, tenantId: tenant.id,
            clientAddress: clientAddress.address(request, context: context))
        return try tokens.success(pair, user: user, tenantId: tenant.id)
    }

    @Sendable func refresh(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let (pair, user) = try await tokens.refresh(
            request, tenant: tenant, client: clientAddress.refreshClient(request, context: context))
        return try tokens.success(pair, user: user, tenantId: tenant.id)
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

    @Sendable func keys(_ request: Request, context: TenantContext) async throws -> Response {
        let body = try await JSONBody.decode(KeysBody.self, from: request)
        guard try Validate.required(body.keyAlgorithm, "keyAlgorithm", max: 16) == "ES256" else {
            throw GatehouseError.field("keyAlgorithm", "must be ES256")
        }
        _ = try Validate.optional(body.keyName, "keyName", max: 255)
        let (privateKey, publicKey) = devices.generateKeyPair()
        return try JSONBody.response(KeysAnswer(curve: "P-256", keyAlgorithm: "ES256", privateKey: privateKey, publicKey: publicKey))
    }

    @Sendable func devices(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let list = try await self.devices.list(user: user)
        return try JSONBody.response(list.map { DeviceBody($0, userNumber: user.number) })
    }

    struct FCMBody: Decodable {
        var deviceId: String?
        var fcmToken: String?
    }

    @Sendable func setFCMToken(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let body = try await JSONBody.decode(FCMBody.self, from: request)
        let deviceId = try Validate.uuid(body.deviceId, "deviceId")
        let token = try Validate.token(body.fcmToken, "fcmToken", max: 255)
        try await devices.setFCMToken(user: user, deviceId: deviceId, token: token)
        return try JSONBody.response(MessageAnswer(message: "FCM token updated", success: true))
    }

    @Sendable func deactivate(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        try await devices.deactivate(user: user, deviceId: id)
        return try JSONBody.response(MessageAnswer(message: "Device deactivated", success: true))
    }
}
