import Foundation
import GatehouseCore
import Hummingbird

/// `/v2/oauth-clients`: the tenant admin registers the tenant's OAuth 2.0 clients (RFC 6749 §2). A
/// confidential client's secret is in the answer of its creation (and of a rotation) only.
struct OAuthClientsController {
    let clients: OAuthClientService

    var routes: [Route] {
        let id = ["id": Schema.text(maxLength: 128)]
        return [
            .admin(
                .get, "/v2/oauth-clients", .init("List the tenant's OAuth clients", query: QueryParameter.page, .ok(SharedSchemas.page("OAuthClient"))),
                use: list),
            .admin(
                .post, "/v2/oauth-clients",
                .init(
                    "Register an OAuth client", body: .ref("OAuthClientInput"),
                    .created(.ref("OAuthClient"), "the client; a confidential client's clientSecret is shown this once")),
                use: create),
            .admin(.get, "/v2/oauth-clients/{id}", .init("Get an OAuth client", pathSchemas: id, .ok(.ref("OAuthClient"))), use: get),
            .admin(
                .patch, "/v2/oauth-clients/{id}",
                .init(
                    "Change an OAuth client (the fields given); made confidential, it gets a secret, shown this once",
                    body: .ref("OAuthClientUpdate"), pathSchemas: id, .ok(.ref("OAuthClient"))),
                use: update),
            .admin(.delete, "/v2/oauth-clients/{id}", .init("Delete an OAuth client; its secret stops working", pathSchemas: id, .noContent), use: delete),
            .admin(
                .post, "/v2/oauth-clients/{id}/secret",
                .init(
                    "A new secret for a confidential client (the old one stops working)", pathSchemas: id,
                    .ok(.ref("OAuthClient"), "the client with its new clientSecret, shown this once"),
                    .error(409, "a public client has no secret")),
                use: rotateSecret),
        ]
    }

    static let fields: KeyValuePairs<String, Schema> = [
        "name": .text(maxLength: 255),
        "redirectUris": .described(.array(.text(maxLength: 2048)), "exact URIs: https, http on a loopback host, or a private-use scheme"),
        "postLogoutRedirectUris": .array(.text(maxLength: 2048)),
        "grantTypes": .array(.text(values: OAuthClient.GrantType.allCases.map(\.rawValue))),
        "scopes": .array(.text(maxLength: 128)),
        "tokenEndpointAuthMethod": .text(values: OAuthClient.AuthMethod.allCases.map(\.rawValue)),
        "requirePkce": .described(.boolean, "default true; always true for public clients"),
        "firstParty": .described(.boolean, "default false: consent is shown, tokens name the client as audience"),
        "accessTokenTtl": .described(.integer, "seconds, 60 to 86400; default: the server's"),
        "idTokenSignedResponseAlg": .text(values: OAuthClient.IDTokenAlgorithm.allCases.map(\.rawValue)),
    ]

    static let schemas: [(String, Schema)] = [
        (
            "OAuthClient",
            .object(
                [
                    "clientId": .string(), "name": .string(), "redirectUris": .array(.string()),
                    "postLogoutRedirectUris": .array(.string()), "grantTypes": .array(.string()), "scopes": .array(.string()),
                    "tokenEndpointAuthMethod": .string(), "requirePkce": .boolean, "firstParty": .boolean,
                    "accessTokenTtl": .nullable(.integer), "idTokenSignedResponseAlg": .string(), "createdAt": .dateTime,
                    "updatedAt": .dateTime, "clientSecret": .string("at creation, rotation, or when made confidential: shown once"),
                ],
                required: [
                    "clientId", "name", "redirectUris", "postLogoutRedirectUris", "grantTypes", "scopes", "tokenEndpointAuthMethod",
                    "requirePkce", "firstParty", "accessTokenTtl", "idTokenSignedResponseAlg", "createdAt", "updatedAt",
                ])
        ),
        ("OAuthClientInput", .object(fields, required: ["name"])),
        ("OAuthClientUpdate", .object(fields)),
    ]

    struct ClientBody: Encodable {
        var clientId: String
        var name: String
        var redirectUris: [String]
        var postLogoutRedirectUris: [String]
        var grantTypes: [String]
        var scopes: [String]
        var tokenEndpointAuthMethod: String
        var requirePkce: Bool
        var firstParty: Bool
        var accessTokenTtl: Int?
        var idTokenSignedResponseAlg: String
        var createdAt: String
        var updatedAt: String
        var clientSecret: String?

