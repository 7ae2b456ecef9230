import Foundation

public enum UserStatus: String, Sendable, Codable {
    case active, disabled, anonymous
}

public struct User: Sendable, Equatable {
    public var id: String
    /// Integer identity shown as `id`/`userId` by the Enterprise dialect.
    public var number: Int64
    public var tenantId: String
    public var email: String?
    public var username: String?
    public var externalIssuer: String?
    public var externalSubject: String?
    public var isSuperAdmin: Bool
    public var mfaEnabled: Bool
    public var status: UserStatus
    /// Free-form attributes (e.g. the `rawLoginData` of an anonymous user), JSON text.
    public var attributes: String?
    public var department: Department?
    public var employee: Employee?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, number: Int64 = 0, tenantId: String, email: String? = nil, username: String? = nil,
        externalIssuer: String? = nil, externalSubject: String? = nil, isSuperAdmin: Bool = false,
        mfaEnabled: Bool = false, status: UserStatus = .active, attributes: String? = nil,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.number = number
        self.tenantId = tenantId
        self.email = email
        self.username = username
        self.externalIssuer = externalIssuer
        self.externalSubject = externalSubject
        self.isSuperAdmin = isSuperAdmin
        self.mfaEnabled = mfaEnabled
        self.status = status
        self.attributes = attributes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
