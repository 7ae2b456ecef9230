import Foundation
import GatehouseCore
import Hummingbird

/// `/v2/users`: the tenant admin manages accounts; a user may read their own.
struct UsersController {
    let engine: Engine
    let guards: AdminGuard

    func register(on router: Router<AppRequestContext>) {
        let v2 = router.group("v2")
        v2.get("users", use: list)
        v2.post("users", use: create)
        v2.get("users/:id", use: get)
        v2.put("users/:id", use: update)
        v2.delete("users/:id", use: delete)
        v2.post("users/:id/password", use: setPassword)
    }

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

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let b = try await JSONBody.decode(CreateBody.self, from: request)
        _ = try ProfileInput(department: b.department, employee: b.employee).validated()
        var n = NewLocalUser(
            email: try b.email.map { try Validate.required($0, "email", max: 320) },
            username: try b.username.map { try Validate.required($0, "username", max: 255) },
            password: try Validate.optional(b.password, "password", max: PasswordHasher.maxBytes))
        n.isSuperAdmin = b.isSuperAdmin ?? false
        n.department = b.department
        n.employee = b.employee
        let user = try await engine.users.create(tenantId: tenant.id, n)
        return try JSONBody.response(UserBody(user), status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let email = try Validate.optional(request.uri.queryParameters["email"].map(String.init), "email", max: 320)
        let page = try await engine.store.users(
            tenantId: tenant.id, page: try AdminController.pageRequest(request), email: email)
        return try JSONBody.response(AdminController.ListBody(data: page.items.map(UserBody.init), nextCursor: page.nextCursor))
    }

    /// A tenant admin reads anyone; any other caller only their own user.
    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let tenantId: String
        if let (tenant, _) = try? await guards.requireAdmin(request) {
            tenantId = tenant.id
        } else {
            let (tenant, principal) = try await guards.requireUser(request)
            guard principal.state.userId == id else { throw GatehouseError.forbidden }
            tenantId = tenant.id
        }
        guard let u = try await engine.store.user(tenantId: tenantId, id: id) else { throw GatehouseError.notFound("user") }
        return try JSONBody.response(UserBody(u))
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

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(UpdateBody.self, from: request)
        guard let user = try await engine.store.user(tenantId: tenant.id, id: id) else { throw GatehouseError.notFound("user") }
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
        let updated = try await engine.users.update(user, c)
        return try JSONBody.response(UserBody(updated))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, principal) = try await guards.requireAdmin(request)
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        try await engine.users.delete(tenantId: tenant.id, id: id, by: principal.state.userId)
        return Response(status: .noContent)
    }

    struct PasswordBody: Decodable { var password: String? }

    @Sendable func setPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, _) = try await guards.requireAdmin(request)
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let b = try await JSONBody.decode(PasswordBody.self, from: request)
        let password = try Validate.token(b.password, "password", max: PasswordHasher.maxBytes)
        guard let user = try await engine.store.user(tenantId: tenant.id, id: id) else { throw GatehouseError.notFound("user") }
        try await engine.users.setPassword(user, password)
        return Response(status: .noContent)
    }
}
