/// Profile attributes of the Enterprise dialect (seed 004).
public struct Department: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

public struct Employee: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var avatarFileId: String?
    public init(id: String, name: String, avatarFileId: String? = nil) {
        self.id = id
        self.name = name
        self.avatarFileId = avatarFileId
    }
}
