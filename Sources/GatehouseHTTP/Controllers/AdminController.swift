import Foundation
import GatehouseCore
import Hummingbird

/// Tenant administration under `/v2`: businesses and memberships, tenant admins, identity providers,
/// users (read) and the audit log. Every route needs the tenant admin token.
struct AdminController {
    let admin: AdminService

    var routes: [Route] {
        let page = QueryParameter.page
        return [
            .admin(.get, "/v2/businesses", .init("List businesses", query: page, .ok(SharedSchemas.page("Business"))), use: listBusinesses),
            .admin(
                .post, "/v2/businesses",
                .init("Create a business", body: .object(["name": .text(maxLength: 255)], required: ["name"]), .created(.ref("Business"))),
                use: createBusiness),
            .admin(.get, "/v2/businesses/{id}", .init("Get a business", .ok(.ref("Business"))), use: getBusiness),
            .admin(.delete, "/v2/businesses/{id}", .init("Delete a business", .noContent), use: deleteBusiness),
            .admin(
                .get, "/v2/businesses/{id}/memberships", .init("List a business's members", .ok(SharedSchemas.page("Membership"))),
                use: listMemberships),
            .admin(
                .post, "/v2/businesses/{id}/memberships",
                .init(
                    "Add a member", body: .object(["userId": .uuid, "role": .text(maxLength: 64, description: "default member")], required: ["userId"]),
                    .created(.ref("Membership")), .error(409, "already a member")),
                use: addMembership),
            .admin(.delete, "/v2/businesses/{id}/memberships/{userId}", .init("Remove a member", .noContent), use: deleteMembership),
            .admin(.get, "/v2/admins", .init("List tenant admins", .ok(SharedSchemas.page("TenantAdmin"))), use: listAdmins),
            .admin(
                .post, "/v2/admins",
                .init(
                    "Make a user a tenant admin", body: .object(["userId": .uuid], required: ["userId"]), .created(.ref("TenantAdmin")),
                    .error(404, "no such user"), .error(409, "already an admin")),
                use: addAdmin),
            .admin(.delete, "/v2/admins/{userId}", .init("Remove a tenant admin (not oneself)", .noContent, .error(409, "an admin cannot remove themselves")), use: deleteAdmin),
            .admin(
                .get, "/v2/identity-providers", .init("List identity providers", .ok(SharedSchemas.page("IdentityProvider"))),
                use: listProviders),
            .admin(
                .post, "/v2/identity-providers",
                .init(
                    "Register an identity provider", body: .ref("IdentityProviderInput"), .created(.ref("IdentityProvider")),
                    .error(409, "a provider with this issuer exists")),
                use: createProvider),
            .admin(.get, "/v2/identity-providers/{id}", .init("Get an identity provider", .ok(.ref("IdentityProvider"))), use: getProvider),
            .admin(
                .patch, "/v2/identity-providers/{id}",
                .init(
                    "Set the audiences a provider's tokens must name (one of); a provider without one refuses every token",
                    body: .object(["audience": .ref("Audience")], required: ["audience"]),
                    .ok(.ref("IdentityProvider"), "the provider; audience is always a list")),
                use: updateProvider),
            .admin(.delete, "/v2/identity-providers/{id}", .init("Delete an identity provider", .noContent), use: deleteProvider),
            .admin(
                .get, "/v2/events",
                .init(
                    "The tenant's hash-chained audit log, oldest first",
                    query: page + [
                        QueryParameter(name: "type", schema: .text(maxLength: 64), description: "types starting with this (login. for the family, or a whole type); names used before the catalog read as their new names"),
                        QueryParameter(name: "userId", schema: .uuid, description: "events about this user"),
                        QueryParameter(name: "actor", schema: .text(maxLength: 128), description: "events this actor caused (user:<id>, api_key:<id>, client:<id>, system)"),
                        QueryParameter(name: "since", schema: .dateTime, description: "at or after (RFC 3339)"),
                        QueryParameter(name: "until", schema: .dateTime, description: "at or before (RFC 3339)"),
                    ], .ok(SharedSchemas.page("AuditEvent"))),
                use: listEvents),
            .admin(
                .get, "/v2/events/verify",
                .init(
                    "Whether the tenant's audit hash chain verifies, and the first sequence where it does not",
                    .ok(
                        .object(
                            [
                                "intact": .boolean, "brokenAt": .nullable(.integer),
                                "checkpoint": .described(.nullable(.integer), "the last pruned sequence the walk started after (retention)"),
                            ], required: ["intact", "brokenAt", "checkpoint"]))),
                use: verifyEvents),
        ]
    }

