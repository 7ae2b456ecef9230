import Foundation
import GatehouseCore
import Hummingbird

/// `/v2/tenants…` (seed 002). What a tenant read shows depends on who asks: nobody, a project key, or the
/// tenant admin; integration secrets are write-only except to the admin.
struct TenantController {
    let tenants: TenantService
    let passkeys: PasskeyService
    let resolver: TenantResolver
    let admins: AuthorizeAdmin

    var routes: [Route] {
        [
            .system(
                .post, "/v2/tenants",
                .init("Create a tenant (system API key)", body: .ref("TenantInput"), .created(.ref("Tenant"), "the tenant with its admin token and API private key, shown once")),
                use: create),
            .admin(
                .put, "/v2/tenants",
                .init("Update the tenant's settings (tenant admin)", body: .ref("TenantSettings"), .ok(.ref("Tenant"))), use: update),
            .tenant(.get, "/v2/tenants/client-config", from: .projectKey, .init("Client configuration", .ok(.ref("ClientConfig"))), use: clientConfig),
            .tenant(
                .get, "/v2/tenants/login-token", from: .projectKey,
                .init("The tenant's login token", .ok(.string(), "a JSON string, empty when none is set")), use: loginToken),
            .tenant(.get, "/v2/tenants/me", from: .projectKey, .init("The tenant of the project key", .ok(.ref("Tenant"))), use: me),
            .ownCheck(
                .get, "/v2/tenants/{id}", security: [[], ["projectKey"], ["bearer"]], permission: .open,
                .init(
                    "A tenant by id; what it shows depends on the caller (nobody, its project key, its admin's token)",
                    .ok(.ref("Tenant"))),
                use: byId),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "Tenant",
            .object(
                [
                    "projectName": .string(), "acronym": .string(), "id": .uuid, "createdAt": .dateTime,
                    "projectDescription": .string(), "projectWebsite": .string(), "projectEmail": .string(),
                    "projectImageUrl": .string(), "projectApiKey": .string(), "testnetProjectApiKey": .string(),
                    "stripeApiKey": .string(), "stripeWebhookSecret": .string(), "stripePublishableKey": .string(),
                    "loginToken": .string(), "allowJWTForUnauthenticatedUsers": .boolean, "firebaseTenantId": .string(),
                    "infuraApiKey": .string(), "polyScanApiKey": .string(),
                    "defaultWalletManagementType": .text(values: ["custodial", "non-custodial"]),
                    "requireMfa": .described(.boolean, "every password login must pass TOTP"),
                    "webauthnRpId": .string("passkey relying party id (default: host of the public URL)"),
                    "webauthnRpName": .string("default: projectName"),
                    "webauthnOrigins": .described(.array(.string()), "allowed origins (default: the public URL's origin)"),
                    "webauthnUserVerification": .text(values: ["required", "preferred"]),
                    "webauthnAttestation": .text(values: ["none", "direct"]),
                    "corsOrigins": .described(
                        .array(.string()), "browser origins whose pages may call the API for this tenant (CORS)"),
                    "jwt": .string("at creation only: the first tenant admin's token"),
                    "apiPrivateKey": .string("at creation only: the tenant's API private key"),
                ], required: ["projectName", "acronym", "id", "createdAt"])
        ),
        (
            "TenantInput",
            .object(
                [
                    "projectName": .text(maxLength: 255), "projectDescription": .text(maxLength: 2000),
                    "projectWebsite": .text(maxLength: 2048), "projectEmail": .text(maxLength: 320),
                    "projectImageUrl": .text(maxLength: 2048), "allowJWTForUnauthenticatedUsers": .boolean,
                    "defaultWalletManagementType": .text(values: ["custodial", "non-custodial"]),
                ], required: ["projectName"])
        ),
        (
            "TenantSettings",
            .object([
                "projectName": .text(maxLength: 255), "projectDescription": .text(maxLength: 2000),
                "stripeApiKey": .text(maxLength: 512), "stripeWebhookSecret": .text(maxLength: 512),
                "stripePublishableKey": .text(maxLength: 512), "loginToken": .text(maxLength: 2048),
                "allowJWTForUnauthenticatedUsers": .boolean, "firebaseTenantId": .text(maxLength: 255),
                "infuraApiKey": .text(maxLength: 512), "polyScanApiKey": .text(maxLength: 512),
                "projectWebsite": .text(maxLength: 2048), "projectEmail": .text(maxLength: 320),
                "projectImageUrl": .text(maxLength: 2048),
                "defaultWalletManagementType": .text(values: ["custodial", "non-custodial"]), "requireMfa": .boolean,
                "webauthnRpId": .string(), "webauthnRpName": .string(), "webauthnOrigins": .array(.string()),
                "webauthnUserVerification": .text(values: ["required", "preferred"]),
                "webauthnAttestation": .text(values: ["none", "direct"]),
                "corsOrigins": .described(
                    .array(.text(maxLength: 2048)),
                    "replaces the list (at most 20): https://host[:port] (http on localhost), no path, no wildcard"),
            ])
        ),
        (
            "ClientConfig",
            .object(
                [
                    "projectName": .string(), "id": .uuid, "stripePublishableKey": .string(), "firebaseTenantId": .string(),
                    "infuraApiKey": .nullable(.string()), "polyScanApiKey": .nullable(.string()),
                    "clientIpLocation": .described(.nullable(.anyObject), "null: no geo database is configured"),
                ], required: ["projectName", "id", "infuraApiKey", "polyScanApiKey", "clientIpLocation"])
        ),
    ]

