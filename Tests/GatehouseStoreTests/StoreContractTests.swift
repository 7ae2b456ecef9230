import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import Logging
import SQLKit
import Testing

/// One contract suite, run on SQLite always and on PostgreSQL when GATEHOUSE_TEST_POSTGRES_URL is set.
@Suite struct StoreContractTests {
    static var kinds: [String] { PostgresTestDatabase.baseURL == nil ? ["sqlite"] : ["sqlite", "postgres"] }
    /// The URL `withStore` opened last, for tests that open a second store on the same database.
    @TaskLocal static var currentURL: String?

    /// A store on a fresh database of `kind`, migrated through `version` (all of them by default).
    static func withStore(
        _ kind: String, migratedThrough version: Int64 = Migrator.latestVersion, _ body: (SQLStore, any Database) async throws -> Void
    ) async throws {
        let url: String
        var dir: String?
        if kind == "postgres", let base = PostgresTestDatabase.baseURL {
            url = try await PostgresTestDatabase.create(base: base)
        } else {
            let d = FileManager.default.temporaryDirectory.appendingPathComponent("gh-store-\(UUID().uuidString)").path
            dir = d
            url = "sqlite://\(d)/store.sqlite"
        }
        let logger = Logger(label: "store-test")
        let db = try await openDatabase(try DatabaseURL(url), logger: logger, options: PostgresTestDatabase.options)
        do {
            try await Migrator(database: db).migrate(through: version)
            try await $currentURL.withValue(url) { try await body(SQLStore(database: db, logger: logger), db) }
        } catch {
            await db.shutdown()
            if let dir { try? FileManager.default.removeItem(atPath: dir) }
            throw error
        }
        await db.shutdown()
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }

    static func tenant(_ store: SQLStore, name: String = "T") async throws -> Tenant {
        let now = Date(millis: Date().millis)
        let t = Tenant(
            id: UUID().uuidString.lowercased(), projectName: name, acronym: "T",
            projectApiKey: "pk_live_" + UUID().uuidString, testnetProjectApiKey: "pk_test_" + UUID().uuidString,
            createdAt: now, updatedAt: now)
        try await store.insertTenant(t)
        return t
    }

    @Test(arguments: kinds) func migrationsApplyOnceAndAreRecorded(kind: String) async throws {
        try await Self.withStore(kind) { store, db async throws in
            let migrator = Migrator(database: db)
            #expect(try await migrator.appliedVersions() == Array(1...Migrator.latestVersion))
            #expect(try await migrator.migrate() == [], "re-running is a no-op")
            #expect(try await migrator.appliedVersions() == Array(1...Migrator.latestVersion))
            #expect(await store.isReady())
        }
    }

    @Test(arguments: kinds) func tenantsRoundTrip(kind: String) async throws {
        try await Self.withStore(kind) { store, _ async throws in
            var t = try await Self.tenant(store, name: "Round Trip")
            #expect(try await store.tenant(id: t.id) == t)
            #expect(try await store.tenant(projectKey: t.projectApiKey) == t)
            #expect(try await store.tenant(projectKey: t.testnetProjectApiKey) == t)
            #expect(try await store.tenant(projectKey: "nope") == nil)
            t.loginToken = "lt"
            t.allowJWTForUnauthenticatedUsers = true
            t.stripeApiKeySealed = "v1.sealed"
            try await store.updateTenant(t)
            #expect(try await store.tenant(id: t.id) == t)
            var copy = t
            copy.projectApiKey = "pk_other"
            copy.testnetProjectApiKey = "pk_other_test"
            #expect(try await store.insertTenantIfAbsent(copy) == false)
            for i in 0..<5 { _ = try await Self.tenant(store, name: "P\(i)") }
            let first = try await store.tenants(page: PageRequest(limit: 4))
            #expect(first.items.count == 4)
            let second = try await store.tenants(page: PageRequest(limit: 4, cursor: first.nextCursor))
            #expect(second.items.count == 2)
            #expect(second.nextCursor == nil)
            #expect(Set(first.items.map(\.id)).isDisjoint(with: second.items.map(\.id)))
        }
    }

