import Foundation
import GatehouseCore
import Hummingbird

/// The Enterprise dialect's view of the user's consents to third-party OAuth clients (OpenID Connect Core
/// §3.1.2.4): which clients may act for them, with what scopes; withdrawing one ends that client's sessions.
struct ConsentsController {
    let consents: Consents

    var routes: [Route] {
        [
            .signedIn(
                .get, "/auth/consents", from: .projectKeyOrDefault,
                .init("The third-party OAuth clients the user consented to, with the scopes granted", .ok(.array(.ref("OAuthConsent")))),
                use: list),
            .signedIn(
                .delete, "/auth/consents/{clientId}", from: .projectKeyOrDefault,
                .init(
                    "Withdraw a consent: the client's sessions for this user end at once", pathSchemas: ["clientId": .text(maxLength: 128)],
                    .noContent, .error(404, "no consent to this client")),
                use: withdraw),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "OAuthConsent",
            .object(
                ["clientId": .string(), "clientName": .nullable(.string()), "scopes": .array(.string()), "createdAt": .dateTime],
                required: ["clientId", "clientName", "scopes", "createdAt"])
        )
    ]

    struct ConsentBody: Encodable {
        var clientId: String
        var clientName: Nullable<String>
        var scopes: [String]
        var createdAt: String
    }

    @Sendable func list(_ request: Request, context: SignedInContext) async throws -> Response {
        let listed = try await consents.list(tenantId: context.tenant.id, userId: context.user.id)
        return try JSONBody.response(
            listed.map {
                ConsentBody(
                    clientId: $0.consent.clientId, clientName: Nullable($0.clientName), scopes: $0.consent.scopes,
                    createdAt: $0.consent.createdAt.rfc3339)
            })
    }

    @Sendable func withdraw(_ request: Request, context: SignedInContext) async throws -> Response {
        let clientId = try Validate.token(context.parameters.get("clientId"), "clientId", max: 128)
        try await consents.withdraw(tenantId: context.tenant.id, userId: context.user.id, clientId: clientId)
        return Response(status: .noContent)
    }
}
