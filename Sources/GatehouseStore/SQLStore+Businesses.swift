import Foundation
import GatehouseCore
import SQLKit

extension SQLStore: BusinessStore {
    func business(from row: any SQLRow) throws -> Business {
        Business(
            id: try row.string("id"), tenantId: try row.string("tenant_id"), name: try row.string("name"),
            createdAt: try row.date("created_at"))
    }

    public func insertBusiness(_ b: Business) async throws {
        try await write("insertBusiness") { db in
            try await db.raw(
                "INSERT INTO businesses (id, tenant_id, name, created_at) VALUES (\(bind: b.id), \(bind: b.tenantId), \(bind: b.name), \(bind: b.createdAt.millis))"
            ).run()
        }
    }

    public func business(tenantId: String, id: String) async throws -> Business? {
        try await read("business") { db in
            try await db.raw(
                "SELECT id, tenant_id, name, created_at FROM businesses WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id)"
            ).first().map(business(from:))
        }
    }

    public func businesses(tenantId: String, page: PageRequest) async throws -> Page<Business> {
        let after = try Cursor.decode(page.cursor)
        return try await read("businesses") { db in
            let (millis, id) = after ?? (Int64.min, "")
            let rows = try await db.raw(
                """
                SELECT id, tenant_id, name, created_at FROM businesses WHERE tenant_id = \(bind: tenantId)
                AND (created_at > \(bind: millis) OR (created_at = \(bind: millis) AND id > \(bind: id)))
                ORDER BY created_at, id LIMIT \(unsafeRaw: String(page.limit + 1))
                """
            ).all()
            return Cursor.page(try rows.map(business(from:)), limit: page.limit) { ($0.createdAt, $0.id) }
        }
    }

    public func deleteBusiness(tenantId: String, id: String) async throws -> Bool {
        try await transaction("deleteBusiness") { db in
            try await db.raw("DELETE FROM memberships WHERE tenant_id = \(bind: tenantId) AND business_id = \(bind: id)").run()
            return try await db.raw(
                "DELETE FROM businesses WHERE tenant_id = \(bind: tenantId) AND id = \(bind: id) RETURNING id"
            ).first() != nil
        }
    }

    public func insertMembership(_ m: Membership) async throws -> Bool {
        try await write("insertMembership") { db in
            try await db.raw(
                """
                INSERT INTO memberships (tenant_id, business_id, user_id, role, created_at)
                VALUES (\(bind: m.tenantId), \(bind: m.businessId), \(bind: m.userId), \(bind: m.role), \(bind: m.createdAt.millis))
                ON CONFLICT DO NOTHING RETURNING user_id
                """
            ).first() != nil
        }
    }

    public func memberships(tenantId: String, businessId: String) async throws -> [Membership] {
        try await read("memberships") { db in
            try await db.raw(
                "SELECT tenant_id, business_id, user_id, role, created_at FROM memberships WHERE tenant_id = \(bind: tenantId) AND business_id = \(bind: businessId) ORDER BY created_at, user_id"
            ).all().map {
                Membership(
                    tenantId: try $0.string("tenant_id"), businessId: try $0.string("business_id"),
                    userId: try $0.string("user_id"), role: try $0.string("role"), createdAt: try $0.date("created_at"))
            }
        }
    }

    public func membershipOptions(tenantId: String, userId: String) async throws -> [MembershipOption] {
        try await read("membershipOptions") { db in
            try await db.raw(
                """
                SELECT m.business_id AS business_id, b.name AS name, m.role AS role FROM memberships m
                JOIN businesses b ON b.id = m.business_id
                WHERE m.tenant_id = \(bind: tenantId) AND m.user_id = \(bind: userId) ORDER BY b.name, m.business_id
                """
            ).all().map {
                MembershipOption(businessId: try $0.string("business_id"), name: try $0.string("name"), role: try $0.string("role"))
            }
        }
    }

    public func deleteMembership(tenantId: String, businessId: String, userId: String) async throws -> Bool {
        try await write("deleteMembership") { db in
            try await db.raw(
                "DELETE FROM memberships WHERE tenant_id = \(bind: tenantId) AND business_id = \(bind: businessId) AND user_id = \(bind: userId) RETURNING user_id"
            ).first() != nil
        }
    }

    public func insertTenantAdmin(_ a: TenantAdmin) async throws -> Bool {
        try await write("insertTenantAdmin") { db in
            try await db.raw(
                "INSERT INTO tenant_admins (tenant_id, user_id, created_at) VALUES (\(bind: a.tenantId), \(bind: a.userId), \(bind: a.createdAt.millis)) ON CONFLICT DO NOTHING RETURNING user_id"
            ).first() != nil
        }
    }

    public func isTenantAdmin(tenantId: String, userId: String) async throws -> Bool {
        try await read("isTenantAdmin") { db in
            try await db.raw(
                "SELECT user_id FROM tenant_admins WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId)"
            ).first() != nil
        }
    }

    public func tenantAdmins(tenantId: String) async throws -> [TenantAdmin] {
        try await read("tenantAdmins") { db in
            try await db.raw(
                "SELECT tenant_id, user_id, created_at FROM tenant_admins WHERE tenant_id = \(bind: tenantId) ORDER BY created_at, user_id"
            ).all().map {
                TenantAdmin(tenantId: try $0.string("tenant_id"), userId: try $0.string("user_id"), createdAt: try $0.date("created_at"))
            }
        }
    }

    public func deleteTenantAdmin(tenantId: String, userId: String) async throws -> Bool {
        try await write("deleteTenantAdmin") { db in
            try await db.raw(
                "DELETE FROM tenant_admins WHERE tenant_id = \(bind: tenantId) AND user_id = \(bind: userId) RETURNING user_id"
            ).first() != nil
        }
    }
}