    static let schemas: [(String, Schema)] = [
        ("Business", .object(["id": .uuid, "name": .string(), "createdAt": .dateTime], required: ["id", "name", "createdAt"])),
        (
            "Membership",
            .object(
                ["businessId": .uuid, "userId": .uuid, "role": .string(), "createdAt": .dateTime],
                required: ["businessId", "userId", "role", "createdAt"])
        ),
        ("TenantAdmin", .object(["userId": .uuid, "createdAt": .dateTime], required: ["userId", "createdAt"])),
        (
            "Audience",
            .described(
                .oneOf([.text(maxLength: 1024), .array(.text(maxLength: 1024))]),
                "the aud value, or values, an identity provider's tokens carry for us; a token naming none of them is refused")
        ),
        (
            "IdentityProviderInput",
            .object(
                [
                    "issuer": .text(maxLength: 1024), "jwks": .described(.anyObject, "a JWKS of public keys"),
                    "jwksUri": .text(maxLength: 2048, description: "https; fetched under the outbound policy"),
                    "audience": .ref("Audience"), "algorithms": .array(.text(values: ["EdDSA", "ES256", "RS256"])),
                    "emailClaim": .text(maxLength: 128, description: "default email"),
                ], required: ["issuer", "audience"])
        ),
        (
            "IdentityProvider",
            .object(
                [
                    "id": .uuid, "issuer": .string(), "jwks": .anyObject, "jwksUri": .string(), "audience": .array(.string()),
                    "algorithms": .array(.string()), "emailClaim": .string(), "createdAt": .dateTime,
                ], required: ["id", "issuer", "audience", "algorithms", "emailClaim", "createdAt"])
        ),
        (
            "AuditEvent",
            .object(
                [
                    "id": .uuid, "sequence": .integer, "type": .string(), "subject": .string(), "data": .anyObject,
                    "createdAt": .dateTime, "previousHash": .string(), "hash": .string(),
                    "actor": .string("user:<id>, api_key:<id> or system; absent for a sign-in's own events and older rows"),
                    "ip": .string(), "userAgent": .string(), "requestId": .string(),
                    "hashVersion": .described(.integer, "2: the hash covers every field shown; 1: rows written before the context was recorded"),
                ], required: ["id", "sequence", "type", "data", "createdAt", "previousHash", "hash", "hashVersion"])
        ),
    ]

    struct ListBody<Item: Encodable>: Encodable {
        var data: [Item]
        var nextCursor: String?
    }

    static func pageRequest(_ request: Request) throws -> PageRequest {
        let q = request.uri.queryParameters
        var limit = 50
        if let l = q["limit"] {
            guard let v = Int(String(l)), (1...200).contains(v) else {
                throw GatehouseError.field("limit", "must be an integer from 1 to 200")
            }
            limit = v
        }
        let cursor = q["cursor"].map(String.init)
        if let cursor, cursor.utf8.count > 256 { throw GatehouseError.field("cursor", "is not valid") }
        return PageRequest(limit: limit, cursor: cursor)
    }

    // MARK: businesses

    struct BusinessBody: Encodable {
        var id: String
        var name: String
        var createdAt: String
        init(_ b: Business) {
            id = b.id
            name = b.name
            createdAt = b.createdAt.rfc3339
        }
    }

    struct CreateBusiness: Decodable { var name: String? }

    @Sendable func createBusiness(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let b = try await JSONBody.decode(CreateBusiness.self, from: request)
        let business = try await admin.createBusiness(tenantId: tenant.id, name: try Validate.required(b.name, "name"))
        return try JSONBody.response(BusinessBody(business), status: .created)
    }

    @Sendable func listBusinesses(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let page = try await admin.businesses(tenantId: tenant.id, page: try Self.pageRequest(request))
        return try JSONBody.response(ListBody(data: page.items.map(BusinessBody.init), nextCursor: page.nextCursor))
    }

    @Sendable func getBusiness(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        return try JSONBody.response(BusinessBody(try await admin.business(tenantId: tenant.id, id: id)))
    }