    @Test(arguments: kinds) func settingsFirstWriterWins(kind: String) async throws {
        try await Self.withStore(kind) { store, _ async throws in
            let winners = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<10 { group.addTask { try await store.insertSettingIfAbsent("k", value: "v\(i)") } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(winners.count == 1)
            #expect(try await store.setting("k") == winners.first)
            #expect(try await store.setting("missing") == nil)
        }
    }

    @Test(arguments: kinds) func externalUsersAreCreatedOnceUnderConcurrency(kind: String) async throws {
        try await Self.withStore(kind) { store, _ async throws in
            let t = try await Self.tenant(store)
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<25 {
                    group.addTask {
                        let now = Date(millis: Date().millis)
                        let u = User(
                            id: UUID().uuidString.lowercased(), tenantId: t.id, email: "a@b.c", externalIssuer: "iss",
                            externalSubject: "sub", createdAt: now, updatedAt: now)
                        return try await store.findOrCreateExternalUser(u).id
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
            let user = try #require(try await store.user(tenantId: t.id, id: ids.first!))
            #expect(user.number > 0)
            #expect(user.externalSubject == "sub")
            // Another tenant sees nothing of it.
            let other = try await Self.tenant(store)
            #expect(try await store.user(tenantId: other.id, id: user.id) == nil)
        }
    }

    @Test(arguments: kinds) func refreshTokenIsSpentExactlyOnce(kind: String) async throws {
        try await Self.withStore(kind) { store, _ async throws in
            let t = try await Self.tenant(store)
            let now = Date(millis: Date().millis)
            let s = Session(
                id: UUID().uuidString, tenantId: t.id, userId: nil, subject: "system", level: .system, amr: ["api_key"],
                createdAt: now, expiresAt: now.addingTimeInterval(3600))
            let first = RefreshTokenRecord(hash: "h0", tenantId: t.id, sessionId: s.id, createdAt: now, expiresAt: now.addingTimeInterval(60))
            let login = EventDraft(id: UUID().uuidString, type: "auth.login", subject: "system", data: "{}", at: now)
            try await store.insertSession(s, firstRefreshToken: first, event: login)
            #expect(try await store.events(tenantId: t.id, afterSequence: 0, limit: 10).map(\.type) == ["auth.login"])
            let outcomes = try await withThrowingTaskGroup(of: RefreshSpendResult.self) { group in
                for i in 0..<50 {
                    group.addTask {
                        let successor = RefreshTokenRecord(
                            hash: "h1-\(i)", tenantId: t.id, sessionId: s.id, createdAt: now, expiresAt: now.addingTimeInterval(60))
                        return try await store.spendRefreshToken(hash: "h0", at: now, successor: successor, successorSealed: "sealed-\(i)", spentBy: "client", rights: SessionRights(s), event: nil)
                    }
                }
                return try await group.reduce(into: [RefreshSpendResult]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .spent }.count == 1)
            let spent = try #require(try await store.refreshToken(hash: "h0"))
            let winner = try #require(spent.successorHash)
            #expect(try await store.refreshToken(hash: winner) != nil)
            for case .alreadySpent(let seen) in outcomes { #expect(seen.successorHash == winner) }
            #expect(
                try await store.spendRefreshToken(hash: "nope", at: now, successor: first, successorSealed: "", spentBy: "client", rights: SessionRights(s), event: nil) == .notFound)
            #expect(try await store.revokeSession(tenantId: t.id, id: s.id, at: now, reason: "test"))
            #expect(try await store.revokeSession(tenantId: t.id, id: s.id, at: now, reason: "again") == false)
            #expect(try await store.session(tenantId: t.id, id: s.id)?.revokedReason == "test")
            #expect(try await store.session(tenantId: "other", id: s.id) == nil)
        }
    }

    @Test(arguments: kinds) func auditChainIsAppendOnlyAndVerifiable(kind: String) async throws {
        try await Self.withStore(kind) { store, db async throws in
            let t = try await Self.tenant(store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<30 {
                    group.addTask {
                        _ = try await store.appendEvent(
                            tenantId: t.id, id: UUID().uuidString, type: "test.\(i)", subject: nil, data: "{}", at: Date())
                    }
                }
                try await group.waitForAll()
            }
            let events = try await store.events(tenantId: t.id, afterSequence: 0, limit: 100)
            #expect(events.map(\.sequence) == Array(1...30))
            let recorder = EventRecorder(store: store, clock: SystemClock(), random: SystemRandomSource())
            #expect(try await recorder.verifyChain(tenantId: t.id) == nil)
            // The database itself refuses to rewrite history.
            await #expect(throws: (any Error).self) {
                try await db.write { db in try await db.raw("UPDATE events SET type = 'forged' WHERE seq = 3").run() }
            }
            await #expect(throws: (any Error).self) {
                try await db.write { db in try await db.raw("DELETE FROM events WHERE seq = 3").run() }
            }
        }
    }

    /// Sessions inserted concurrently, each with its login event: every session and every event kept, the chain intact.
    @Test(arguments: kinds) func sessionsAndTheirEventsCommitTogether(kind: String) async throws {
        try await Self.withStore(kind) { store, _ async throws in
            let t = try await Self.tenant(store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        let now = Date(millis: Date().millis)
                        let s = Session(
                            id: "s\(i)", tenantId: t.id, userId: nil, subject: "x", level: .external, amr: ["ext"],
                            createdAt: now, expiresAt: now.addingTimeInterval(60))
                        let r = RefreshTokenRecord(hash: "r\(i)", tenantId: t.id, sessionId: s.id, createdAt: now, expiresAt: now.addingTimeInterval(60))
                        let e = EventDraft(id: "e\(i)", type: "auth.login", subject: s.id, data: "{}", at: now)
                        try await store.insertSession(s, firstRefreshToken: r, event: e)
                    }
                }
                try await group.waitForAll()
            }
            let events = try await store.events(tenantId: t.id, afterSequence: 0, limit: 100)
            #expect(events.count == 20)
            #expect(Set(events.compactMap(\.subject)) == Set((0..<20).map { "s\($0)" }))
            for i in 0..<20 { #expect(try await store.session(tenantId: t.id, id: "s\(i)") != nil) }
            let recorder = EventRecorder(store: store, clock: SystemClock(), random: SystemRandomSource())
            #expect(try await recorder.verifyChain(tenantId: t.id) == nil)
        }
    }

