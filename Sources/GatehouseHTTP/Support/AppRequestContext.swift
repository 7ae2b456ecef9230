import Hummingbird

public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public init(source: Source) { coreContext = .init(source: source) }
    /// CONTRACT §3: bodies are limited to 64 KiB unless an endpoint needs more.
    public var maxUploadSize: Int { HTTPLimits.maxBody }
}

public enum HTTPLimits {
    public static let maxBody = 64 * 1024
}