    @Sendable func deleteBusiness(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        try await admin.deleteBusiness(tenantId: tenant.id, id: try Validate.uuid(context.parameters.get("id"), "id"))
        return Response(status: .noContent)
    }

    // MARK: memberships

    struct MembershipBody: Encodable {
        var businessId: String
        var userId: String
        var role: String
        var createdAt: String
        init(_ m: Membership) {
            businessId = m.businessId
            userId = m.userId
            role = m.role
            createdAt = m.createdAt.rfc3339
        }
    }

    struct AddMembership: Decodable {
        var userId: String?
        var role: String?
    }

    @Sendable func addMembership(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let businessId = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(AddMembership.self, from: request)
        let role = try Validate.required(b.role ?? BuiltInRole.member.rawValue, "role", max: RoleRules.maxNameBytes)
        let m = try await admin.addMember(
            tenantId: tenant.id, businessId: businessId, userId: try Validate.uuid(b.userId, "userId"), role: role, by: context.grant)
        return try JSONBody.response(MembershipBody(m), status: .created)
    }

    @Sendable func listMemberships(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let businessId = try Validate.uuid(context.parameters.get("id"), "id")
        let list = try await admin.memberships(tenantId: tenant.id, businessId: businessId)
        return try JSONBody.response(ListBody(data: list.map(MembershipBody.init), nextCursor: nil))
    }

    @Sendable func deleteMembership(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        try await admin.removeMember(
            tenantId: tenant.id, businessId: try Validate.uuid(context.parameters.get("id"), "id"),
            userId: try Validate.uuid(context.parameters.get("userId"), "userId"))
        return Response(status: .noContent)
    }

    // MARK: admins

    struct AdminBody: Encodable {
        var userId: String
        var createdAt: String
        init(_ a: TenantAdmin) {
            userId = a.userId
            createdAt = a.createdAt.rfc3339
        }
    }

    struct AddAdmin: Decodable { var userId: String? }

    @Sendable func addAdmin(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let b = try await JSONBody.decode(AddAdmin.self, from: request)
        let a = try await admin.addAdmin(tenantId: tenant.id, userId: try Validate.uuid(b.userId, "userId"), by: context.grant)
        return try JSONBody.response(AdminBody(a), status: .created)
    }

    @Sendable func listAdmins(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let list = try await admin.admins(tenantId: tenant.id)
        return try JSONBody.response(ListBody(data: list.map(AdminBody.init), nextCursor: nil))
    }

    @Sendable func deleteAdmin(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let userId = try Validate.uuid(context.parameters.get("userId"), "userId")
        try await admin.removeAdmin(tenantId: tenant.id, userId: userId, by: context.grant)
        return Response(status: .noContent)
    }

    // MARK: identity providers

    struct ProviderBody: Encodable {
        var id: String
        var issuer: String
        var jwks: JSONValue?
        var jwksUri: String?
        var audience: [String]
        var algorithms: [String]
        var emailClaim: String
        var createdAt: String
        init(_ p: IdentityProvider) {
            id = p.id
            issuer = p.issuer
            jwks = p.jwks.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            jwksUri = p.jwksUri
            audience = p.audiences
            algorithms = p.algorithms.map(\.rawValue)
            emailClaim = p.emailClaim
            createdAt = p.createdAt.rfc3339
        }
    }

    struct CreateProvider: Decodable {
        var issuer: String?
        var jwks: JSONValue?
        var jwksUri: String?
        /// One string, or a list of them.
        var audience: JSONValue?
        var algorithms: [String]?
        var emailClaim: String?
    }

    /// `audience` as a string or an array of strings.
    static func audiences(_ value: JSONValue?) throws -> [String] {
        switch value {
        case .none, .some(.null): throw GatehouseError.field("audience", "is required")
        case .some(.string(let s)): return [s]
        case .some(.array(let items)):
            return try items.map {
                guard case .string(let s) = $0 else { throw GatehouseError.field("audience", "must be a string or an array of strings") }
                return s
            }
        default: throw GatehouseError.field("audience", "must be a string or an array of strings")
        }
    }

    struct UpdateProvider: Decodable {
        var audience: JSONValue?
    }

    @Sendable func updateProvider(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(UpdateProvider.self, from: request)
        let provider = try await admin.setAudiences(tenantId: tenant.id, providerId: id, try Self.audiences(b.audience))
        return try JSONBody.response(ProviderBody(provider))
    }

