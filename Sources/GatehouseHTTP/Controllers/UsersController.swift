import Foundation
import GatehouseCore
import Hummingbird

/// `/v2/users`: the tenant admin manages accounts; a user may read their own.
struct UsersController {
    let users: UserService
    let auth: AuthService
    let admins: AuthorizeAdmin
    let tenants: TenantResolver

    var routes: [Route] {
        [
            .admin(
                .get, "/v2/users",
                .init(
                    "List users (cursor pagination)",
                    query: QueryParameter.page + [QueryParameter(name: "email", schema: .text(maxLength: 320), description: "only the user with this email")],
                    .ok(SharedSchemas.page("User"))),
                use: list),
            .admin(
                .post, "/v2/users",
                .init("Create a local user", body: .ref("UserInput"), .created(.ref("User")), .error(409, "the email or username is taken")),
                use: create),
            .ownCheck(
                .get, "/v2/users/{id}", security: [["bearer", "projectKey"], ["bearer"]], permission: .own,
                .init("Get a user: the tenant admin reads anyone, a user only themselves", .ok(.ref("User"))), use: get),
            .admin(
                .put, "/v2/users/{id}",
                .init(
                    "Update a user; null clears email, username, department or employee", body: .ref("UserChanges"), .ok(.ref("User")),
                    .error(409, "the email or username is taken")),
                use: update),
            .admin(.delete, "/v2/users/{id}", .init("Delete a user (not oneself); revokes their sessions", .noContent, .error(409, "an admin cannot delete themselves")), use: delete),
            .admin(
                .post, "/v2/users/{id}/password",
                .init("Set a user's password", body: .object(["password": .text(maxLength: PasswordHasher.maxBytes)], required: ["password"]), .noContent),
                use: setPassword),
        ]
    }

    static let schemas: [(String, Schema)] = [
        ("Department", .object(["id": .text(maxLength: 255), "name": .text(maxLength: 255)])),
        ("Employee", .object(["id": .text(maxLength: 255), "name": .text(maxLength: 255), "avatarFileId": .text(maxLength: 255)])),
        (
            "User",
            .object(
                [
                    "id": .uuid, "number": .described(.integer, "the Enterprise dialect's integer id"), "email": .string(),
                    "username": .string(), "externalIssuer": .string(), "externalSubject": .string(),
                    "status": .text(values: ["active", "disabled", "anonymous"]), "isSuperAdmin": .boolean, "mfaEnabled": .boolean,
                    "department": .ref("Department"), "employee": .ref("Employee"), "createdAt": .dateTime, "updatedAt": .dateTime,
                ], required: ["id", "number", "status", "isSuperAdmin", "mfaEnabled", "createdAt", "updatedAt"])
        ),
        (
            "UserInput",
            .object([
                "email": .text(maxLength: 320), "username": .text(maxLength: 255), "password": .text(maxLength: PasswordHasher.maxBytes),
                "isSuperAdmin": .boolean, "department": .ref("Department"), "employee": .ref("Employee"),
            ])
        ),
        (
            "UserChanges",
            .object([
                "email": .nullable(.text(maxLength: 320)), "username": .nullable(.text(maxLength: 255)), "isSuperAdmin": .boolean,
                "department": .nullable(.ref("Department")), "employee": .nullable(.ref("Employee")),
                "status": .text(values: ["active", "disabled"]), "resetMfa": .boolean,
            ])
        ),
    ]

    struct UserBody: Encodable {
        var id: String
        var number: Int64
        var email: String?
        var username: String?
        var externalIssuer: String?
        var externalSubject: String?
        var status: String
        var isSuperAdmin: Bool
        var mfaEnabled: Bool
        var department: Department?
        var employee: Employee?
        var createdAt: String
        var updatedAt: String
        init(_ u: User) {
            id = u.id
            number = u.number
            email = u.email
            username = u.username
            externalIssuer = u.externalIssuer
            externalSubject = u.externalSubject
            status = u.status.rawValue
            isSuperAdmin = u.isSuperAdmin
            mfaEnabled = u.mfaEnabled
            department = u.department
            employee = u.employee
            createdAt = u.createdAt.rfc3339
            updatedAt = u.updatedAt.rfc3339
        }
    }

    struct ProfileInput: Decodable {
        var department: Department?
        var employee: Employee?
        func validated() throws -> ProfileInput {
            for (field, value) in [
                ("department.id", department?.id), ("department.name", department?.name), ("employee.id", employee?.id),
                ("employee.name", employee?.name), ("employee.avatarFileId", employee?.avatarFileId),
            ] {
                _ = try Validate.optional(value, field, max: 255)
            }
            return self
        }
    }

