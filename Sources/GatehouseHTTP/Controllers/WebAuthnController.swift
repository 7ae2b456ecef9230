import Foundation
import GatehouseCore
import Hummingbird

/// Passkeys of the Enterprise dialect (CONTRACT 2.3), under `/auth/webauthn`. Options and responses use
/// the W3C JSON encodings (base64url for every byte string). Tenant from `x-project-key`, else the default.
struct WebAuthnController {
    let passkeys: PasskeyService
    let tokens: EnterpriseTokens
    let clientAddress: ClientAddressResolver

    /// Generous bounds for what authenticators send (attestation objects with certificate chains).
    static let maxClientData = 16 * 1024
    static let maxAttestation = 32 * 1024

    var routes: [Route] {
        let src = TenantSource.projectKeyOrDefault
        let name = Schema.object(["name": .text(maxLength: 255)])
        return [
            .tenant(
                .post, "/auth/webauthn/check", from: src,
                .init(
                    "Whether the user with this email has an active passkey",
                    body: .object(["email": .text(maxLength: 320)], required: ["email"]),
                    .ok(.object(["hasPasskeys": .boolean], required: ["hasPasskeys"]))),
                use: check),
            .signedIn(
                .post, "/auth/webauthn/register/start", from: src,
                .init(
                    "PublicKeyCredentialCreationOptionsJSON for a new passkey (challenge bound to the caller's session; 5 minutes)",
                    body: name, .ok(.ref("PasskeyOptions")), .stepUpRequired),
                use: registerStart),
            .signedIn(
                .post, "/auth/webauthn/register/finish", from: src,
                .init(
                    "Verify the RegistrationResponseJSON (attestation none or packed) and store the passkey",
                    body: .object(["sessionId": .uuid, "response": .ref("PublicKeyCredential")], required: ["sessionId", "response"]),
                    .ok(.ref("PasskeyRegistered")), .error(409, "this credential is registered")),
                use: registerFinish),
            .tenant(
                .post, "/auth/webauthn/login/start", from: src,
                .init(
                    "PublicKeyCredentialRequestOptionsJSON; without an email, a discoverable-credential login (empty allowCredentials)",
                    body: .object(["email": .text(maxLength: 320)]), bodyRequired: false, .ok(.ref("PasskeyOptions"))),
                use: loginStart),
            .tenant(
                .post, "/auth/webauthn/login/finish", from: src,
                .init(
                    "Verify the AuthenticationResponseJSON and issue tokens (amr webauthn)",
                    body: .object(
                        ["sessionId": .string(), "response": .ref("PublicKeyCredential"), "rememberMe": .boolean],
                        required: ["sessionId", "response"]),
                    .ok(.ref("TokensSuccess")), .error(429, "too many failed passkey logins; Retry-After says when to try again")),
                use: loginFinish),
            .caller(
                .get, "/auth/webauthn/credentials", from: src,
                .init("The caller's passkeys", .ok(.object(["credentials": .array(.ref("Passkey"))], required: ["credentials"]))),
                use: credentials),
            .caller(
                .patch, "/auth/webauthn/credentials/{id}", from: src,
                .init("Rename a passkey", body: .object(["name": .text(maxLength: 255)], required: ["name"]), .ok(.ref("Message"))),
                use: rename),
            .caller(.delete, "/auth/webauthn/credentials/{id}", from: src, .init("Delete a passkey", .noContent), use: delete),
            .caller(
                .put, "/auth/webauthn/prompt", from: src,
                .init(
                    "Store the user's answer to the \"create a passkey?\" prompt (passkeyPrompt in /auth/profile)",
                    body: .object(["status": .text(values: PasskeyPromptStatus.allCases.map(\.rawValue))], required: ["status"]),
                    .ok(.ref("Message"))),
                use: prompt),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "PasskeyOptions",
            .object(
                ["publicKey": .described(.anyObject, "the W3C options JSON (base64url byte strings)"), "sessionId": .string()],
                required: ["publicKey", "sessionId"])
        ),
        (
            "PublicKeyCredential",
            .described(
                .object(
                    [
                        "id": .string(), "rawId": .string(), "type": .text(values: ["public-key"]),
                        "response": .object([
                            "clientDataJSON": .string(), "attestationObject": .string(), "authenticatorData": .string(),
                            "signature": .string(), "userHandle": .string(), "transports": .array(.string()),
                        ]),
                    ], required: ["type", "response"]),
                "a PublicKeyCredential in its W3C JSON form (WebAuthn Level 3 §5.1), byte strings base64url")
        ),
        (
            "Passkey",
            .object(
                [
                    "id": .uuid, "credentialId": .string(), "name": .string(), "createdAt": .dateTime, "lastUsedAt": .nullable(.dateTime),
                    "isActive": .boolean, "transportFlags": .array(.string()), "backupEligible": .boolean, "backedUp": .boolean,
                    "attestationType": .string(), "cloneWarning": .boolean,
                ],
                required: [
                    "id", "credentialId", "name", "createdAt", "lastUsedAt", "isActive", "transportFlags", "backupEligible", "backedUp",
                    "attestationType", "cloneWarning",
                ])
        ),
        (
            "RegisteredPasskey",
            .object(
                [
                    "attestationType": .string(), "backupEligible": .boolean, "backupState": .boolean, "cloneWarning": .boolean,
                    "createdAt": .dateTime, "credentialId": .described(.array(.integer), "the credential id's bytes"),
                    "id": .uuid, "isActive": .boolean, "lastUsedAt": .nullable(.dateTime), "name": .string(),
                    "signCount": .integer, "transportFlags": .array(.string()), "updatedAt": .dateTime,
                    "userId": .described(.integer, "the user's integer id"),
                ],
                required: [
                    "attestationType", "backupEligible", "backupState", "cloneWarning", "createdAt", "credentialId", "id", "isActive",
                    "lastUsedAt", "name", "signCount", "transportFlags", "updatedAt", "userId",
                ])
        ),
        (
            "PasskeyRegistered",
            .object(
                ["credential": .ref("RegisteredPasskey"), "credentialId": .string("base64url"), "success": .boolean],
                required: ["credential", "credentialId", "success"])
        ),
    ]