    enum Level { case publicInfo, projectKey, admin, created }

    /// One shape for every level; fields beyond the level are left out.
    struct TenantBody: Encodable {
        var projectName: String
        var acronym: String
        var id: String
        var createdAt: String
        var projectDescription: String?
        var projectWebsite: String?
        var projectEmail: String?
        var projectImageUrl: String?
        var projectApiKey: String?
        var testnetProjectApiKey: String?
        var stripeApiKey: String?
        var stripeWebhookSecret: String?
        var stripePublishableKey: String?
        var loginToken: String?
        var allowJWTForUnauthenticatedUsers: Bool?
        var firebaseTenantId: String?
        var infuraApiKey: String?
        var polyScanApiKey: String?
        var defaultWalletManagementType: String?
        var requireMfa: Bool?
        var webauthnRpId: String?
        var webauthnRpName: String?
        var webauthnOrigins: [String]?
        var webauthnUserVerification: String?
        var webauthnAttestation: String?
        var corsOrigins: [String]?
        var jwt: String?
        var apiPrivateKey: String?
    }

    func body(_ t: Tenant, level: Level) -> TenantBody {
        var b = TenantBody(
            projectName: t.projectName, acronym: t.acronym, id: t.id, createdAt: t.createdAt.rfc3339,
            projectDescription: t.projectDescription, projectWebsite: t.projectWebsite, projectEmail: t.projectEmail,
            projectImageUrl: t.projectImageUrl)
        // The project key identifies the project in every client app (seed 002 requires it): it is public.
        b.projectApiKey = t.projectApiKey
        guard level != .publicInfo else { return b }
        b.allowJWTForUnauthenticatedUsers = t.allowJWTForUnauthenticatedUsers
        b.firebaseTenantId = t.firebaseTenantId
        b.stripePublishableKey = t.stripePublishableKey
        b.infuraApiKey = t.infuraApiKey
        b.polyScanApiKey = t.polyScanApiKey
        b.defaultWalletManagementType = t.defaultWalletManagementType
        b.requireMfa = t.requireMfa
        // The effective relying party, defaults included: what a passkey client must match.
        let rp = passkeys.relyingParty(t)
        b.webauthnRpId = rp.id
        b.webauthnRpName = rp.name
        b.webauthnOrigins = rp.origins
        b.webauthnUserVerification = rp.userVerificationRequired ? "required" : "preferred"
        b.webauthnAttestation = rp.attestation.rawValue
        b.corsOrigins = t.corsOrigins
        guard level == .admin || level == .created else { return b }
        b.testnetProjectApiKey = t.testnetProjectApiKey
        b.loginToken = t.loginToken
        let secrets = tenants.secrets(of: t)
        b.stripeApiKey = secrets.stripeApiKey
        b.stripeWebhookSecret = secrets.stripeWebhookSecret
        return b
    }