        init(_ c: OAuthClient, secret: String? = nil) {
            clientId = c.id
            name = c.name
            redirectUris = c.redirectUris
            postLogoutRedirectUris = c.postLogoutRedirectUris
            grantTypes = c.grantTypes.map(\.rawValue)
            scopes = c.scopes
            tokenEndpointAuthMethod = c.tokenEndpointAuthMethod.rawValue
            requirePkce = c.requirePkce
            firstParty = c.firstParty
            accessTokenTtl = c.accessTokenTTL
            idTokenSignedResponseAlg = c.idTokenSignedResponseAlg.rawValue
            createdAt = c.createdAt.rfc3339
            updatedAt = c.updatedAt.rfc3339
            clientSecret = secret
        }

        enum CodingKeys: String, CodingKey {
            case clientId, name, redirectUris, postLogoutRedirectUris, grantTypes, scopes, tokenEndpointAuthMethod, requirePkce,
                firstParty, accessTokenTtl, idTokenSignedResponseAlg, createdAt, updatedAt, clientSecret
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(clientId, forKey: .clientId)
            try c.encode(name, forKey: .name)
            try c.encode(redirectUris, forKey: .redirectUris)
            try c.encode(postLogoutRedirectUris, forKey: .postLogoutRedirectUris)
            try c.encode(grantTypes, forKey: .grantTypes)
            try c.encode(scopes, forKey: .scopes)
            try c.encode(tokenEndpointAuthMethod, forKey: .tokenEndpointAuthMethod)
            try c.encode(requirePkce, forKey: .requirePkce)
            try c.encode(firstParty, forKey: .firstParty)
            try c.encode(accessTokenTtl, forKey: .accessTokenTtl)  // null: the server's default
            try c.encode(idTokenSignedResponseAlg, forKey: .idTokenSignedResponseAlg)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encodeIfPresent(clientSecret, forKey: .clientSecret)
        }
    }

    struct InputBody: Decodable {
        var name: String?
        var redirectUris: [String]?
        var postLogoutRedirectUris: [String]?
        var grantTypes: [String]?
        var scopes: [String]?
        var tokenEndpointAuthMethod: String?
        var requirePkce: Bool?
        var firstParty: Bool?
        var accessTokenTtl: Int?
        var idTokenSignedResponseAlg: String?

        var input: OAuthClientInput {
            var i = OAuthClientInput()
            i.name = name
            i.redirectUris = redirectUris
            i.postLogoutRedirectUris = postLogoutRedirectUris
            i.grantTypes = grantTypes
            i.scopes = scopes
            i.tokenEndpointAuthMethod = tokenEndpointAuthMethod
            i.requirePkce = requirePkce
            i.firstParty = firstParty
            i.accessTokenTTL = accessTokenTtl
            i.idTokenSignedResponseAlg = idTokenSignedResponseAlg
            return i
        }
    }

    static func clientId(_ context: AdminContext) throws -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty, id.utf8.count <= 128 else {
            throw GatehouseError.field("id", "is not a client id")
        }
        return id
    }

    @Sendable func list(_ request: Request, context: AdminContext) async throws -> Response {
        let page = try await clients.list(tenantId: context.tenant.id, page: AdminController.pageRequest(request))
        return try JSONBody.response(AdminController.ListBody(data: page.items.map { ClientBody($0) }, nextCursor: page.nextCursor))
    }

    @Sendable func create(_ request: Request, context: AdminContext) async throws -> Response {
        let body = try await JSONBody.decode(InputBody.self, from: request)
        let (client, secret) = try await clients.create(tenantId: context.tenant.id, body.input)
        return try JSONBody.response(ClientBody(client, secret: secret), status: .created)
    }

    @Sendable func get(_ request: Request, context: AdminContext) async throws -> Response {
        try JSONBody.response(ClientBody(try await clients.get(tenantId: context.tenant.id, id: Self.clientId(context))))
    }

    @Sendable func update(_ request: Request, context: AdminContext) async throws -> Response {
        let id = try Self.clientId(context)
        let body = try await JSONBody.decode(InputBody.self, from: request)
        let (client, secret) = try await clients.update(tenantId: context.tenant.id, id: id, body.input)
        return try JSONBody.response(ClientBody(client, secret: secret))
    }

    @Sendable func delete(_ request: Request, context: AdminContext) async throws -> Response {
        try await clients.delete(tenantId: context.tenant.id, id: Self.clientId(context))
        return Response(status: .noContent)
    }

    @Sendable func rotateSecret(_ request: Request, context: AdminContext) async throws -> Response {
        let (client, secret) = try await clients.rotateSecret(tenantId: context.tenant.id, id: Self.clientId(context))
        return try JSONBody.response(ClientBody(client, secret: secret))
    }
}
