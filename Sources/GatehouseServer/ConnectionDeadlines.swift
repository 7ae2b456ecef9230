import NIOCore
import NIOHTTPTypes

/// How long a connection may hold the server without progress (slow-loris defences, RFC 9112 §9.8 leaves
/// these to the server). Every value is configurable so tests can shorten it.
public struct ConnectionLimits: Sendable {
    /// `GATEHOUSE_HEADER_TIMEOUT`: a new connection must deliver a whole request head within this.
    public var headerTimeout: TimeAmount = .seconds(30)
    /// `GATEHOUSE_BODY_TIMEOUT`: a request body that sends nothing for this long ends its connection.
    public var bodyTimeout: TimeAmount = .seconds(30)
    /// `GATEHOUSE_KEEPALIVE_TIMEOUT`: after a response, the next request's head must be whole within this.
    public var keepAliveTimeout: TimeAmount = .seconds(30)
    /// `GATEHOUSE_MAX_CONNECTIONS`: connections served at once; more wait in the listen backlog.
    public var maxConnections = 10_000
    public init() {}
}

/// Closes a connection whose request head is not whole in time, whose body stalls, or which stays idle
/// after a response. It sits after the HTTP decoder, so it sees whole heads: a head trickled byte by byte
/// is still incomplete when the deadline falls. No deadline runs while a request is being answered.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private var timer: Scheduled<Void>?

    init(limits: ConnectionLimits) { self.limits = limits }

    func handlerAdded(context: ChannelHandlerContext) { arm(limits.headerTimeout, context: context) }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head, .body: arm(limits.bodyTimeout, context: context)
        case .end: disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(limits.keepAliveTimeout, context: context) }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    private func arm(_ after: TimeAmount, context: ChannelHandlerContext) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: after) { channel.close(promise: nil) }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