    @Sendable func createProvider(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let b = try await JSONBody.decode(CreateProvider.self, from: request)
        var input = IdentityProviderInput(issuer: try Validate.required(b.issuer, "issuer", max: 1024))
        if let jwks = b.jwks {
            guard case .object = jwks else { throw GatehouseError.field("jwks", "must be a JWKS object") }
            input.jwks = String(decoding: try JSONBody.encoder.encode(jwks), as: UTF8.self)
        }
        input.jwksUri = try Validate.optional(b.jwksUri, "jwksUri", max: 2048)
        input.audiences = try Self.audiences(b.audience)
        if let algs = b.algorithms {
            guard !algs.isEmpty else { throw GatehouseError.field("algorithms", "must not be empty") }
            input.algorithms = try algs.map {
                guard let a = ExternalAlgorithm(rawValue: $0) else {
                    throw GatehouseError.field("algorithms", "each must be EdDSA, ES256 or RS256")
                }
                return a
            }
        }
        if let claim = b.emailClaim { input.emailClaim = try Validate.required(claim, "emailClaim", max: 128) }
        let provider = try await admin.createIdentityProvider(tenantId: tenant.id, input)
        return try JSONBody.response(ProviderBody(provider), status: .created)
    }

    @Sendable func listProviders(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let list = try await admin.identityProviders(tenantId: tenant.id)
        return try JSONBody.response(ListBody(data: list.map(ProviderBody.init), nextCursor: nil))
    }

    @Sendable func getProvider(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        return try JSONBody.response(ProviderBody(try await admin.identityProvider(tenantId: tenant.id, id: id)))
    }

    @Sendable func deleteProvider(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        try await admin.deleteIdentityProvider(
            tenantId: tenant.id, id: try Validate.uuid(context.parameters.get("id"), "id"))
        return Response(status: .noContent)
    }

    // MARK: events

    struct EventBody: Encodable {
        var id: String
        var sequence: Int64
        var type: String
        var subject: String?
        var data: JSONValue
        var createdAt: String
        var previousHash: String
        var hash: String
        var actor: String?
        var ip: String?
        var userAgent: String?
        var requestId: String?
        var hashVersion: Int64
        init(_ e: AuditEvent) {
            actor = e.context.actor
            ip = e.context.ip
            userAgent = e.context.userAgent
            requestId = e.context.requestId
            hashVersion = e.hashVersion
            id = e.id
            sequence = e.sequence
            type = e.currentType
            subject = e.subject
            data = (try? JSONDecoder().decode(JSONValue.self, from: Data(e.data.utf8))) ?? .object([:])
            createdAt = e.createdAt.rfc3339
            previousHash = e.previousHash
            hash = e.hash
        }
    }

    struct ChainBody: Encodable {
        var intact: Bool
        var brokenAt: Int64?
        var checkpoint: Int64?
        func encode(to encoder: any Encoder) throws {
            enum K: String, CodingKey { case intact, brokenAt, checkpoint }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(intact, forKey: .intact)
            try c.encode(brokenAt, forKey: .brokenAt)
            try c.encode(checkpoint, forKey: .checkpoint)
        }
    }

    @Sendable func verifyEvents(_ request: Request, context: AdminContext) async throws -> Response {
        let verdict = try await admin.verifyEvents(tenantId: context.tenant.id)
        return try JSONBody.response(ChainBody(intact: verdict.brokenAt == nil, brokenAt: verdict.brokenAt, checkpoint: verdict.checkpoint))
    }

    @Sendable func listEvents(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let q = request.uri.queryParameters
        func date(_ name: String) throws -> Date? {
            guard let text = q[Substring(name)].map(String.init) else { return nil }
            guard text.utf8.count <= 64, let d = Date(rfc3339: text) else { throw GatehouseError.field(name, "must be an RFC 3339 date-time") }
            return d
        }
        var filter = EventFilter(since: try date("since"), until: try date("until"))
        filter.typePrefix = try Validate.optional(q["type"].map(String.init), "type", max: 64)
        filter.subject = try q["userId"].map { try Validate.uuid(String($0), "userId") }
        filter.actor = try Validate.optional(q["actor"].map(String.init), "actor", max: 128)
        let page = try await admin.events(tenantId: tenant.id, page: try Self.pageRequest(request), filter: filter)
        return try JSONBody.response(ListBody(data: page.items.map(EventBody.init), nextCursor: page.nextCursor))
    }
}