    /// A base64url field of the response, decoded, bounded.
    static func bytes(_ value: String?, _ field: String, max: Int) throws -> [UInt8] {
        let text = try Validate.token(value, field, max: max * 4 / 3 + 4)
        guard let bytes = Base64URL.decode(text) else { throw GatehouseError.field(field, "is not base64url") }
        return bytes
    }

    /// The credential id of a PublicKeyCredential JSON: `type` public-key, `rawId` (or `id`) base64url,
    /// and both the same when both are sent.
    static func credentialId(type: String?, id: String?, rawId: String?) throws -> [UInt8] {
        guard type == "public-key" else { throw GatehouseError.field("response.type", "must be public-key") }
        let bytes = try Self.bytes(rawId ?? id, "response.rawId", max: AuthenticatorData.maxCredentialIdLength)
        if let id, Base64URL.decode(id) != bytes { throw GatehouseError.field("response.id", "differs from rawId") }
        return bytes
    }

    struct EmailBody: Decodable { var email: String? }

    @Sendable func check(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let body = try await JSONBody.decode(EmailBody.self, from: request)
        let email = try Validate.token(body.email, "email", max: 320)
        return try JSONBody.response(["hasPasskeys": try await passkeys.hasPasskeys(tenant: tenant, email: email)])
    }

