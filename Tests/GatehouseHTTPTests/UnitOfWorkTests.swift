import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseServer
import GatehouseStore
import HTTPTypes
import Hummingbird
import SQLKit
import Testing

/// Issue 11, the unit of work (the acts moved into it so far): an act and its audit event commit together.
/// With the audit log refusing every append (a trigger in the real database), each act answers 503 and
/// leaves nothing behind.
@Suite struct UnitOfWorkTests {
    static func auditLog(_ h: Harness, failing: Bool) async throws {
        let kind = h.runtime.database.kind
        try await h.runtime.database.transaction { db in
            switch (kind, failing) {
            case (.sqlite, true):
                try await db.raw("CREATE TRIGGER fail_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'audit log down'); END").run()
            case (.sqlite, false):
                try await db.raw("DROP TRIGGER fail_events").run()
            case (.postgres, true):
                try await db.raw(
                    "CREATE FUNCTION fail_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit log down'; END $$"
                ).run()
                try await db.raw("CREATE TRIGGER fail_events BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fail_events()").run()
            case (.postgres, false):
                try await db.raw("DROP TRIGGER fail_events ON events").run()
                try await db.raw("DROP FUNCTION fail_events()").run()
            }
        }
    }

    @Test(arguments: TestDatabase.kinds) func anActWhoseEventCannotBeRecordedDoesNotHappen(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let janeId = try await ClassicAPITests.user(h, tenant: t)
            let bobId = try await ClassicAPITests.user(h, username: "bob", email: "bob@example.com", tenant: t)
            let jane = try await ClassicAPITests.login(h, headers: t.headers)
            let token = try #require(jane.string("token"))
            let bearer = ["authorization": "Bearer \(token)", "x-project-key": t.projectKey]
            let second = try #require(try await EnterpriseAuthTests.login(h, t).string("token"))
            let secondSession = try CompactJWS(second).decodePayload(AccessTokenClaims.self).sid
            let cafe = try #require(try await h.post("/v2/businesses", .object(["name": "Cafe"]), headers: t.admin).string("id"))
            #expect(try await h.post("/v2/businesses/\(cafe)/memberships", .object(["userId": .string(janeId)]), headers: t.admin).status == 201)
            #expect(try await h.post("/v2/admins", .object(["userId": .string(bobId)]), headers: t.admin).status == 201)
            let keyId = try #require(try await h.post("/api/v1/auth/keys", .object(["name": "k"]), headers: bearer).string("keyId"))
            let before = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000).count

