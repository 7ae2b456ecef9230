import Foundation
import GatehouseCore
import Hummingbird

/// The Enterprise dialect (seed 004): the caller's profile and sessions.
struct ProfileController {
    let profiles: ProfileService
    let sessions: SessionService

    var routes: [Route] {
        [
            .caller(
                .get, "/auth/profile", from: .projectKeyOrDefault,
                .init("The caller's profile with effective permissions and a file-access signature", .ok(.ref("Profile"))), use: profile),
            .caller(.get, "/auth/sessions", from: .projectKeyOrDefault, .init("The caller's active sessions", .ok(.array(.ref("Session")))), use: sessions),
            .caller(
                .delete, "/auth/sessions/{id}", from: .projectKeyOrDefault, .init("Revoke one of the caller's sessions", .noContent),
                use: revokeSession),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "Profile",
            .object(
                [
                    "id": .integer, "email": .string(), "isSuperAdmin": .boolean, "mfaEnabled": .boolean,
                    "permissions": .array(.string()), "department": .nullable(.ref("Department")), "employee": .nullable(.ref("Employee")),
                    "signature": .string(), "passkeyPrompt": .text(values: ["pending", "accepted", "declined", "dismissed"]),
                ], required: ["id", "isSuperAdmin", "mfaEnabled", "permissions", "department", "employee", "passkeyPrompt"])
        ),
        (
            "Session",
            .object(
                [
                    "id": .uuid, "createdAt": .dateTime, "expiresAt": .dateTime, "amr": .array(.string()), "level": .string(),
                    "current": .boolean,
                ], required: ["id", "createdAt", "expiresAt", "amr", "level", "current"])
        ),
    ]

    struct ProfileBody: Encodable {
        var id: Int64
        var email: String?
        var isSuperAdmin: Bool
        var mfaEnabled: Bool
        var permissions: [String]
        /// Seed 004 shows both; null when unset.
        var department: Nullable<Department>
        var employee: Nullable<Employee>
        var signature: String?
        var passkeyPrompt: String
    }

    @Sendable func profile(_ request: Request, context: CallerContext) async throws -> Response {
        let p = try await profiles.profile(of: context.caller)
        return try JSONBody.response(
            ProfileBody(
                id: p.user.number, email: p.user.email, isSuperAdmin: p.user.isSuperAdmin, mfaEnabled: p.user.mfaEnabled,
                permissions: p.permissions, department: Nullable(p.user.department), employee: Nullable(p.user.employee), signature: p.signature,
                passkeyPrompt: p.passkeyPrompt.rawValue))
    }

    struct SessionBody: Encodable {
        var id: String
        var createdAt: String
        var expiresAt: String
        var amr: [String]
        var level: String
        var current: Bool
    }

    @Sendable func sessions(_ request: Request, context: CallerContext) async throws -> Response {
        let caller = context.caller
        let list = try await self.sessions.active(of: caller.user)
        return try JSONBody.response(
            list.map {
                SessionBody(
                    id: $0.id, createdAt: $0.createdAt.rfc3339, expiresAt: $0.expiresAt.rfc3339, amr: $0.amr,
                    level: $0.level.rawValue, current: $0.id == caller.sessionId)
            })
    }

    @Sendable func revokeSession(_ request: Request, context: CallerContext) async throws -> Response {
        let caller = context.caller
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        try await sessions.revokeOwn(id, of: caller.user)
        return Response(status: .noContent)
    }
}
