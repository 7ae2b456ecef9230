import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseOutbound
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@Suite struct PushTests {
    static func pointing(at fake: FakeFCM) -> @Sendable (inout ServerConfiguration) -> Void {
        { c in
            c.fcmCredentials = fake.credentialsJSON
            c.fcmBaseURL = fake.baseURL
            c.fcmTokenURI = fake.tokenURI
        }
    }

    /// A fake FCM, a server pointed at it, and a signed-in user whose device has the FCM token `token`.
    static func withPushingUser(
        kind: String = "sqlite", token: String,
        _ body: @Sendable (FakeFCM, Harness, PushDispatcher, Harness.TenantSetup, DeviceUser) async throws -> Void
    ) async throws {
        try await FakeFCM.run { fake in
            try await withHarness(kind: kind, configure: Self.pointing(at: fake)) { h in
                let dispatcher = try #require(h.runtime.push)
                let t = try await h.createTenant()
                let user = try await DeviceUser.make(h, t)
                try await Self.setToken(h, user, token)
                try await body(fake, h, dispatcher, t, user)
            }
        }
    }

    static func setToken(_ h: Harness, _ user: DeviceUser, _ token: String) async throws {
        let r = try await h.call(
            .put, "/auth/biometric/devices/fcm-token", headers: user.bearer,
            json: .object(["deviceId": .string(user.deviceId), "fcmToken": .string(token)]))
        #expect(r.status == 200, "\(r.text)")
    }

    @Test(arguments: TestDatabase.kinds)
    func deliversToEveryActiveDeviceWithAToken(kind: String) async throws {
        try await Self.withPushingUser(kind: kind, token: "tok-phone") { fake, h, dispatcher, t, user in
            // A second device without a token and a third one deactivated get nothing.
            let tablet = try await DeviceUser.register(h, bearer: user.bearer, signer: .es256(), fingerprint: "tablet")
            let old = try await DeviceUser.register(h, bearer: user.bearer, signer: .es256(), fingerprint: "old")
            _ = try await h.call(
                .put, "/auth/biometric/devices/fcm-token", headers: user.bearer,
                json: .object(["deviceId": .string(old), "fcmToken": "tok-old"]))
            _ = try await h.call(.delete, "/auth/biometric/devices/\(old)", headers: user.bearer)
            _ = tablet
            // The phone heard of both enrolments (StepUpTests looks at those messages).
            #expect(try await dispatcher.runOnce() == 2)
            fake.delivered.withLock { $0.removeAll() }
            fake.attempts.withLock { $0.removeAll() }
            let exchanged = fake.issuedTokens.withLock { $0.count }

            let (id, _) = try await ConfirmationTests.create(h, user, type: "wire_transfer")
            #expect(try await dispatcher.runOnce() == 1)
            let delivered = fake.delivered.withLock { $0 }
            #expect(delivered.count == 1)
            #expect(delivered.first?.token == "tok-phone")
            #expect(delivered.first?.data["confirmationId"] == id)
            #expect(delivered.first?.data["actionType"] == "wire_transfer")
            #expect(fake.violations.withLock { $0 } == [])
            // Acknowledged once, never sent again (ten minutes on: well past any lease or back-off).
            h.clock.advance(by: 600)
            #expect(try await dispatcher.runOnce() == 0)
            #expect(fake.attempts.withLock { $0.count } == 1)
            #expect(try await h.engine.store.pushCounts() == ["sent": 3])
            // The access token is reused while it is valid: one exchange for two sends.
            _ = try await ConfirmationTests.create(h, user)
            #expect(try await dispatcher.runOnce() == 1)
            #expect(fake.issuedTokens.withLock { $0.count } == exchanged, "no new exchange for the later sends")
        }
    }

    @Test func retriesAfterA500WithBackOff() async throws {
        try await Self.withPushingUser(token: "flaky-1") { fake, h, dispatcher, t, user in
            _ = try await ConfirmationTests.create(h, user)
            #expect(try await dispatcher.runOnce() == 1)
            #expect(fake.delivered.withLock { $0.isEmpty }, "the first try failed with 500")
            // Not due again until the back-off has passed.
            #expect(try await dispatcher.runOnce() == 0)
            h.clock.advance(by: PushDispatcher.backoff(afterAttempts: 1) + 0.5)
            #expect(try await dispatcher.runOnce() == 1)
            #expect(fake.delivered.withLock { $0.map(\.token) } == ["flaky-1"])
            #expect(try await h.engine.store.pushCounts() == ["sent": 1])
            #expect(fake.violations.withLock { $0 } == [])
        }
        #expect(PushDispatcher.backoff(afterAttempts: 1) == 2)
        #expect(PushDispatcher.backoff(afterAttempts: 2) == 4)
        #expect(PushDispatcher.backoff(afterAttempts: 30) == 600)
    }

    @Test func unregisteredClearsTheToken() async throws {
        try await Self.withPushingUser(token: "gone-1") { fake, h, dispatcher, t, user in
            _ = try await ConfirmationTests.create(h, user)
            #expect(try await dispatcher.runOnce() == 1)
            let list = try await h.call(.get, "/auth/biometric/devices", headers: user.bearer)
            #expect(list.json?.arrayValue?.first?.objectValue?["fcmToken"] == .null, "\(list.text)")
            #expect(try await h.engine.store.pushCounts() == ["dropped": 1])
            // The next confirmation has no one to push to.
            _ = try await ConfirmationTests.create(h, user)
            #expect(try await dispatcher.runOnce() == 0)
            #expect(fake.attempts.withLock { $0 } == ["gone-1"])
        }
    }

    @Test(arguments: TestDatabase.kinds)
    func survivesARestartBetweenEnqueueAndSend(kind: String) async throws {
        try await FakeFCM.run { fake in
            var (configuration, dir) = try await TestDatabase.configuration(kind: kind)
            Self.pointing(at: fake)(&configuration)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let clock = ManualClock(Date())
            let logs = LogCollector()
            let first = try await GatehouseRuntime.open(
                configuration: configuration, clock: clock, jwksFetcher: NoNetworkFetcher(), logger: logs.logger)
            let router = buildRouter(engine: first.engine, metrics: first.metrics)
            let confirmationId = try await Application(router: router, logger: logs.logger).test(.router) { client in
                let h = Harness(runtime: first, clock: clock, client: client, logs: logs, routes: [], documented: DocumentedStatuses(first.engine, first.metrics))
                let t = try await h.createTenant()
                let user = try await DeviceUser.make(h, t)
                try await Self.setToken(h, user, "tok-restart")
                return try await ConfirmationTests.create(h, user).id
            }
            // The process stops before its dispatcher ran.
            await first.shutdown()
            #expect(fake.attempts.withLock { $0.isEmpty })

            let second = try await GatehouseRuntime.open(
                configuration: configuration, clock: clock, jwksFetcher: NoNetworkFetcher(), logger: logs.logger)
            let dispatcher = try #require(second.push)
            #expect(try await dispatcher.runOnce() == 1)
            #expect(try await dispatcher.runOnce() == 0)
            clock.advance(by: 3600)
            #expect(try await dispatcher.runOnce() == 0)
            #expect(fake.delivered.withLock { $0.map(\.data["confirmationId"]) } == [confirmationId])
            #expect(try await second.engine.store.pushCounts() == ["sent": 1])
            await second.shutdown()
        }
    }

    @Test func twoDispatchersNeverSendTheSameMessageTwice() async throws {
        try await Self.withPushingUser(token: "tok-race") { fake, h, dispatcher, t, user in
            for _ in 0..<40 { _ = try await ConfirmationTests.create(h, user) }
            async let a = dispatcher.runOnce(limit: 7)
            async let b = dispatcher.runOnce(limit: 7)
            async let c = dispatcher.runOnce(limit: 7)
            let claimed = try await a + b + c
            while try await dispatcher.runOnce() > 0 {}
            #expect(claimed == 21)
            #expect(fake.attempts.withLock { $0.count } == 40, "each message sent exactly once")
            #expect(try await h.engine.store.pushCounts() == ["sent": 40])
        }
    }

    /// The real background service: the server started as `serve` starts it pushes on its own.
    @Test func backgroundServiceDelivers() async throws {
        try await FakeFCM.run { fake in
            var (configuration, dir) = try await TestDatabase.configuration(kind: "sqlite")
            Self.pointing(at: fake)(&configuration)
            configuration.port = 0
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let logs = LogCollector()
            let runtime = try await GatehouseRuntime.open(
                configuration: configuration, jwksFetcher: NoNetworkFetcher(), logger: logs.logger)
            let app = buildApplication(runtime: runtime, configuration: configuration, logger: logs.logger)
            try await app.test(.live) { client in
                let h = Harness(runtime: runtime, clock: ManualClock(), client: client, logs: logs, routes: [], documented: DocumentedStatuses(runtime.engine, runtime.metrics))
                let t = try await h.createTenant()
                let user = try await DeviceUser.make(h, t)
                try await Self.setToken(h, user, "tok-live")
                let (id, _) = try await ConfirmationTests.create(h, user)
                // Wait (up to 10 s) for the service to deliver; the confirmation wakes it at once.
                for _ in 0..<200 where fake.delivered.withLock({ $0.isEmpty }) {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(fake.delivered.withLock { $0.map(\.data["confirmationId"]) } == [id])
            }
        }
    }

    /// Without credentials: nothing is queued, and the server says once that pushes are off.
    @Test func withoutCredentialsPushesAreSkippedAndLoggedOnce() async throws {
        var (configuration, dir) = try await TestDatabase.configuration(kind: "sqlite")
        configuration.port = 0
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logs = LogCollector()
        let runtime = try await GatehouseRuntime.open(configuration: configuration, jwksFetcher: NoNetworkFetcher(), logger: logs.logger)
        #expect(runtime.push == nil)
        let app = buildApplication(runtime: runtime, configuration: configuration, logger: logs.logger)
        try await app.test(.live) { client in
            let h = Harness(runtime: runtime, clock: ManualClock(), client: client, logs: logs, routes: [], documented: DocumentedStatuses(runtime.engine, runtime.metrics))
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)
            try await Self.setToken(h, user, "tok-nowhere")
            _ = try await ConfirmationTests.create(h, user)
            _ = try await ConfirmationTests.create(h, user)
            #expect(try await runtime.engine.store.pushCounts() == [:], "nothing queued that nothing would send")
        }
        let notices = logs.lines.withLock { $0.filter { $0.contains("push delivery is off") } }
        #expect(notices.count == 1, "\(notices)")
    }

    @Test func badCredentialsAreRefusedAtStart() async throws {
        for (json, why) in [
            ("{", "not JSON"), (#"{"project_id":"p"}"#, "missing fields"),
            (#"{"project_id":"p","client_email":"e","private_key":"nope","token_uri":"u"}"#, "not a PEM key"),
            ("/nonexistent/credentials.json", "missing file"),
        ] {
            var c = ServerConfiguration()
            c.fcmCredentials = json
            #expect(throws: GatehouseError.self, "\(why)") { try c.fcmAccount() }
        }
        var none = ServerConfiguration()
        none.fcmCredentials = nil
        #expect(try none.fcmAccount() == nil)
    }
}