    /// Two stores (two nodes) on one database append to one chain, concurrently and in turns: each keeps a
    /// stale idea of the chain head most of the time, and the chain must still come out dense and intact.
    @Test(arguments: kinds) func twoNodesShareOneChain(kind: String) async throws {
        try await Self.withStore(kind) { a, db async throws in
            let t = try await Self.tenant(a)
            let url = try #require(Self.currentURL)
            let otherDB = try await openDatabase(try DatabaseURL(url), logger: Logger(label: "b"), options: PostgresTestDatabase.options)
            let b = SQLStore(database: otherDB, logger: Logger(label: "b"))
            do {
                func append(_ store: SQLStore, _ i: Int) async throws {
                    let now = Date(millis: Date().millis)
                    if i % 3 == 0 {
                        _ = try await store.appendEvent(tenantId: t.id, id: "e\(i)", type: "t", subject: nil, data: "{}", at: now)
                    } else {
                        let s = Session(id: "s\(i)", tenantId: t.id, userId: nil, subject: "x", level: .external, amr: [], createdAt: now, expiresAt: now)
                        try await store.insertSession(s, firstRefreshToken: nil, event: EventDraft(id: "e\(i)", type: "login", subject: nil, data: "{}", at: now))
                    }
                }
                for i in 0..<10 { try await append(i % 2 == 0 ? a : b, i) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 10..<40 { group.addTask { try await append(i % 2 == 0 ? a : b, i) } }
                    try await group.waitForAll()
                }
                let events = try await a.events(tenantId: t.id, afterSequence: 0, limit: 100)
                #expect(events.map(\.sequence) == Array(1...40))
                let recorder = EventRecorder(store: b, clock: SystemClock(), random: SystemRandomSource())
                #expect(try await recorder.verifyChain(tenantId: t.id) == nil)
            } catch {
                await otherDB.shutdown()
                throw error
            }
            await otherDB.shutdown()
            _ = db
        }
    }