            let acts: [(String, HTTPRequest.Method, String, [String: String], JSONValue?)] = [
                ("create a business", .post, "/v2/businesses", t.admin, ["name": "Bakery"]),
                ("delete a business", .delete, "/v2/businesses/\(cafe)", t.admin, nil),
                ("add a member", .post, "/v2/businesses/\(cafe)/memberships", t.admin, ["userId": .string(bobId)]),
                ("remove a member", .delete, "/v2/businesses/\(cafe)/memberships/\(janeId)", t.admin, nil),
                ("add an admin", .post, "/v2/admins", t.admin, ["userId": .string(janeId)]),
                ("remove an admin", .delete, "/v2/admins/\(bobId)", t.admin, nil),
                ("create a user", .post, "/v2/users", t.admin, ["username": "carol", "password": "correct horse battery"]),
                ("disable a user", .put, "/v2/users/\(janeId)", t.admin, ["status": "disabled"]),
                ("reset a password", .post, "/v2/users/\(janeId)/password", t.admin, ["password": "another long passphrase"]),
                ("delete a user", .delete, "/v2/users/\(bobId)", t.admin, nil),
                ("create an API key", .post, "/api/v1/auth/keys", bearer, ["name": "k2"]),
                ("delete an API key", .delete, "/api/v1/auth/keys/\(keyId)", bearer, nil),
                ("revoke a session", .delete, "/auth/sessions/\(secondSession)", bearer, nil),
                ("log out", .post, "/api/v1/auth/logout", bearer, nil),
                ("create a tenant", .post, "/v2/tenants", ["x-api-key": Harness.systemKey], ["projectName": "Never"]),
                // A refusal is recorded too, or the request fails: nothing is swallowed.
                ("refuse a wrong password", .post, "/api/v1/auth/login", t.headers, ["username": "jane.doe", "password": "wrong one"]),
            ]
            try await Self.auditLog(h, failing: true)
            for (what, method, path, headers, body) in acts {
                let r = try await h.call(method, path, headers: headers, json: body)
                #expect(r.status == 503, "\(what): \(r.status) \(r.text)")
            }
            try await Self.auditLog(h, failing: false)
            // Nothing happened: the state is as before, and no event was written.
            #expect(try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000).count == before)
            #expect(try await h.call(.get, "/v2/businesses/\(cafe)", headers: t.admin).status == 200)
            #expect(try await h.engine.store.memberships(tenantId: t.id, businessId: cafe).map(\.userId) == [janeId])
            #expect(try await h.engine.store.isTenantAdmin(tenantId: t.id, userId: bobId))
            #expect(try await !h.engine.store.isTenantAdmin(tenantId: t.id, userId: janeId))
            #expect(try await h.engine.store.user(tenantId: t.id, username: "carol") == nil)
            #expect(try await !h.engine.store.tenants(page: PageRequest(limit: 200)).items.contains { $0.projectName == "Never" })
            #expect(try await h.engine.store.user(tenantId: t.id, id: janeId)?.status == .active)
            #expect(try await h.engine.store.user(tenantId: t.id, id: bobId) != nil)
            #expect(try await h.call(.get, "/api/v1/auth/keys", headers: bearer).json?.arrayValue?.count == 1)
            #expect(try await h.verify(t, token)["valid"] == .bool(true), "no session was revoked")
            #expect(try await h.verify(t, second)["valid"] == .bool(true))
            // With the audit log back, acts go through again (each is tested on its own elsewhere).
            #expect(try await h.post("/v2/businesses", .object(["name": "Bakery"]), headers: t.admin).status == 201)
            #expect(try await h.call(.post, "/api/v1/auth/logout", headers: bearer).status == 200)
        }
    }

    /// Issue 16, item 3: the acts added since (roles, tenant API keys, webhooks, OAuth clients, refresh and
    /// the OAuth token endpoint) commit with their event or not at all, like the ones above.
    @Test(arguments: TestDatabase.kinds) func theActsAddedSinceCommitWithTheirEventOrNotAtAll(kind: String) async throws {
        try await withHarness(kind: kind, configure: WebhooksTests.lab) { h in
            let t = try await h.createTenant()
            let janeId = try await ClassicAPITests.user(h, tenant: t)
            let jane = try await ClassicAPITests.login(h, headers: t.headers)
            let refresh = try #require(jane.string("refreshToken"))
            #expect(try await h.post("/v2/roles", .object(["name": "support", "permissions": ["users:read"]]), headers: t.admin).status == 201)
            #expect(try await h.post("/v2/roles", .object(["name": "spare", "permissions": ["users:read"]]), headers: t.admin).status == 201)
            #expect(try await h.post("/v2/users/\(janeId)/roles", .object(["role": "support"]), headers: t.admin).status == 201)
            let keyId = try #require(try await h.post("/v2/api-keys", .object(["name": "job", "permissions": ["users:read"]]), headers: t.admin).string("keyId"))
            let hook = try await WebhooksTests.hook(h, t, "http://127.0.0.1:9/hook", ["user.created"])
            let client = try await OAuthTokenTests.client(h, t)
            let before = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000)

            let acts: [(String, HTTPRequest.Method, String, [String: String], JSONValue?)] = [
                ("create a role", .post, "/v2/roles", t.admin, ["name": "auditor", "permissions": ["events:read"]]),
                ("change a role", .put, "/v2/roles/support", t.admin, ["permissions": ["users:read", "events:read"]]),
                ("delete a role", .delete, "/v2/roles/spare", t.admin, nil),
                ("take a user's role", .delete, "/v2/users/\(janeId)/roles/support", t.admin, nil),
                ("create a tenant API key", .post, "/v2/api-keys", t.admin, ["name": "never", "permissions": ["users:read"]]),
                ("delete a tenant API key", .delete, "/v2/api-keys/\(keyId)", t.admin, nil),
                ("create a webhook", .post, "/v2/webhooks", t.admin, ["url": "http://127.0.0.1:9/other", "events": ["*"]]),
                ("change a webhook", .patch, "/v2/webhooks/\(hook)", t.admin, ["active": false]),
                ("rotate a webhook secret", .post, "/v2/webhooks/\(hook)/secret", t.admin, nil),
                ("delete a webhook", .delete, "/v2/webhooks/\(hook)", t.admin, nil),
                ("create an OAuth client", .post, "/v2/oauth-clients", t.admin, ["name": "Never", "grantTypes": ["client_credentials"]]),
                ("rotate a client secret", .post, "/v2/oauth-clients/\(client.id)/secret", t.admin, nil),
                ("delete an OAuth client", .delete, "/v2/oauth-clients/\(client.id)", t.admin, nil),
                ("refresh", .post, "/api/v1/auth/refresh", t.headers, ["refreshToken": .string(refresh)]),
            ]
            try await Self.auditLog(h, failing: true)
            for (what, method, path, headers, body) in acts {
                let r = try await h.call(method, path, headers: headers, json: body)
                #expect(r.status == 503, "\(what): \(r.status) \(r.text)")
            }
            // The token endpoint audits its first issue of each minute per client: that one fails too.
            let token = try await OAuthTokenTests.token(h, "/t/\(t.id)/oauth2/token", "grant_type=client_credentials", headers: client.basic)
            #expect(token.status == 503, "\(token.text)")
            try await Self.auditLog(h, failing: false)

            #expect(try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000).map(\.id) == before.map(\.id))
            let roles = try await h.call(.get, "/v2/roles/support", headers: t.admin)
            #expect(roles.status == 200 && roles["permissions"] == ["users:read"], "\(roles.text)")
            #expect(try await h.call(.get, "/v2/roles/auditor", headers: t.admin).status == 404)
            #expect(try await h.call(.get, "/v2/roles/spare", headers: t.admin).status == 200)
            #expect(try await h.call(.get, "/v2/users/\(janeId)/roles", headers: t.admin).text.contains("support"))
            #expect(try await h.call(.get, "/v2/api-keys", headers: t.admin)["data"]?.arrayValue?.count == 1)
            let hooks = try await h.call(.get, "/v2/webhooks", headers: t.admin)["data"]?.arrayValue ?? []
            #expect(hooks.count == 1 && hooks.first?.objectValue?["active"] == .bool(true))
            #expect(try await h.call(.get, "/v2/oauth-clients/\(client.id)", headers: t.admin).status == 200)
            #expect(try await h.call(.get, "/v2/oauth-clients", headers: t.admin)["data"]?.arrayValue?.count == 1)
            // The refresh token was not spent: it works now, once.
            #expect(try await h.post("/api/v1/auth/refresh", .object(["refreshToken": .string(refresh)]), headers: t.headers).status == 200)
        }
    }

    @Test(arguments: TestDatabase.kinds) func enrolmentsAndSettingsWhoseEventCannotBeRecordedDoNotHappen(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let bearer = try await PasskeyTests.signedIn(h, t)
            let userId = try Harness.subject(of: try #require(bearer["authorization"]).replacingOccurrences(of: "Bearer ", with: ""))
            let idp = ExternalIssuer.eddsa()
            try await h.registerProvider(t, idp)
            let providerId = try #require(
                try await h.call(.get, "/v2/identity-providers", headers: t.admin)["data"]?.arrayValue?.first?.objectValue?["id"]?.stringValue)
            // Ceremonies begun before the audit log fails.
            let signer = DeviceSigner.es256()
            let challenge = try await DeviceUser.registerChallenge(h, bearer: bearer, signer: signer, fingerprint: "fp-1")
            let (options, ceremony) = try await PasskeyTests.start(h, bearer)
            let authenticator = try SoftAuthenticator()

            try await UnitOfWorkTests.auditLog(h, failing: true)
            let other = ExternalIssuer.es256()
            let attempts: [(String, Reply)] = [
                ("register a provider", try await h.post(
                    "/v2/identity-providers", .object(["issuer": .string(other.issuer), "jwks": other.jwksValue, "audience": "a"]), headers: t.admin)),
                ("set an audience", try await h.call(.patch, "/v2/identity-providers/\(providerId)", headers: t.admin, json: ["audience": "b"])),
                ("delete a provider", try await h.call(.delete, "/v2/identity-providers/\(providerId)", headers: t.admin)),
                ("update the tenant", try await h.call(.put, "/v2/tenants", headers: t.admin, json: ["requireMfa": true])),
                ("set up TOTP", try await h.call(.post, "/auth/otp/setup", headers: bearer)),
                ("register a device", try await h.post(
                    "/auth/biometric/register/verify",
                    .object([
                        "sessionId": .string(try #require(challenge.string("sessionId"))),
                        "signedChallenge": .string(try signer.sign(try #require(challenge.string("challenge")))),
                    ]), headers: bearer)),
                ("register a passkey", try await PasskeyTests.finish(h, bearer, ceremony, try authenticator.create(options))),
            ]
            try await UnitOfWorkTests.auditLog(h, failing: false)
            for (what, r) in attempts { #expect(r.status == 503, "\(what): \(r.status) \(r.text)") }
            let providers = try await h.engine.store.identityProviders(tenantId: t.id)
            #expect(providers.map(\.issuer) == [idp.issuer])
            #expect(providers.first?.audiences == ["gatehouse-tests"])
            #expect(try await h.engine.store.tenant(id: t.id)?.requireMfa == false)
            #expect(try await h.engine.store.totpState(tenantId: t.id, userId: userId)?.sealedSecret == nil)
            #expect(try await h.engine.store.devices(tenantId: t.id, userId: userId).isEmpty)
            #expect(try await h.engine.store.passkeys(tenantId: t.id, userId: userId).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.kinds) func deviceAndConfirmationActsWhoseEventCannotBeRecordedDoNotHappen(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let user = try await DeviceUser.make(h, t)
            let passkeyId = try await PasskeyTests.register(h, user.bearer, try SoftAuthenticator())
            let (pendingId, challenge) = try await ConfirmationTests.create(h, user)
            let (otherId, _) = try await ConfirmationTests.create(h, user)
            let signature = try user.signer.sign(challenge)

            try await UnitOfWorkTests.auditLog(h, failing: true)
            let attempts: [(String, Reply)] = [
                ("create a confirmation", try await h.post(
                    "/auth/confirmations", .object(["actionType": "wire", "actionPayload": ["a": 1]]), headers: user.bearer)),
                ("approve a confirmation", try await ConfirmationTests.approve(h, t, id: pendingId, deviceId: user.deviceId, signature: signature)),
                ("reject a confirmation", try await h.post("/auth/confirmations/\(otherId)/reject", .object([:]), headers: user.bearer)),
                ("set an FCM token", try await h.call(
                    .put, "/auth/biometric/devices/fcm-token", headers: user.bearer,
                    json: ["deviceId": .string(user.deviceId), "fcmToken": "tok"])),
                ("deactivate a device", try await h.call(.delete, "/auth/biometric/devices/\(user.deviceId)", headers: user.bearer)),
                ("delete a passkey", try await h.call(.delete, "/auth/webauthn/credentials/\(passkeyId)", headers: user.bearer)),
            ]
            try await UnitOfWorkTests.auditLog(h, failing: false)
            for (what, r) in attempts { #expect(r.status == 503, "\(what): \(r.status) \(r.text)") }
            #expect(try await ConfirmationTests.status(h, user, pendingId).string("status") == "pending")
            #expect(try await ConfirmationTests.status(h, user, otherId).string("status") == "pending")
            let device = try #require(try await h.engine.store.device(tenantId: t.id, id: user.deviceId))
            #expect(device.isActive && device.fcmToken == nil)
            #expect(try await h.call(.get, "/auth/webauthn/credentials", headers: user.bearer)["credentials"]?.arrayValue?.count == 1)
        }
    }

    /// Signing-key rotation (the engine's one act without an HTTP route): the new key and its event commit
    /// together; without the event the old key stays current and the JWKS is unchanged.
    @Test(arguments: TestDatabase.kinds) func aKeyRotationWhoseEventCannotBeRecordedDoesNotHappen(kind: String) async throws {
        try await withHarness(kind: kind) { h in
            let t = try await h.createTenant()
            let jwks = try await h.call(.get, "/t/\(t.id)/.well-known/jwks.json").text
            let before = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000).count
            try await Self.auditLog(h, failing: true)
            await #expect(throws: (any Error).self) { _ = try await h.engine.rotateSigningKey(tenantId: t.id) }
            try await Self.auditLog(h, failing: false)
            #expect(try await h.call(.get, "/t/\(t.id)/.well-known/jwks.json").text == jwks)
            #expect(try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000).count == before)
            let kid = try await h.engine.rotateSigningKey(tenantId: t.id)
            #expect(try await h.call(.get, "/t/\(t.id)/.well-known/jwks.json").text.contains(kid))
            let events = try await h.engine.store.events(tenantId: t.id, afterSequence: 0, limit: 1000)
            #expect(events.last?.type == "signing_key.rotated" && events.last?.subject == kid)
        }
    }
}
