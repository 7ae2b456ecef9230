import Hummingbird
import NIOCore

public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The socket peer's IP address (nil when not on a socket, as under the router test framework).
    public let peerAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }
    /// CONTRACT §3: bodies are limited to 64 KiB unless an endpoint needs more.
    public var maxUploadSize: Int { HTTPLimits.maxBody }
}

public enum HTTPLimits {
    public static let maxBody = 64 * 1024
}