    @Test(arguments: kinds) func purgeRemovesOnlyWhatIsDead(kind: String) async throws {
        try await Self.withStore(kind) { store, _ async throws in
            let t = try await Self.tenant(store)
            let now = Date(millis: Date().millis)
            let old = now.addingTimeInterval(-3 * 24 * 3600)
            func session(_ id: String, expires: Date, revoked: Date? = nil) async throws {
                let s = Session(id: id, tenantId: t.id, userId: nil, subject: "x", level: .system, amr: [], createdAt: old, expiresAt: expires, revokedAt: revoked)
                let r = RefreshTokenRecord(hash: "rt-\(id)", tenantId: t.id, sessionId: id, createdAt: old, expiresAt: expires)
                try await store.insertSession(s, firstRefreshToken: r, event: nil)
                if let revoked { _ = try await store.revokeSession(tenantId: t.id, id: id, at: revoked, reason: "t") }
            }
            try await session("expired", expires: old)
            try await session("revoked", expires: now.addingTimeInterval(3600), revoked: old)
            try await session("live", expires: now.addingTimeInterval(3600))
            try await session("revoked-just-now", expires: now.addingTimeInterval(3600), revoked: now)
            let removed = try await store.purge(before: now.addingTimeInterval(-24 * 3600), now: now)
            #expect(removed == 4, "two sessions and their two refresh tokens")
            #expect(try await store.session(tenantId: t.id, id: "expired") == nil)
            #expect(try await store.session(tenantId: t.id, id: "revoked") == nil)
            #expect(try await store.session(tenantId: t.id, id: "live") != nil)
            #expect(try await store.session(tenantId: t.id, id: "revoked-just-now") != nil, "kept a day for its reuse story")
            #expect(try await store.refreshToken(hash: "rt-live") != nil)
        }
    }

    /// The denylist of revoked client tokens: a jti once per tenant, and only unexpired rows listed.
    @Test(arguments: kinds) func revokedTokensAreListedUntilTheyExpire(kind: String) async throws {
        try await Self.withStore(kind) { store, _ in
            let t = try await Self.tenant(store)
            let now = Date(millis: Date().millis)
            #expect(try await store.insertRevokedToken(tenantId: t.id, jti: "live", expiresAt: now.addingTimeInterval(60)))
            #expect(try await !store.insertRevokedToken(tenantId: t.id, jti: "live", expiresAt: now.addingTimeInterval(60)))
            #expect(try await store.insertRevokedToken(tenantId: t.id, jti: "dead", expiresAt: now.addingTimeInterval(-1)))
            let listed = try await store.revokedTokens(now: now, limit: 10)
            #expect(listed.map(\.jti) == ["live"] && listed.map(\.tenantId) == [t.id])
            #expect(try await store.isTokenRevoked(tenantId: t.id, jti: "live"))
            #expect(try await store.revokedTokens(now: now, limit: 0).isEmpty)
        }
    }

