import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import GatehouseOutbound
import GatehouseStore

/// Server settings; the CLI fills them from flags and `GATEHOUSE_*` environment variables.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var databaseURL = "sqlite://./data/gatehouse.sqlite"
    /// Time bounds on a networked database (PostgreSQL): connection wait and statement time.
    public var database = DatabaseOptions()
    /// Deadlines and the bound on client connections.
    public var connections = ConnectionLimits()
    /// The server's own TLS (`--tls-cert`/`--tls-key`); nil serves plain HTTP, for TLS ended by a proxy.
    public var tls: TLSFiles?
    public var dataDirectory = "./data"
    /// Base64 of 32 bytes; when nil a key file is created in the data folder (mode 0600) and reused.
    public var masterKeyBase64: String?
    public var engine = EngineConfiguration()
    /// Peers whose `X-Forwarded-For` is believed (`GATEHOUSE_TRUSTED_PROXIES`, comma-separated IPs).
    public var trustedProxies: Set<String> = []

    /// Firebase service-account JSON, or the path of the file holding it (`GATEHOUSE_FCM_CREDENTIALS`);
    /// without it confirmations send no pushes.
    public var fcmCredentials: String?
    /// FCM API base (`GATEHOUSE_FCM_BASE_URL`) and token endpoint override (`GATEHOUSE_FCM_TOKEN_URI`).
    public var fcmBaseURL = FCMTransport.defaultBaseURL
    /// `GATEHOUSE_WEBHOOK_RETRY_BASE`: the first wait before a webhook delivery is tried again (doubling).
    public var webhookRetryBase: TimeInterval = 10
    /// `GATEHOUSE_WEBHOOK_TIMEOUT`: how long a receiver has to answer.
    public var webhookTimeout: TimeInterval = 10
    /// `GATEHOUSE_WEBHOOK_DISPATCH`: whether this node sends webhook deliveries (every node queues them).
    public var webhookDispatch = true
    public var fcmTokenURI: String?

    public init() {}

    /// The service account named by `fcmCredentials`, or nil when push is off.
    public func fcmAccount() throws -> FCMServiceAccount? {
        guard let value = fcmCredentials?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        let json: [UInt8]
        if value.hasPrefix("{") {
            json = Array(value.utf8)
        } else {
            guard let data = FileManager.default.contents(atPath: value) else {
                throw GatehouseError(.invalidRequest, "GATEHOUSE_FCM_CREDENTIALS: cannot read \(value)")
            }
            json = Array(data)
        }
        return try FCMServiceAccount(json: json, tokenURI: fcmTokenURI)
    }

    public var masterKeyPath: String { (dataDirectory as NSString).appendingPathComponent("master.key") }

    public func loadMasterKey(random: any RandomSource) throws -> [UInt8] {
        if let text = masterKeyBase64 {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32
            else { throw GatehouseError(.invalidRequest, "GATEHOUSE_MASTER_KEY must be base64 of 32 bytes") }
            return Array(data)
        }
        let fm = FileManager.default
        if let key = try Self.readKeyFile(masterKeyPath) { return key }
        try fm.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let key = random.bytes(32)
        // O_EXCL with mode 0600 at creation: the key is never readable by others, not even between a create
        // and a chmod, and two nodes starting at once cannot both write one.
        let fd = open(masterKeyPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST, let key = try Self.readKeyFile(masterKeyPath) { return key }
            throw GatehouseError(.internalError, "could not create \(masterKeyPath)")
        }
        let text = Array(Data(key).base64EncodedString().utf8)
        let written = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == text.count, synced else {
            unlink(masterKeyPath)
            throw GatehouseError(.internalError, "could not write \(masterKeyPath)")
        }
        return key
    }

    /// The key in an existing key file; nil when there is none. A file that group or others may read is
    /// refused: the key would already be exposed, and starting would hide that.
    static func readKeyFile(_ path: String) throws -> [UInt8]? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let mode = (attributes[.posixPermissions] as? Int) ?? 0o777
        guard mode & 0o077 == 0 else {
            throw GatehouseError(
                .invalidRequest,
                "\(path) is readable by group or others (mode \(String(mode & 0o777, radix: 8))); chmod 600 it, or rotate the key")
        }
        guard let data = FileManager.default.contents(atPath: path),
            let key = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
            key.count == 32
        else { throw GatehouseError(.invalidRequest, "\(path) does not hold base64 of 32 bytes") }
        return Array(key)
    }
}
