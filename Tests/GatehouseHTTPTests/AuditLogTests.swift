import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import GatehouseServer
import GatehouseStore
import HTTPTypes
import SQLKit
import Testing

/// Issue 15, item 5 (the part built so far): `/v2/events` filters and `GET /v2/events/verify`, sharing the
/// chain walk with `gatehouse events verify`.
@Suite struct AuditLogTests {
    static func types(_ r: Reply) -> [String] { (r["data"]?.arrayValue ?? []).compactMap { $0.objectValue?["type"]?.stringValue } }

    @Test(arguments: TestDatabase.kinds) func theLogIsFilteredByTypePrefixUserAndTime(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let janeId = try await ClassicAPITests.user(h, tenant: t)
            #expect(try await ClassicAPITests.login(h, headers: t.headers).status == 200)
            #expect(try await ClassicAPITests.login(h, "jane.doe", "wrong password", headers: t.headers).status == 401)
            let before = h.clock.now
            h.clock.advance(by: 60)
            _ = try await h.post("/v2/businesses", .object(["name": "Later"]), headers: t.admin)

            let logins = try await h.call(.get, "/v2/events?type=login.", headers: t.admin)
            #expect(Self.types(logins) == ["login.succeeded", "login.failed"], "\(logins.text)")
            let methods = (logins["data"]?.arrayValue ?? []).compactMap { $0.objectValue?["data"]?.objectValue?["method"]?.stringValue }
            #expect(methods == ["password", "password"], "\(logins.text)")
            #expect(Self.types(try await h.call(.get, "/v2/events?type=login.failed", headers: t.admin)) == ["login.failed"])
            // '_' is no wildcard: "user.role_" names no user.created.
            #expect(Self.types(try await h.call(.get, "/v2/events?type=user.role_", headers: t.admin)).isEmpty)
            #expect(Self.types(try await h.call(.get, "/v2/events?type=user.", headers: t.admin)) == ["user.created"])
            let jane = try await h.call(.get, "/v2/events?userId=\(janeId)", headers: t.admin)
            #expect((jane["data"]?.arrayValue ?? []).allSatisfy { $0.objectValue?["subject"]?.stringValue == janeId } && !Self.types(jane).isEmpty)
            let later = try await h.call(.get, "/v2/events?since=\(before.addingTimeInterval(1).rfc3339)", headers: t.admin)
            #expect(Self.types(later) == ["business.created"], "\(later.text)")
            let earlier = try await h.call(.get, "/v2/events?until=\(before.rfc3339)&type=business.", headers: t.admin)
            #expect(Self.types(earlier).isEmpty)
            for bad in ["type=Auth", "type=a%25", "userId=x", "since=yesterday", "until=2026-13-01T00:00:00Z", "cursor=-1"] {
                #expect(try await h.call(.get, "/v2/events?\(bad)", headers: t.admin).status == 400, "\(bad)")
            }
        }
    }

    /// Stored events are never rewritten: rows written under the names used before the catalog keep them
    /// (and still verify) but read, filter and reach webhooks under today's names.
    @Test(arguments: TestDatabase.kinds) func olderNamesReadAsTodaysThroughTheAliases(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            for old in ["auth.login", "auth.otp_failed", "refresh.reuse_detected", "auth.logout"] {
                _ = try await h.engine.store.appendEvent(tenantId: t.id, id: UUID().uuidString, type: old, subject: "u1", data: "{}", at: h.clock.now)
            }
            #expect(try await ClassicAPITests.login(h, "nobody", "wrong password", headers: t.headers).status == 401)
            let stored = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 100).map(\.type)
            #expect(stored.contains("auth.otp_failed") && stored.contains("login.failed"), "the old rows are untouched: \(stored)")

            let logins = try await h.call(.get, "/v2/events?type=login.", headers: t.admin)
            #expect(Self.types(logins) == ["login.succeeded", "login.failed", "login.failed"], "\(logins.text)")
            #expect(Self.types(try await h.call(.get, "/v2/events?type=login.failed", headers: t.admin)) == ["login.failed", "login.failed"])
            // An old whole name asked for is the type it became.
            #expect(Self.types(try await h.call(.get, "/v2/events?type=refresh.reuse_detected", headers: t.admin)) == ["token.reuse_detected"])
            #expect(Self.types(try await h.call(.get, "/v2/events?type=token.", headers: t.admin)) == ["token.reuse_detected"])
            #expect(Self.types(try await h.call(.get, "/v2/events?type=session.logged_out", headers: t.admin)) == ["session.logged_out"])
            #expect(Self.types(try await h.call(.get, "/v2/events?type=auth.", headers: t.admin)).isEmpty, "no type reads as auth.* today")
            #expect(Self.types(try await h.call(.get, "/v2/events?type=refresh.", headers: t.admin)).isEmpty)
            let all = Self.types(try await h.call(.get, "/v2/events?limit=200", headers: t.admin))
            #expect(!all.contains { EventType(rawValue: $0) == nil }, "every type read is in the catalog: \(all)")
            let verdict = try await h.call(.get, "/v2/events/verify", headers: t.admin)
            #expect(verdict["intact"] == .bool(true), "\(verdict.text)")
        }
    }

    /// A row changed behind the server's back (the append-only trigger set aside, as a database superuser
    /// could) is found, with its position.
    @Test(arguments: TestDatabase.kinds) func aTamperedRowIsReportedWhereItIs(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            for name in ["One", "Two", "Three"] { _ = try await h.post("/v2/businesses", .object(["name": .string(name)]), headers: t.admin) }
            let intact = try await h.call(.get, "/v2/events/verify", headers: t.admin)
            #expect(intact["intact"] == .bool(true) && intact["brokenAt"] == .null, "\(intact.text)")
            let target = try #require((try await h.call(.get, "/v2/events?type=business.", headers: t.admin)["data"]?.arrayValue)?[1].objectValue)
            let seq = try #require(target["sequence"]?.numberValue)
            let kind = h.runtime.database.kind
            try await h.runtime.database.transaction { db in
                if kind == .sqlite {
                    try await db.raw("DROP TRIGGER events_no_update").run()
                } else {
                    try await db.raw("ALTER TABLE events DISABLE TRIGGER events_no_change").run()
                }
                try await db.raw(
                    "UPDATE events SET data = '{\"forged\":true}' WHERE tenant_id = \(bind: t.id) AND seq = \(bind: Int64(seq))"
                ).run()
            }
            let broken = try await h.call(.get, "/v2/events/verify", headers: t.admin)
            #expect(broken["intact"] == .bool(false) && broken["brokenAt"] == .number(seq), "\(broken.text)")
        }
    }

    /// Retention: events older than GATEHOUSE_EVENT_RETENTION_DAYS are pruned behind a checkpoint; the rest
    /// of the chain still verifies from it; the database refuses deleting anything above a checkpoint, and
    /// a checkpoint no checkpoint event vouches for breaks the chain.
    @Test(arguments: TestDatabase.kinds) func pruningKeepsTheChainVerifiableFromItsCheckpoint(kind: String) async throws {
        try await withHarness(kind: kind, configure: { $0.engine.eventRetention = 30 * 86_400 }) { h in
            let t = try await h.createTenant()
            for name in ["Old one", "Old two"] { _ = try await h.post("/v2/businesses", .object(["name": .string(name)]), headers: t.admin) }
            h.clock.advance(by: 31 * 86_400)
            _ = try await h.post("/v2/businesses", .object(["name": "Recent"]), headers: t.admin)
            let before = try await h.call(.get, "/v2/events?limit=200", headers: t.admin)["data"]?.arrayValue ?? []
            #expect(try await h.engine.pruneEvents() >= 3)
            #expect(try await h.engine.pruneEvents() == 0, "nothing more is old enough")
            let after = try await h.call(.get, "/v2/events?limit=200", headers: t.admin)["data"]?.arrayValue ?? []
            #expect(Self.typesOf(after) == ["business.created", "audit.checkpoint"], "\(Self.typesOf(after)) of \(Self.typesOf(before))")
            let checkpoint = try #require(after.last?.objectValue)
            let through = try #require(checkpoint["data"]?.objectValue?["prunedThrough"]?.numberValue)
            #expect(after.first?.objectValue?["sequence"] == .number(through + 1))
            let verdict = try await h.call(.get, "/v2/events/verify", headers: t.admin)
            #expect(verdict["intact"] == .bool(true) && verdict["checkpoint"] == .number(through), "\(verdict.text)")

            // The trigger admits deletes at or below a checkpoint only.
            let kind = h.runtime.database.kind
            await #expect(throws: (any Error).self) {
                try await h.runtime.database.transaction { db in
                    try await db.raw("DELETE FROM events WHERE tenant_id = \(bind: t.id) AND seq = \(bind: Int64(through + 1))").run()
                }
            }
            // A forged checkpoint (written behind the server's back) that no checkpoint event vouches for:
            // the chain is reported broken.
            try await h.runtime.database.transaction { db in
                try await db.raw(
                    "INSERT INTO event_checkpoints (tenant_id, through_seq, hash, created_at) VALUES (\(bind: t.id), \(bind: Int64(through + 1)), 'forged', 0)"
                ).run()
            }
            let forged = try await h.call(.get, "/v2/events/verify", headers: t.admin)
            #expect(forged["intact"] == .bool(false), "\(forged.text) (\(kind))")
        }
    }

    /// Every event names who acted and in which request, and that context is inside its hash (version 2).
    @Test(arguments: TestDatabase.kinds) func eventsCarryTheirActorAndRequestInsideTheHash(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let admin = try Harness.subject(of: t.adminJWT)
            var headers = t.admin
            headers["user-agent"] = "audit-test/1.0"
            _ = try await h.post("/v2/businesses", .object(["name": "By the admin"]), headers: headers)
            let key = try #require(try await h.call(.post, "/v2/api-keys", headers: t.admin, json: ["permissions": ["users:write"]]).string("apiKey"))
            let keyId = try #require(try await h.call(.get, "/v2/api-keys", headers: t.admin)["data"]?.arrayValue?.first?.objectValue?["keyId"]?.stringValue)
            _ = try await h.post("/v2/users", .object(["username": "made-by-a-key"]), headers: ["x-api-key": key])

            let byAdmin = try await h.call(.get, "/v2/events?actor=user:\(admin)&type=business.", headers: t.admin)
            let event = try #require(byAdmin["data"]?.arrayValue?.first?.objectValue)
            #expect(event["actor"]?.stringValue == "user:\(admin)" && event["userAgent"] == "audit-test/1.0", "\(event)")
            #expect(event["requestId"]?.stringValue?.isEmpty == false && event["hashVersion"] == .number(2))
            let byKey = try await h.call(.get, "/v2/events?actor=api_key:\(keyId)", headers: t.admin)
            #expect(Self.types(byKey) == ["user.created"], "\(byKey.text)")

            // The actor is inside the hash: changing it behind the triggers breaks the chain there.
            let seq = try #require(event["sequence"]?.numberValue)
            try await h.runtime.database.transaction { db in
                if h.runtime.database.kind == .sqlite {
                    try await db.raw("DROP TRIGGER events_no_update").run()
                } else {
                    try await db.raw("ALTER TABLE events DISABLE TRIGGER events_no_change").run()
                }
                try await db.raw("UPDATE events SET actor = 'system' WHERE tenant_id = \(bind: t.id) AND seq = \(bind: Int64(seq))").run()
            }
            #expect(try await h.call(.get, "/v2/events/verify", headers: t.admin)["brokenAt"] == .number(seq))
        }
    }

    /// A row written before the context was recorded (hash version 1) still verifies, and the chain goes on
    /// from it in version 2.
    @Test(arguments: TestDatabase.kinds) func aVersionOneRowStillVerifies(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let head = try #require(try await h.call(.get, "/v2/events?limit=200", headers: t.admin)["data"]?.arrayValue?.last?.objectValue)
            let seq = Int64(try #require(head["sequence"]?.numberValue)) + 1
            let previous = try #require(head["hash"]?.stringValue)
            let millis = h.clock.now.millis
            let hash = AuditEvent.chainHash(
                previousHash: previous, tenantId: t.id, sequence: seq, id: "legacy-1", type: "business.created", subject: nil,
                data: "{}", createdAtMillis: millis)
            try await h.runtime.database.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO events (tenant_id, seq, id, type, subject, data, created_at, prev_hash, hash, hash_version)
                    VALUES (\(bind: t.id), \(bind: seq), 'legacy-1', 'business.created', NULL, '{}', \(bind: millis), \(bind: previous), \(bind: hash), 1)
                    """
                ).run()
            }
            _ = try await h.post("/v2/businesses", .object(["name": "After the legacy row"]), headers: t.admin)
            let list = try await h.call(.get, "/v2/events?limit=200", headers: t.admin)["data"]?.arrayValue ?? []
            #expect(list.compactMap { $0.objectValue?["hashVersion"]?.numberValue }.suffix(2) == [1, 2])
            let verdict = try await h.call(.get, "/v2/events/verify", headers: t.admin)
            #expect(verdict["intact"] == .bool(true), "\(verdict.text)")
        }
    }

    static func typesOf(_ list: [JSONValue]) -> [String] { list.compactMap { $0.objectValue?["type"]?.stringValue } }
}
