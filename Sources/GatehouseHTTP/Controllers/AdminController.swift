import Foundation
import GatehouseCore
import Hummingbird

/// Tenant administration under `/v2`: businesses and memberships, tenant admins, identity providers,
/// users (read) and the audit log. Every route needs the tenant admin token.
struct AdminController {
    let engine: Engine
    let guards: AdminGuard

    func register(on router: Router<AppRequestContext>) {
        let v2 = router.group("v2")
        v2.get("businesses", use: listBusinesses)
        v2.post("businesses", use: createBusiness)
        v2.get("businesses/:id", use: getBusiness)
        v2.delete("businesses/:id", use: deleteBusiness)
        v2.get("businesses/:id/memberships", use: listMemberships)
        v2.post("businesses/:id/memberships", use: addMembership)
        v2.delete("businesses/:id/memberships/:userId", use: deleteMembership)
        v2.get("admins", use: listAdmins)
        v2.post("admins", use: addAdmin)
        v2.delete("admins/:userId", use: deleteAdmin)
        v2.get("identity-providers", use: listProviders)
        v2.post("identity-providers", use: createProvider)
        v2.get("identity-providers/:id", use: getProvider)
        v2.patch("identity-providers/:id", use: updateProvider)
        v2.delete("identity-providers/:id", use: deleteProvider)
        v2.get("events", use: listEvents)
    }

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

    @Sendable func createBusiness(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let b = try await JSONBody.decode(CreateBusiness.self, from: request)
        let business = try await engine.admin.createBusiness(tenantId: tenant.id, name: try Validate.required(b.name, "name"))
        return try JSONBody.response(BusinessBody(business), status: .created)
    }

    @Sendable func listBusinesses(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let page = try await engine.store.businesses(tenantId: tenant.id, page: try Self.pageRequest(request))
        return try JSONBody.response(ListBody(data: page.items.map(BusinessBody.init), nextCursor: page.nextCursor))
    }

    @Sendable func getBusiness(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        guard let b = try await engine.store.business(tenantId: tenant.id, id: id) else {
            throw GatehouseError.notFound("business")
        }
        return try JSONBody.response(BusinessBody(b))
    }

    @Sendable func deleteBusiness(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        try await engine.admin.deleteBusiness(tenantId: tenant.id, id: try Validate.uuid(context.parameters.get("id"), "id"))
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

    @Sendable func addMembership(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let businessId = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(AddMembership.self, from: request)
        let role = try Validate.required(b.role ?? BuiltInRole.member.rawValue, "role", max: 64)
        guard role.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw GatehouseError.field("role", "may hold letters, digits, '_' and '-' only")
        }
        let m = try await engine.admin.addMember(
            tenantId: tenant.id, businessId: businessId, userId: try Validate.uuid(b.userId, "userId"), role: role)
        return try JSONBody.response(MembershipBody(m), status: .created)
    }

    @Sendable func listMemberships(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let businessId = try Validate.uuid(context.parameters.get("id"), "id")
        guard try await engine.store.business(tenantId: tenant.id, id: businessId) != nil else {
            throw GatehouseError.notFound("business")
        }
        let list = try await engine.store.memberships(tenantId: tenant.id, businessId: businessId)
        return try JSONBody.response(ListBody(data: list.map(MembershipBody.init), nextCursor: nil))
    }

    @Sendable func deleteMembership(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        try await engine.admin.removeMember(
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

    @Sendable func addAdmin(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let b = try await JSONBody.decode(AddAdmin.self, from: request)
        let a = try await engine.admin.addAdmin(tenantId: tenant.id, userId: try Validate.uuid(b.userId, "userId"))
        return try JSONBody.response(AdminBody(a), status: .created)
    }

    @Sendable func listAdmins(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let list = try await engine.store.tenantAdmins(tenantId: tenant.id)
        return try JSONBody.response(ListBody(data: list.map(AdminBody.init), nextCursor: nil))
    }

    @Sendable func deleteAdmin(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, principal) = try await guards.requireAdmin(request)
        let userId = try Validate.uuid(context.parameters.get("userId"), "userId")
        try await engine.admin.removeAdmin(tenantId: tenant.id, userId: userId, by: principal.state.userId)
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

    @Sendable func updateProvider(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(UpdateProvider.self, from: request)
        let provider = try await engine.admin.setAudiences(tenantId: tenant.id, providerId: id, try Self.audiences(b.audience))
        return try JSONBody.response(ProviderBody(provider))
    }

    @Sendable func createProvider(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
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
        let provider = try await engine.admin.createIdentityProvider(tenantId: tenant.id, input)
        return try JSONBody.response(ProviderBody(provider), status: .created)
    }

    @Sendable func listProviders(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let list = try await engine.store.identityProviders(tenantId: tenant.id)
        return try JSONBody.response(ListBody(data: list.map(ProviderBody.init), nextCursor: nil))
    }

    @Sendable func getProvider(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        guard let p = try await engine.store.identityProvider(tenantId: tenant.id, id: id) else {
            throw GatehouseError.notFound("identity provider")
        }
        return try JSONBody.response(ProviderBody(p))
    }

    @Sendable func deleteProvider(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        try await engine.admin.deleteIdentityProvider(
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
        init(_ e: AuditEvent) {
            id = e.id
            sequence = e.sequence
            type = e.type
            subject = e.subject
            data = (try? JSONDecoder().decode(JSONValue.self, from: Data(e.data.utf8))) ?? .object([:])
            createdAt = e.createdAt.rfc3339
            previousHash = e.previousHash
            hash = e.hash
        }
    }

    @Sendable func listEvents(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let page = try Self.pageRequest(request)
        var after: Int64 = 0
        if let c = page.cursor {
            guard let v = Int64(c), v >= 0 else { throw GatehouseError.field("cursor", "is not valid") }
            after = v
        }
        let list = try await engine.store.events(tenantId: tenant.id, afterSequence: after, limit: page.limit)
        let next = list.count == page.limit ? list.last.map { String($0.sequence) } : nil
        return try JSONBody.response(ListBody(data: list.map(EventBody.init), nextCursor: next))
    }
}
