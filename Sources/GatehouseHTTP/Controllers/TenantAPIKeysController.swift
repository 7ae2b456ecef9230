import Foundation
import GatehouseCore
import Hummingbird

/// `/v2/api-keys`: the tenant's keys for server-to-server administration (Project API), sent as
/// `x-api-key`. Shapes follow the Classic API's keys (`keyId`, `apiKey` once, `lastUsed`) with the key's
/// business and permissions beside them.
struct TenantAPIKeysController {
    let keys: TenantAPIKeyService

    var routes: [Route] {
        [
            .admin(.get, "/v2/api-keys", .init("List the tenant's API keys (never the key itself)", query: QueryParameter.page, .ok(SharedSchemas.page("TenantAPIKey"))), use: list),
            .admin(
                .post, "/v2/api-keys",
                .init(
                    "Create an API key holding the permissions given (default: every one the creator holds that a key may); shown this once",
                    body: .ref("TenantAPIKeyInput"), bodyRequired: false,
                    .created(.ref("TenantAPIKey"), "the key, with apiKey shown this once"), Reply.stepUpRequired),
                use: create),
            .admin(
                .delete, "/v2/api-keys/{keyId}",
                .init("Delete an API key; it is refused from its next request on", pathSchemas: ["keyId": .text(maxLength: 64)], .noContent),
                use: delete),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "TenantAPIKeyInput",
            .object([
                "name": .text(maxLength: 255),
                "businessId": .described(.uuid, "the key reaches only this business's resources"),
                "permissions": .described(
                    .array(.text(maxLength: RoleRules.maxPermissionBytes)),
                    "resource:action; never api-keys:write, roles:write or admins:write, never more than the creator holds"),
                "expiresAt": .text(format: "date-time", description: "the key is refused from then on"),
            ])
        ),
        (
            "TenantAPIKey",
            .object(
                [
                    "keyId": .string(), "apiKey": .string("sk_live_… (sk_test_… through the testnet project key), only in the answer that created it"),
                    "name": .string(), "businessId": .string(), "permissions": .array(.string()), "createdBy": .string(),
                    "createdAt": .dateTime, "expiresAt": .dateTime, "lastUsed": .described(.nullable(.dateTime), "in lists; null until first use"),
                ], required: ["keyId", "name", "permissions", "createdBy", "createdAt"])
        ),
    ]

    struct KeyBody: Encodable {
        var keyId: String
        var apiKey: String?
        var name: String
        var businessId: String?
        var permissions: [String]
        var createdBy: String
        var createdAt: String
        var expiresAt: String?
        var lastUsed: String??
        init(_ key: TenantAPIKey, plaintext: String? = nil, listed: Bool) {
            keyId = key.id
            apiKey = plaintext
            name = key.name
            businessId = key.businessId
            permissions = key.permissions
            createdBy = key.createdBy
            createdAt = key.createdAt.rfc3339
            expiresAt = key.expiresAt?.rfc3339
            lastUsed = listed ? .some(key.lastUsedAt?.rfc3339) : nil
        }
        func encode(to encoder: any Encoder) throws {
            enum K: String, CodingKey { case keyId, apiKey, name, businessId, permissions, createdBy, createdAt, expiresAt, lastUsed }
            var c = encoder.container(keyedBy: K.self)
            try c.encode(keyId, forKey: .keyId)
            try c.encodeIfPresent(apiKey, forKey: .apiKey)
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(businessId, forKey: .businessId)
            try c.encode(permissions, forKey: .permissions)
            try c.encode(createdBy, forKey: .createdBy)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encodeIfPresent(expiresAt, forKey: .expiresAt)
            if let lastUsed { try c.encode(lastUsed, forKey: .lastUsed) }
        }
    }

    struct CreateBody: Decodable {
        var name: String?
        var businessId: String?
        var permissions: [String]?
        var expiresAt: String?
    }

    @Sendable func create(_ request: Request, context: AdminContext) async throws -> Response {
        let b = try await JSONBody.decodeIfPresent(CreateBody.self, from: request)
        var input = TenantAPIKeyInput(permissions: b?.permissions)
        input.name = try b?.name.map { try Validate.required($0, "name", max: 255) }
        input.businessId = try b?.businessId.map { try Validate.uuid($0, "businessId") }
        input.expiresAt = try b?.expiresAt.map { text in
            guard text.utf8.count <= 64, let date = Date(rfc3339: text) else {
                throw GatehouseError.field("expiresAt", "must be an RFC 3339 date-time")
            }
            return date
        }
        // Made through the testnet project key, the key says so in its prefix.
        let testnet = request.headers[TenantResolver.projectKeyHeader] == context.tenant.testnetProjectApiKey
        let (key, plaintext) = try await keys.create(
            tenantId: context.tenant.id, input, by: context.grant, principal: context.admin, testnet: testnet)
        return try JSONBody.response(KeyBody(key, plaintext: plaintext, listed: false), status: .created)
    }

    @Sendable func list(_ request: Request, context: AdminContext) async throws -> Response {
        let page = try await keys.list(tenantId: context.tenant.id, page: try AdminController.pageRequest(request))
        return try JSONBody.response(AdminController.ListBody(data: page.items.map { KeyBody($0, listed: true) }, nextCursor: page.nextCursor))
    }

    @Sendable func delete(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try Validate.required(context.parameters.get("keyId"), "keyId", max: 64)
        try await keys.delete(tenantId: context.tenant.id, id: id, by: context.grant)
        return Response(status: .noContent)
    }
}
