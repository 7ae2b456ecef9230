import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseOutbound
import GatehouseStore
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// Everything `serve` needs, opened and migrated. Tests build the same thing on a temporary database.
public struct GatehouseRuntime: Sendable {
    public let engine: Engine
    public let metrics: GatehouseMetrics
    public let database: any Database
    public let generatedSystemKey: String?
    /// The outbox dispatcher when FCM credentials are configured.
    public let push: PushDispatcher?
    /// The webhook outbox's dispatcher (always on: a tenant without webhooks queues nothing).
    public let webhooks: WebhookDispatcher
    let cpu: ThreadPoolCPUWork

    public static func open(
        configuration: ServerConfiguration, clock: any GatehouseClock = SystemClock(),
        random: any RandomSource = SystemRandomSource(), jwksFetcher: (any JWKSFetcher)? = nil,
        logger: Logger
    ) async throws -> GatehouseRuntime {
        let database = try await openDatabase(try DatabaseURL(configuration.databaseURL), logger: logger, options: configuration.database)
        do {
            try await Migrator(database: database).migrate()
            let masterKey = try configuration.loadMasterKey(random: random)
            let metrics = GatehouseMetrics()
            let cpu = ThreadPoolCPUWork()
            let account = try configuration.fcmAccount()
            var engineConfig = configuration.engine
            engineConfig.pushEnabled = account != nil
            let store = SQLStore(database: database, logger: logger)
            let engine = try Engine(
                store: store, config: engineConfig, masterKey: masterKey,
                jwksFetcher: jwksFetcher ?? HTTPJWKSFetcher(policy: configuration.engine.outbound), cpuPool: cpu,
                clock: clock, random: random, observer: metrics, logger: logger)
            let (_, generated) = try await engine.bootstrap()
            let push = account.map {
                PushDispatcher(
                    store: store, clock: clock,
                    transport: FCMTransport(account: $0, baseURL: configuration.fcmBaseURL, clock: clock), logger: logger)
            }
            let webhooks = WebhookDispatcher(
                engine: engine,
                transport: HTTPWebhookTransport(
                    timeout: .milliseconds(Int64(configuration.webhookTimeout * 1000)),
                    policy: OutboundPolicy(allowPrivate: configuration.engine.webhookAllowPrivate)),
                retryBase: configuration.webhookRetryBase, lease: configuration.webhookTimeout * 2 + 5)
            let runtime = GatehouseRuntime(
                engine: engine, metrics: metrics, database: database, generatedSystemKey: generated, push: push, webhooks: webhooks,
                cpu: cpu)
            await runtime.warnAboutProvidersWithoutAudience()
            return runtime
        } catch {
            await database.shutdown()
            throw error
        }
    }

    /// Names, at every start, each identity provider stored before an audience was required: it refuses
    /// every token until an admin sets one (`PATCH /v2/identity-providers/{id}`).
    public func warnAboutProvidersWithoutAudience() async {
        guard let providers = try? await engine.store.identityProvidersWithoutAudience() else { return }
        for p in providers {
            engine.logger.warning(
                "identity provider has no audience and refuses every token until an admin sets one",
                metadata: ["tenant": "\(p.tenantId)", "provider": "\(p.id)", "issuer": "\(p.issuer)"])
        }
    }

    public func shutdown() async {
        try? await engine.apiKeys.lastUsed.flush()
        try? await engine.tenantKeys.lastUsed.flush()
        try? await engine.devices.lastUsed.flush()
        await webhooks.transport.shutdown()
        await cpu.shutdown()
        await database.shutdown()
    }
}

/// Background upkeep: writes batched API-key `lastUsed` every few seconds, purges dead sessions, tokens,
/// challenges and counters every ten minutes (a day after they died); after the server has drained
/// (graceful shutdown on SIGTERM) flushes once more and closes the database.
struct MaintenanceService: Service {
    let runtime: GatehouseRuntime
    func run() async throws {
        var ticks = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
            try? await runtime.engine.apiKeys.lastUsed.flush()
            try? await runtime.engine.tenantKeys.lastUsed.flush()
            try? await runtime.engine.devices.lastUsed.flush()
            ticks += 1
            if ticks % 300 == 1 {
                let now = runtime.engine.clock.now
                _ = try? await runtime.engine.store.purge(before: now.addingTimeInterval(-24 * 3600), now: now)
            }
            if ticks % 3600 == 2 { _ = try? await runtime.engine.pruneEvents() }
        }
        await runtime.shutdown()
    }
}

/// `tls`: the server's own TLS, when `--tls-cert`/`--tls-key` are given (loaded by the caller, so that a bad
/// pair stops `serve` before it listens).
public func buildApplication(
    runtime: GatehouseRuntime, configuration: ServerConfiguration, tls: TLSContextStore? = nil, logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(
        engine: runtime.engine, metrics: runtime.metrics, trustedProxies: configuration.trustedProxies,
        strictTransport: tls != nil)
    let limits = configuration.connections
    let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [ConnectionDeadlineHandler(limits: limits)])
    let server: HTTPServerBuilder =
        if let tls {
            HTTPServerBuilder { responder in ReloadingTLSChannel(base: HTTP1Channel(responder: responder, configuration: http1), store: tls) }
        } else {
            .http1(configuration: http1)
        }
    var services: [any Service] = [
        MaintenanceService(runtime: runtime), PushService(runtime: runtime, logger: logger),
        WebhookDeliveryService(runtime: runtime, enabled: configuration.webhookDispatch, logger: logger),
    ]
    if let tls { services.append(TLSReloadService(store: tls, logger: logger)) }
    return Application(
        router: router,
        server: server,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "gatehouse", backlog: 1024,
            availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
        services: services,
        logger: logger)
}
