import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The PEM files of the server's own TLS (`--tls-cert`/`--tls-key`, `GATEHOUSE_TLS_CERT`/`GATEHOUSE_TLS_KEY`).
public struct TLSFiles: Sendable, Equatable {
    /// The certificate chain, leaf first (as certbot's fullchain.pem).
    public var certificatePath: String
    /// The leaf's private key, unencrypted.
    public var keyPath: String
    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

/// The TLS context new connections are given. `reload` reads the files again and swaps the context in only
/// when both load and match; a bad pair leaves the serving one in place, so a renewal caught half-written
/// cannot take the listener down. Connections already open keep the context they began with.
public final class TLSContextStore: Sendable {
    let files: TLSFiles
    private let context: Mutex<NIOSSLContext>

    /// Fails when the files cannot be read or do not form a pair: `serve` must not start without its TLS.
    public init(files: TLSFiles) throws {
        self.files = files
        self.context = Mutex(try Self.load(files))
    }

    var current: NIOSSLContext { context.withLock { $0 } }

    /// Reads the files again; on failure logs why and keeps serving the previous pair.
    public func reload(logger: Logger) {
        do {
            let fresh = try Self.load(files)
            context.withLock { $0 = fresh }
            logger.info("tls certificate reloaded", metadata: ["certificate": "\(files.certificatePath)"])
        } catch {
            logger.error(
                "tls reload failed; the previous certificate stays in use",
                metadata: ["certificate": "\(files.certificatePath)", "error": "\(Self.describe(error))"])
        }
    }

    static func load(_ files: TLSFiles) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificatePath)
        guard !chain.isEmpty else { throw TLSFilesError("\(files.certificatePath) holds no PEM certificate") }
        let key = try NIOSSLPrivateKey(file: files.keyPath, format: .pem)
        // TLS 1.2 at least (RFC 8996 retires 1.0 and 1.1); NIOSSL's default ciphers otherwise.
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // The context checks that the key is the leaf's: a mismatched pair fails here, not at the first handshake.
        return try NIOSSLContext(configuration: configuration)
    }

    /// NIOSSL's errors carry BoringSSL's whole error queue: bounded, so a log line stays one line's length.
    public static func describe(_ error: any Error) -> String {
        String(describing: error).prefix(300).description
    }
}

struct TLSFilesError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// HTTP/1.1 over TLS whose context is read from the store for each new connection, so a reload applies to
/// the next handshake without restarting the listener.
struct ReloadingTLSChannel<Base: HTTPChannelHandler>: HTTPChannelHandler {
    typealias Value = Base.Value
    let base: Base
    let store: TLSContextStore

    var responder: HTTPChannelHandler.Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = store.current
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async { await base.handle(value: value, logger: logger) }
}

/// Reloads the TLS files on SIGHUP (the signal certbot's and most renewal hooks send).
struct TLSReloadService: Service {
    let store: TLSContextStore
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in hangups { store.reload(logger: logger) }
        }
    }
}