    struct CreateBody: Decodable {
        var projectName: String?
        var projectDescription: String?
        var projectWebsite: String?
        var projectEmail: String?
        var projectImageUrl: String?
        var allowJWTForUnauthenticatedUsers: Bool?
        var defaultWalletManagementType: String?
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let b = try await JSONBody.decode(CreateBody.self, from: request)
        var input = CreateTenantInput(projectName: try Validate.required(b.projectName, "projectName"))
        input.projectDescription = try Validate.optional(b.projectDescription, "projectDescription", max: 2000)
        input.projectWebsite = try Validate.optional(b.projectWebsite, "projectWebsite", max: 2048)
        input.projectEmail = try Validate.optional(b.projectEmail, "projectEmail", max: 320)
        input.projectImageUrl = try Validate.optional(b.projectImageUrl, "projectImageUrl", max: 2048)
        input.allowJWTForUnauthenticatedUsers = b.allowJWTForUnauthenticatedUsers ?? false
        if let w = b.defaultWalletManagementType {
            guard TenantService.walletManagementTypes.contains(w) else {
                throw GatehouseError.field("defaultWalletManagementType", "must be custodial or non-custodial")
            }
            input.defaultWalletManagementType = w
        }
        let created = try await tenants.create(input)
        var out = body(created.tenant, level: .created)
        out.jwt = created.adminJWT
        out.apiPrivateKey = created.apiPrivateKey
        return try JSONBody.response(out, status: .created)
    }

    struct UpdateBody: Decodable {
        var projectName: String?
        var projectDescription: String?
        var stripeApiKey: String?
        var stripeWebhookSecret: String?
        var stripePublishableKey: String?
        var loginToken: String?
        var allowJWTForUnauthenticatedUsers: Bool?
        var firebaseTenantId: String?
        var infuraApiKey: String?
        var polyScanApiKey: String?
        var projectWebsite: String?
        var projectEmail: String?
        var projectImageUrl: String?
        var defaultWalletManagementType: String?
        var requireMfa: Bool?
        var webauthnRpId: String?
        var webauthnRpName: String?
        var webauthnOrigins: [String]?
        var webauthnUserVerification: String?
        var webauthnAttestation: String?
        var corsOrigins: [String]?
    }

    /// The passkey settings of an update, over the tenant's current ones; nil when none is given.
    func webauthn(_ b: UpdateBody, current: WebAuthnSettings?) throws -> WebAuthnSettings? {
        guard b.webauthnRpId != nil || b.webauthnRpName != nil || b.webauthnOrigins != nil
            || b.webauthnUserVerification != nil || b.webauthnAttestation != nil
        else { return nil }
        var s = current ?? WebAuthnSettings()
        if let v = b.webauthnRpId { s.rpId = v }
        if let v = b.webauthnRpName { s.rpName = v }
        if let v = b.webauthnOrigins { s.origins = v }
        if let v = b.webauthnUserVerification {
            guard let uv = WebAuthnSettings.UserVerification(rawValue: v) else {
                throw GatehouseError.field("webauthnUserVerification", "must be required or preferred")
            }
            s.userVerification = uv
        }
        if let v = b.webauthnAttestation {
            guard let a = WebAuthnSettings.AttestationPreference(rawValue: v) else {
                throw GatehouseError.field("webauthnAttestation", "must be none or direct")
            }
            s.attestation = a
        }
        return s
    }