    struct CreateBody: Decodable {
        var email: String?
        var username: String?
        var password: String?
        var isSuperAdmin: Bool?
        var department: Department?
        var employee: Employee?
    }

    @Sendable func create(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let b = try await JSONBody.decode(CreateBody.self, from: request)
        _ = try ProfileInput(department: b.department, employee: b.employee).validated()
        var n = NewLocalUser(
            email: try b.email.map { try Validate.required($0, "email", max: 320) },
            username: try b.username.map { try Validate.required($0, "username", max: 255) },
            password: try Validate.optional(b.password, "password", max: PasswordHasher.maxBytes))
        n.isSuperAdmin = b.isSuperAdmin ?? false
        n.department = b.department
        n.employee = b.employee
        let user = try await users.create(tenantId: tenant.id, n)
        return try JSONBody.response(UserBody(user), status: .created)
    }

    @Sendable func list(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let email = try Validate.optional(request.uri.queryParameters["email"].map(String.init), "email", max: 320)
        let page = try await users.list(tenantId: tenant.id, page: try AdminController.pageRequest(request), email: email)
        return try JSONBody.response(AdminController.ListBody(data: page.items.map(UserBody.init), nextCursor: page.nextCursor))
    }

    /// A tenant admin reads anyone; any other caller only their own user.
    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let tenantId: String
        do {
            tenantId = try await admins.authorize(request, needs: .usersRead).0.id
        } catch let refusal as GatehouseError where refusal.code == .forbidden {
            // Without users:read, a user's own token reads only that user; an API key is simply refused.
            guard let token = request.bearerToken else { throw refusal }
            let tenant = try await tenants.require(request)
            let principal = try await auth.authenticate(tenantId: tenant.id, bearer: token)
            guard principal.state.userId == id else { throw GatehouseError.forbidden }
            tenantId = tenant.id
        }
        return try JSONBody.response(UserBody(try await users.require(tenantId: tenantId, id: id)))
    }

    /// Every member optional; `null` clears email, username, department or employee.
    struct UpdateBody: Decodable {
        var email: String??
        var username: String??
        var isSuperAdmin: Bool?
        var department: Department??
        var employee: Employee??
        var status: String?
        var resetMfa: Bool?

        enum Keys: String, CodingKey { case email, username, isSuperAdmin, department, employee, status, resetMfa }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            func tri<T: Decodable>(_ k: Keys, _ t: T.Type) throws -> T?? {
                guard c.contains(k) else { return nil }
                return .some(try c.decodeNil(forKey: k) ? nil : try c.decode(T.self, forKey: k))
            }
            email = try tri(.email, String.self)
            username = try tri(.username, String.self)
            department = try tri(.department, Department.self)
            employee = try tri(.employee, Employee.self)
            isSuperAdmin = try c.decodeIfPresent(Bool.self, forKey: .isSuperAdmin)
            status = try c.decodeIfPresent(String.self, forKey: .status)
            resetMfa = try c.decodeIfPresent(Bool.self, forKey: .resetMfa)
        }
    }

    @Sendable func update(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(UpdateBody.self, from: request)
        let user = try await users.require(tenantId: tenant.id, id: id)
        var c = UserChanges()
        if let e = b.email { c.email = .some(try e.map { try Validate.required($0, "email", max: 320) }) }
        if let u = b.username { c.username = .some(try u.map { try Validate.required($0, "username", max: 255) }) }
        c.isSuperAdmin = b.isSuperAdmin
        _ = try ProfileInput(department: b.department ?? nil, employee: b.employee ?? nil).validated()
        c.department = b.department
        c.employee = b.employee
        if let s = b.status {
            guard let status = UserStatus(rawValue: s), status != .anonymous else {
                throw GatehouseError.field("status", "must be active or disabled")
            }
            c.status = status
        }
        if b.resetMfa == true { c.mfaEnabled = false }
        let updated = try await users.update(user, c, by: context.grant)
        return try JSONBody.response(UserBody(updated))
    }

    @Sendable func delete(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        try await users.delete(tenantId: tenant.id, id: id, by: context.grant)
        return Response(status: .noContent)
    }

    struct PasswordBody: Decodable { var password: String? }

    @Sendable func setPassword(_ request: Request, context: AdminContext) async throws -> Response {
        let tenant = context.tenant
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(PasswordBody.self, from: request)
        let password = try Validate.token(b.password, "password", max: PasswordHasher.maxBytes)
        let user = try await users.require(tenantId: tenant.id, id: id)
        try await users.setPassword(user, password, by: context.grant)
        return Response(status: .noContent)
    }
}
