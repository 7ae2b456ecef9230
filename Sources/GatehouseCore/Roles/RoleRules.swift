import Foundation

/// What a role definition may say (the Project API's `/v2/roles`): names, permission strings and limits.
public enum RoleRules {
    public static let maxNameBytes = 64
    public static let maxPermissionBytes = 64
    public static let maxPermissions = 256
    public static let maxDescriptionBytes = 1024
    /// Custom roles per tenant: the whole set is held in memory per tenant (`RoleCatalog`).
    public static let maxRoles = 1000

    /// Lower-case letters, digits, `-`, `_` and `.`, starting with a letter, at most 64 bytes.
    public static func checkName(_ name: String, field: String = "name") throws {
        guard !name.isEmpty, name.utf8.count <= maxNameBytes, let first = name.utf8.first, isLower(first),
            name.utf8.allSatisfy({ isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") })
        else {
            throw GatehouseError.field(
                field, "must be 1–\(maxNameBytes) lower-case letters, digits, '-', '_' or '.', starting with a letter")
        }
    }

    /// `resource:action`, each part like a role name, at most 64 bytes in all.
    public static func checkPermission(_ permission: String) throws {
        let parts = permission.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, permission.utf8.count <= maxPermissionBytes,
            parts.allSatisfy({ part in
                guard let first = part.utf8.first, isLower(first) else { return false }
                return part.utf8.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
            })
        else {
            throw GatehouseError.field(
                "permissions", "'\(GatehouseError.echo(permission))' is not resource:action in lower case (at most \(maxPermissionBytes) bytes)")
        }
    }

    /// Checked, without duplicates, sorted.
    public static func checked(permissions: [String]) throws -> [String] {
        guard permissions.count <= maxPermissions else { throw GatehouseError.field("permissions", "at most \(maxPermissions)") }
        for p in permissions { try checkPermission(p) }
        return Array(Set(permissions)).sorted()
    }

    public static func checked(description: String?) throws -> String? {
        guard let description else { return nil }
        guard description.utf8.count <= maxDescriptionBytes, !Identifiers.containsControlCharacter(description) else {
            throw GatehouseError.field("description", "at most \(maxDescriptionBytes) bytes, no control characters")
        }
        return description
    }

    private static func isLower(_ b: UInt8) -> Bool { b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") }
    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}

/// Every role of one tenant at one roles version: the built-ins and the custom roles, each with its
/// effective permission set (its own and its parent chain's) worked out once.
public struct RoleSet: Sendable {
    public let version: Int64
    public let roles: [String: Role]
    private let effective: [String: Set<String>]

    public init(version: Int64, tenantId: String, custom: [Role]) {
        self.version = version
        var roles: [String: Role] = [:]
        for b in BuiltInRole.allCases { roles[b.rawValue] = .builtIn(b, tenantId: tenantId) }
        for r in custom where roles[r.name] == nil { roles[r.name] = r }
        self.roles = roles
        var effective: [String: Set<String>] = [:]
        for name in roles.keys { effective[name] = Self.chain(from: name, in: roles) }
        self.effective = effective
    }

    /// A role's own and inherited permissions; empty for an unknown name (a role deleted meanwhile grants nothing).
    public func permissions(of name: String) -> Set<String> { effective[name] ?? [] }

    /// The union of several roles' effective permissions.
    public func permissions(of names: [String]) -> Set<String> {
        names.reduce(into: Set<String>()) { $0.formUnion(permissions(of: $1)) }
    }

    /// The parent chain from `name` up, `name` first. Stops at a repeated name: the rules refuse cycles, and
    /// a chain read while one was being made must still end.
    public func ancestry(of name: String) -> [String] {
        var seen: [String] = []
        var next: String? = name
        while let n = next, !seen.contains(n), let role = roles[n] {
            seen.append(n)
            next = role.parent
        }
        return seen
    }

    private static func chain(from name: String, in roles: [String: Role]) -> Set<String> {
        var all = Set<String>()
        var seen = Set<String>()
        var next: String? = name
        while let n = next, seen.insert(n).inserted, let role = roles[n] {
            all.formUnion(role.permissions)
            next = role.parent
        }
        return all
    }

    /// Built-ins first (owner, admin, member, viewer), then custom roles by name.
    public var ordered: [Role] {
        BuiltInRole.allCases.compactMap { roles[$0.rawValue] }
            + roles.values.filter { !$0.builtIn }.sorted { $0.name < $1.name }
    }
}