    @Sendable func update(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let b = try await JSONBody.decode(UpdateBody.self, from: request)
        var u = TenantUpdate()
        if let name = b.projectName { u.projectName = try Validate.required(name, "projectName") }
        u.projectDescription = try Validate.optional(b.projectDescription, "projectDescription", max: 2000)
        u.stripeApiKey = try Validate.optional(b.stripeApiKey, "stripeApiKey", max: 512)
        u.stripeWebhookSecret = try Validate.optional(b.stripeWebhookSecret, "stripeWebhookSecret", max: 512)
        u.stripePublishableKey = try Validate.optional(b.stripePublishableKey, "stripePublishableKey", max: 512)
        u.loginToken = try Validate.optional(b.loginToken, "loginToken", max: 2048)
        u.allowJWTForUnauthenticatedUsers = b.allowJWTForUnauthenticatedUsers
        u.requireMfa = b.requireMfa
        u.webauthn = try webauthn(b, current: tenant.webauthn)
        u.corsOrigins = b.corsOrigins
        u.firebaseTenantId = try Validate.optional(b.firebaseTenantId, "firebaseTenantId", max: 255)
        u.infuraApiKey = try Validate.optional(b.infuraApiKey, "infuraApiKey", max: 512)
        u.polyScanApiKey = try Validate.optional(b.polyScanApiKey, "polyScanApiKey", max: 512)
        u.projectWebsite = try Validate.optional(b.projectWebsite, "projectWebsite", max: 2048)
        u.projectEmail = try Validate.optional(b.projectEmail, "projectEmail", max: 320)
        u.projectImageUrl = try Validate.optional(b.projectImageUrl, "projectImageUrl", max: 2048)
        if let w = b.defaultWalletManagementType {
            guard TenantService.walletManagementTypes.contains(w) else {
                throw GatehouseError.field("defaultWalletManagementType", "must be custodial or non-custodial")
            }
            u.defaultWalletManagementType = w
        }
        let updated = try await tenants.update(tenant, with: u)
        resolver.invalidate(updated)
        // The write-only secrets go back to the tenant admin alone, not to every holder of tenant:write.
        return try JSONBody.response(body(updated, level: context.grant.isAdmin ? .admin : .projectKey))
    }

    struct ClientConfig: Encodable {
        var projectName: String
        var id: String
        var stripePublishableKey: String?
        var firebaseTenantId: String?
        var infuraApiKey: String?
        var polyScanApiKey: String?
        enum Keys: String, CodingKey {
            case projectName, id, stripePublishableKey, firebaseTenantId, infuraApiKey, polyScanApiKey, clientIpLocation
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(projectName, forKey: .projectName)
            try c.encode(id, forKey: .id)
            try c.encodeIfPresent(stripePublishableKey, forKey: .stripePublishableKey)
            try c.encodeIfPresent(firebaseTenantId, forKey: .firebaseTenantId)
            // Seed 002 shows the web3 keys in every client configuration: null until set (issue 12, item 6).
            try c.encode(infuraApiKey, forKey: .infuraApiKey)
            try c.encode(polyScanApiKey, forKey: .polyScanApiKey)
            // No geo database is configured: the seed allows null.
            try c.encodeNil(forKey: .clientIpLocation)
        }
    }

    @Sendable func clientConfig(_ request: Request, context: TenantContext) async throws -> Response {
        let t = context.tenant
        return try JSONBody.response(
            ClientConfig(
                projectName: t.projectName, id: t.id, stripePublishableKey: t.stripePublishableKey,
                firebaseTenantId: t.firebaseTenantId, infuraApiKey: t.infuraApiKey, polyScanApiKey: t.polyScanApiKey))
    }

    @Sendable func loginToken(_ request: Request, context: TenantContext) async throws -> Response {
        let t = context.tenant
        return try JSONBody.response(t.loginToken ?? "")
    }

    @Sendable func me(_ request: Request, context: TenantContext) async throws -> Response {
        let t = context.tenant
        return try JSONBody.response(body(t, level: .projectKey))
    }

    @Sendable func byId(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let tenant = try await tenants.require(id: id)
        // The tenant read is the one whose CORS origins apply (the route resolves no tenant before it).
        context.tenantSeen?.tenant = tenant
        // The highest level the caller proves for this tenant; a bad credential is an error, not a downgrade.
        if request.bearerToken != nil {
            let (adminTenant, _, grant) = try await admins.authorize(request, needs: .tenantRead)
            guard adminTenant.id == tenant.id else { throw GatehouseError(.forbidden, "token belongs to another tenant") }
            return try JSONBody.response(body(tenant, level: grant.isAdmin ? .admin : .projectKey))
        }
        if let key = request.headers[TenantResolver.projectKeyHeader] {
            guard let keyTenant = try await resolver.tenant(projectKey: key) else {
                throw GatehouseError(.invalidProjectKey, "unknown project key")
            }
            return try JSONBody.response(body(tenant, level: keyTenant.id == tenant.id ? .projectKey : .publicInfo))
        }
        return try JSONBody.response(body(tenant, level: .publicInfo))
    }
}
