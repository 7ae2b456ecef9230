import Foundation
import GatehouseCore

/// `sqlite://./data/gatehouse.sqlite`, `sqlite:///abs/path.sqlite` or `postgres://user:pass@host:5432/db`.
public enum DatabaseURL: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) throws {
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw GatehouseError(.invalidRequest, "sqlite URL needs a file path") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            throw GatehouseError(.invalidRequest, "database URL must start with sqlite:// or postgres://")
        }
    }

    /// The URL without its password, for logs.
    public var redacted: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .postgres(let url):
            guard var c = URLComponents(string: url) else { return "postgres://…" }
            if c.password != nil { c.password = "****" }
            return c.string ?? "postgres://…"
        }
    }
}
