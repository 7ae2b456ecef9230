/// Who a session speaks for (seed 000/001 `authType`).
public enum AuthLevel: String, Sendable, Codable, CaseIterable {
    case user, business, tenant, system, external
}