    /// RFC 6749 §4.1.2: a code is spent by exactly one session, atomically with that session's insert; a
    /// second session naming it is not written at all.
    @Test(arguments: kinds) func anAuthorizationCodeIsSpentByOneSessionOnly(kind: String) async throws {
        try await Self.withStore(kind) { store, _ in
            let t = try await Self.tenant(store)
            let now = Date(millis: Date().millis)
            let code = AuthorizationCode(
                hash: "h1", tenantId: t.id, clientId: "ghc_a", userId: "u1", browserSessionId: "b1", redirectURI: "https://a.example/cb",
                codeChallenge: "c", scopes: ["openid", "email"], nonce: "n", authTime: now, amr: ["pwd", "otp"], createdAt: now,
                expiresAt: now.addingTimeInterval(60))
            try await store.insertAuthorizationCode(code)
            #expect(try await store.authorizationCode(tenantId: t.id, hash: "h1") == code)
            #expect(try await store.authorizationCode(tenantId: "another", hash: "h1") == nil)
            func session(_ id: String) -> Session {
                Session(
                    id: id, tenantId: t.id, userId: nil, subject: "u1", level: .user, amr: ["pwd"], createdAt: now,
                    expiresAt: now.addingTimeInterval(3600), clientId: "ghc_a")
            }
            let spend = SessionPrecondition.spendAuthorizationCode(tenantId: t.id, hash: "h1", at: now)
            try await store.insertSession(session("s1"), firstRefreshToken: nil, event: nil, preconditions: [spend])
            await #expect(throws: SessionPreconditionFailed.self) {
                try await store.insertSession(session("s2"), firstRefreshToken: nil, event: nil, preconditions: [spend])
            }
            #expect(try await store.session(tenantId: t.id, id: "s2") == nil)
            #expect(try await store.session(tenantId: t.id, id: "s1")?.clientId == "ghc_a")
            let used = try #require(try await store.authorizationCode(tenantId: t.id, hash: "h1"))
            #expect(used.usedAt == now && used.issuedSessionId == "s1")
        }
    }

    @Test(arguments: kinds) func membershipsAndAdmins(kind: String) async throws {
        try await Self.withStore(kind) { store, _ async throws in
            let t = try await Self.tenant(store)
            let now = Date(millis: Date().millis)
            let u = try await store.insertUser(User(id: UUID().uuidString.lowercased(), tenantId: t.id, username: "Alice", createdAt: now, updatedAt: now))
            #expect(try await store.user(tenantId: t.id, username: "alice")?.id == u.id)
            await #expect(throws: GatehouseError.self) {
                _ = try await store.insertUser(User(id: UUID().uuidString, tenantId: t.id, username: "ALICE", createdAt: now, updatedAt: now))
            }
            let b = Business(id: UUID().uuidString.lowercased(), tenantId: t.id, name: "Shop", createdAt: now)
            try await store.insertBusiness(b)
            #expect(try await store.insertMembership(Membership(tenantId: t.id, businessId: b.id, userId: u.id, role: "owner", createdAt: now)))
            #expect(try await store.insertMembership(Membership(tenantId: t.id, businessId: b.id, userId: u.id, role: "viewer", createdAt: now)) == false)
            #expect(try await store.membershipOptions(tenantId: t.id, userId: u.id) == [MembershipOption(businessId: b.id, name: "Shop", role: "owner")])
            #expect(try await store.deleteBusiness(tenantId: t.id, id: b.id))
            #expect(try await store.membershipOptions(tenantId: t.id, userId: u.id).isEmpty)
            #expect(try await store.insertTenantAdmin(TenantAdmin(tenantId: t.id, userId: u.id, createdAt: now)))
            #expect(try await store.isTenantAdmin(tenantId: t.id, userId: u.id))
            #expect(try await store.deleteTenantAdmin(tenantId: t.id, userId: u.id))
            #expect(try await store.isTenantAdmin(tenantId: t.id, userId: u.id) == false)
        }
    }
}