    /// `{publicKey, sessionId}`, written directly (JSONEncoder over a JSONValue tree showed in profiles).
    static func startAnswer(_ options: JSONValue, sessionId: String) -> Response {
        var w = JSONWriter()
        w.field("publicKey", json: Array(CanonicalJSON.encode(options).utf8))
        w.field("sessionId", sessionId)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    struct NameBody: Decodable { var name: String? }

    @Sendable func registerStart(_ request: Request, context: SignedInContext) async throws -> Response {
        let (tenant, user, session) = (context.tenant, context.user, context.session)
        let body = try await JSONBody.decode(NameBody.self, from: request)
        let name = try Validate.optional(body.name, "name", max: 255)?.trimmingCharacters(in: .whitespacesAndNewlines)
        let (c, options) = try await passkeys.beginRegistration(
            tenant: tenant, user: user, session: session, name: (name?.isEmpty ?? true) ? "Passkey" : name!)
        return Self.startAnswer(options, sessionId: c.id)
    }

    /// A `PublicKeyCredential` in its W3C JSON form; `Response` is the attestation or the assertion.
    struct CredentialJSON<Response: Decodable>: Decodable {
        var id: String?
        var rawId: String?
        var type: String?
        var response: Response?
    }

    struct AttestationResponseJSON: Decodable {
        var clientDataJSON: String?
        var attestationObject: String?
        var transports: [String]?
    }

    struct RegisterFinishBody: Decodable {
        var sessionId: String?
        var response: CredentialJSON<AttestationResponseJSON>?
    }

    struct CredentialBody: Encodable {
        var id: String
        var credentialId: String
        var name: String
        var createdAt: String
        /// Null until the passkey is first used (seed 004 shows the key).
        var lastUsedAt: Nullable<String>
        var isActive: Bool
        var transportFlags: [String]
        var backupEligible: Bool
        var backedUp: Bool
        var attestationType: String
        var cloneWarning: Bool

        init(_ p: Passkey) {
            id = p.id
            credentialId = p.credentialId
            name = p.name
            createdAt = p.createdAt.rfc3339
            lastUsedAt = Nullable(p.lastUsedAt?.rfc3339)
            isActive = p.isActive && !p.cloneWarning
            transportFlags = p.transports
            backupEligible = p.backupEligible
            backedUp = p.backedUp
            attestationType = p.attestationType
            cloneWarning = p.cloneWarning
        }
    }

    /// The stored credential as seed 004 shows it in the register/finish answer: exactly these members,
    /// `credentialId` as an array of byte values and `userId` the integer user id.
    struct RegisteredCredentialBody: Encodable {
        var attestationType: String
        var backupEligible: Bool
        var backupState: Bool
        var cloneWarning: Bool
        var createdAt: String
        var credentialId: [UInt8]
        var id: String
        var isActive: Bool
        var lastUsedAt: Nullable<String>
        var name: String
        var signCount: UInt32
        var transportFlags: [String]
        var updatedAt: String
        var userId: Int64

        init(_ p: Passkey, userNumber: Int64) {
            attestationType = p.attestationType
            backupEligible = p.backupEligible
            backupState = p.backedUp
            cloneWarning = p.cloneWarning
            createdAt = p.createdAt.rfc3339
            credentialId = Base64URL.decode(p.credentialId) ?? []
            id = p.id
            isActive = p.isActive && !p.cloneWarning
            lastUsedAt = Nullable(p.lastUsedAt?.rfc3339)
            name = p.name
            signCount = p.signCount
            transportFlags = p.transports
            // Just registered: nothing has changed it since.
            updatedAt = p.createdAt.rfc3339
            userId = userNumber
        }
    }

    struct RegisterFinishAnswer: Encodable {
        var credential: RegisteredCredentialBody
        /// base64url, as the browser's `PublicKeyCredential.id`.
        var credentialId: String
        var success: Bool
    }

    static let knownTransports: Set<String> = ["usb", "nfc", "ble", "smart-card", "hybrid", "internal"]

    @Sendable func registerFinish(_ request: Request, context: SignedInContext) async throws -> Response {
        let (tenant, user, session) = (context.tenant, context.user, context.session)
        let body = try await JSONBody.decode(RegisterFinishBody.self, from: request)
        let challengeId = try Validate.uuid(body.sessionId, "sessionId")
        guard let r = body.response else { throw GatehouseError.field("response", "is required") }
        let rawId = try Self.credentialId(type: r.type, id: r.id, rawId: r.rawId)
        guard let inner = r.response else { throw GatehouseError.field("response.response", "is required") }
        let transports = (inner.transports ?? []).filter(Self.knownTransports.contains).prefix(6)
        let passkey = try await passkeys.finishRegistration(
            tenant: tenant, user: user, sessionId: session.state.sessionId, challengeId: challengeId,
            response: .init(
                rawId: rawId,
                clientDataJSON: try Self.bytes(inner.clientDataJSON, "response.response.clientDataJSON", max: Self.maxClientData),
                attestationObject: try Self.bytes(
                    inner.attestationObject, "response.response.attestationObject", max: Self.maxAttestation),
                transports: Array(transports)))
        return try JSONBody.response(
            RegisterFinishAnswer(
                credential: RegisteredCredentialBody(passkey, userNumber: user.number), credentialId: passkey.credentialId,
                success: true))
    }

    @Sendable func loginStart(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        // The body is optional: without an email, a discoverable-credential login.
        let email = try Validate.optional(try await JSONBody.decodeIfPresent(EmailBody.self, from: request)?.email, "email", max: 320)
        let (sessionId, options) = try await passkeys.beginLogin(tenant: tenant, email: email?.isEmpty == true ? nil : email)
        return Self.startAnswer(options, sessionId: sessionId)
    }

    struct AssertionResponseJSON: Decodable {
        var clientDataJSON: String?
        var authenticatorData: String?
        var signature: String?
        var userHandle: String?
    }

    struct LoginFinishBody: Decodable {
        var sessionId: String?
        var response: CredentialJSON<AssertionResponseJSON>?
        var rememberMe: Bool?
    }

    @Sendable func loginFinish(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let body = try await JSONBody.decode(LoginFinishBody.self, from: request)
        let sessionId = try Validate.token(body.sessionId, "sessionId", max: 2048)
        let (user, pair) = try await passkeys.finishLogin(
            tenant: tenant, sessionId: sessionId, response: try Self.assertion(body.response),
            rememberMe: body.rememberMe ?? false, clientAddress: clientAddress.address(request, context: context))
        return try tokens.success(pair, user: user, tenantId: tenant.id)
    }

    /// AuthenticationResponseJSON (W3C WebAuthn §5.1), decoded and bounded: the Enterprise login's and the
    /// hosted page's.
    static func assertion(_ r: CredentialJSON<AssertionResponseJSON>?) throws -> PasskeyService.AssertionResponse {
        guard let r else { throw GatehouseError.field("response", "is required") }
        let rawId = try Self.credentialId(type: r.type, id: r.id, rawId: r.rawId)
        guard let inner = r.response else { throw GatehouseError.field("response.response", "is required") }
        return .init(
            rawId: rawId,
            clientDataJSON: try Self.bytes(inner.clientDataJSON, "response.response.clientDataJSON", max: Self.maxClientData),
            authenticatorData: try Self.bytes(inner.authenticatorData, "response.response.authenticatorData", max: 4096),
            signature: try Self.bytes(inner.signature, "response.response.signature", max: 1024),
            userHandle: try inner.userHandle.map { try Self.bytes($0, "response.response.userHandle", max: 64) })
    }

    @Sendable func credentials(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let list = try await passkeys.list(user: user)
        return try JSONBody.response(["credentials": list.map(CredentialBody.init)])
    }

    @Sendable func rename(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let name = try Validate.required(try await JSONBody.decode(NameBody.self, from: request).name, "name", max: 255)
        try await passkeys.rename(user: user, id: id, name: name)
        return try JSONBody.response(MessageAnswer(message: "Passkey renamed", success: true))
    }

    @Sendable func delete(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        try await passkeys.delete(user: user, id: id)
        return Response(status: .noContent)
    }

    struct PromptBody: Decodable { var status: String? }

    @Sendable func prompt(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let body = try await JSONBody.decode(PromptBody.self, from: request)
        guard let status = PasskeyPromptStatus(rawValue: try Validate.required(body.status, "status", max: 16)) else {
            throw GatehouseError.field("status", "must be one of pending, accepted, declined, dismissed")
        }
        try await passkeys.setPrompt(user: user, status: status)
        return try JSONBody.response(MessageAnswer(message: "Passkey prompt updated", success: true))
    }
}
