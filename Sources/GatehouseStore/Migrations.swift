import Foundation
import GatehouseCore
import SQLKit

/// One schema step. Statements use `{SERIAL_PK}` where the two dialects differ; `sqliteOnly`/`postgresOnly`
/// hold what has no common spelling (triggers).
struct Migration: Sendable {
    var version: Int64
    var name: String
    var statements: [String]
    var sqliteOnly: [String] = []
    var postgresOnly: [String] = []

    func sql(for kind: SQLDialectKind) -> [String] {
        let serial = kind == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        // A plain rowid key in SQLite where ids need not stay unused after deletion: AUTOINCREMENT costs a
        // write to sqlite_sequence on every insert (the webhook outbox takes one per delivery).
        let rowid = kind == .sqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY"
        return statements.map {
            $0.replacingOccurrences(of: "{SERIAL_PK}", with: serial).replacingOccurrences(of: "{ROWID_PK}", with: rowid)
        }
            + (kind == .sqlite ? sqliteOnly : postgresOnly)
    }
}

/// Applies migrations in order, each in its own transaction, recorded in `schema_migrations`.
public struct Migrator: Sendable {
    let database: any Database

    public init(database: any Database) { self.database = database }

    static let all: [Migration] = [
        Migration(
            version: 1, name: "foundation",
            statements: [
                "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                """
                CREATE TABLE tenants (
                  id TEXT PRIMARY KEY, project_name TEXT NOT NULL, acronym TEXT NOT NULL,
                  project_description TEXT, project_website TEXT, project_email TEXT, project_image_url TEXT,
                  project_api_key TEXT NOT NULL UNIQUE, testnet_project_api_key TEXT NOT NULL UNIQUE,
                  api_private_key_hash TEXT, stripe_api_key_sealed TEXT, stripe_webhook_secret_sealed TEXT,
                  stripe_publishable_key TEXT, login_token TEXT, allow_unauthenticated BIGINT NOT NULL DEFAULT 0,
                  firebase_tenant_id TEXT, default_wallet_management_type TEXT NOT NULL,
                  is_default BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX tenants_created ON tenants (created_at, id)",
                """
                CREATE TABLE signing_keys (
                  kid TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id), algorithm TEXT NOT NULL,
                  private_key_sealed TEXT NOT NULL, public_jwk TEXT NOT NULL, created_at BIGINT NOT NULL,
                  rotated_at BIGINT, retire_at BIGINT)
                """,
                "CREATE INDEX signing_keys_tenant ON signing_keys (tenant_id, created_at)",
                """
                CREATE TABLE users (
                  number {SERIAL_PK}, id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL REFERENCES tenants (id),
                  email TEXT, email_normalized TEXT, username TEXT, username_normalized TEXT, password_hash TEXT,
                  external_issuer TEXT, external_subject TEXT, is_super_admin BIGINT NOT NULL DEFAULT 0,
                  mfa_enabled BIGINT NOT NULL DEFAULT 0, status TEXT NOT NULL, attributes TEXT,
                  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE UNIQUE INDEX users_external ON users (tenant_id, external_issuer, external_subject)",
                "CREATE UNIQUE INDEX users_email ON users (tenant_id, email_normalized)",
                "CREATE UNIQUE INDEX users_username ON users (tenant_id, username_normalized)",
                "CREATE INDEX users_created ON users (tenant_id, created_at, id)",
                """
                CREATE TABLE tenant_admins (
                  tenant_id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                  created_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, user_id))
                """,
                """
                CREATE TABLE businesses (
                  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id), name TEXT NOT NULL,
                  created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX businesses_created ON businesses (tenant_id, created_at, id)",
                """
                CREATE TABLE memberships (
                  tenant_id TEXT NOT NULL, business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
                  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE, role TEXT NOT NULL,
                  created_at BIGINT NOT NULL, PRIMARY KEY (business_id, user_id))
                """,
                "CREATE INDEX memberships_user ON memberships (tenant_id, user_id)",
                """
                CREATE TABLE identity_providers (
                  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id), issuer TEXT NOT NULL,
                  jwks TEXT, jwks_uri TEXT, audience TEXT, algorithms TEXT NOT NULL, email_claim TEXT NOT NULL,
                  created_at BIGINT NOT NULL, UNIQUE (tenant_id, issuer))
                """,
                """
                CREATE TABLE sessions (
                  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, user_id TEXT, subject TEXT NOT NULL,
                  level TEXT NOT NULL, business_id TEXT, role TEXT, amr TEXT NOT NULL, scope TEXT,
                  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT, revoked_reason TEXT)
                """,
                "CREATE INDEX sessions_user ON sessions (tenant_id, user_id)",
                """
                CREATE TABLE refresh_tokens (
                  hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, session_id TEXT NOT NULL,
                  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT, successor_hash TEXT,
                  successor_sealed TEXT)
                """,
                """
                CREATE TABLE events (
                  tenant_id TEXT NOT NULL, seq BIGINT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,
                  subject TEXT, data TEXT NOT NULL, created_at BIGINT NOT NULL, prev_hash TEXT NOT NULL,
                  hash TEXT NOT NULL, PRIMARY KEY (tenant_id, seq))
                """,
            ],
            sqliteOnly: [
                "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
                "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
            ],
            postgresOnly: [
                """
                CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'events are append-only'; END $$
                """,
                "CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()",
            ]
        ),
        Migration(
            version: 2, name: "local_accounts_and_api_keys",
            statements: [
                "ALTER TABLE users ADD COLUMN department TEXT",
                "ALTER TABLE users ADD COLUMN employee TEXT",
                """
                CREATE TABLE api_keys (
                  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id),
                  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE, name TEXT NOT NULL,
                  key_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, last_used_at BIGINT)
                """,
                "CREATE INDEX api_keys_user ON api_keys (tenant_id, user_id, created_at)",
            ]
        ),
        Migration(
            version: 3, name: "login_throttle",
            statements: [
                """
                CREATE TABLE login_throttle (
                  tenant_id TEXT NOT NULL, key TEXT NOT NULL, failures BIGINT NOT NULL, window_start BIGINT NOT NULL,
                  locked_until BIGINT NOT NULL DEFAULT 0, lock_count BIGINT NOT NULL DEFAULT 0,
                  PRIMARY KEY (tenant_id, key))
                """
            ]
        ),
        Migration(
            version: 4, name: "totp",
            statements: [
                "ALTER TABLE users ADD COLUMN totp_secret_sealed TEXT",
                "ALTER TABLE users ADD COLUMN totp_confirmed BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE tenants ADD COLUMN require_mfa BIGINT NOT NULL DEFAULT 0",
                """
                CREATE TABLE mfa_challenges (
                  hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                  expires_at BIGINT NOT NULL, failures BIGINT NOT NULL DEFAULT 0, consumed_at BIGINT)
                """,
            ]
        ),
        Migration(
            version: 5, name: "devices_confirmations_push",
            statements: [
                """
                CREATE TABLE devices (
                  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                  fingerprint TEXT NOT NULL, name TEXT NOT NULL, device_type TEXT NOT NULL, key_algorithm TEXT NOT NULL,
                  public_key TEXT NOT NULL, fcm_token TEXT, is_active BIGINT NOT NULL DEFAULT 1,
                  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, last_used_at BIGINT)
                """,
                "CREATE UNIQUE INDEX devices_user_fingerprint ON devices (tenant_id, user_id, fingerprint)",
                "CREATE INDEX devices_fingerprint ON devices (tenant_id, fingerprint, is_active)",
                """
                CREATE TABLE device_challenges (
                  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, purpose TEXT NOT NULL, challenge TEXT NOT NULL,
                  fingerprint TEXT NOT NULL, user_id TEXT, device_id TEXT, bound_session_id TEXT,
                  device_name TEXT, device_type TEXT, key_algorithm TEXT, public_key TEXT,
                  expires_at BIGINT NOT NULL, consumed_at BIGINT)
                """,
                "CREATE INDEX device_challenges_expiry ON device_challenges (expires_at)",
                """
                CREATE TABLE confirmations (
                  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                  action_type TEXT NOT NULL, action_payload TEXT NOT NULL, nonce TEXT NOT NULL, status TEXT NOT NULL,
                  reason TEXT, device_id TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
                  expires_at BIGINT NOT NULL)
                """,
                "CREATE INDEX confirmations_expiry ON confirmations (expires_at)",
                """
                CREATE TABLE push_outbox (
                  id {SERIAL_PK}, tenant_id TEXT NOT NULL, device_id TEXT NOT NULL, fcm_token TEXT NOT NULL,
                  data TEXT NOT NULL, status TEXT NOT NULL, attempts BIGINT NOT NULL DEFAULT 0,
                  next_attempt_at BIGINT NOT NULL, lease_until BIGINT, last_error TEXT,
                  created_at BIGINT NOT NULL, sent_at BIGINT)
                """,
                "CREATE INDEX push_outbox_due ON push_outbox (status, next_attempt_at)",
            ]
        ),
        Migration(
            version: 6, name: "passkeys",
            statements: [
                "ALTER TABLE tenants ADD COLUMN webauthn TEXT",
                "ALTER TABLE users ADD COLUMN passkey_prompt TEXT",
                """
                CREATE TABLE passkeys (
                  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                  credential_id TEXT NOT NULL, name TEXT NOT NULL, public_key TEXT NOT NULL, algorithm BIGINT NOT NULL,
                  sign_count BIGINT NOT NULL, aaguid TEXT NOT NULL, transports TEXT NOT NULL,
                  backup_eligible BIGINT NOT NULL, backed_up BIGINT NOT NULL, attestation_format TEXT NOT NULL,
                  attestation_type TEXT NOT NULL, clone_warning BIGINT NOT NULL DEFAULT 0,
                  is_active BIGINT NOT NULL DEFAULT 1, created_at BIGINT NOT NULL, last_used_at BIGINT)
                """,
                "CREATE UNIQUE INDEX passkeys_credential ON passkeys (tenant_id, credential_id)",
                "CREATE INDEX passkeys_user ON passkeys (tenant_id, user_id)",
                """
                CREATE TABLE webauthn_challenges (
                  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, purpose TEXT NOT NULL, challenge TEXT NOT NULL,
                  user_id TEXT, bound_session_id TEXT, name TEXT, expires_at BIGINT NOT NULL, consumed_at BIGINT)
                """,
                "CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at)",
            ]
        ),
        Migration(
            version: 7, name: "spent_challenges",
            statements: [
                "CREATE TABLE spent_challenges (key TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
                "CREATE INDEX spent_challenges_expiry ON spent_challenges (expires_at)",
            ]
        ),
        Migration(
            version: 8, name: "step_up_and_key_lifetimes",
            statements: [
                // The last primary authentication of a session (step-up); sessions before this version began
                // with one, at their creation.
                "ALTER TABLE sessions ADD COLUMN auth_time BIGINT",
                "UPDATE sessions SET auth_time = created_at",
                "ALTER TABLE api_keys ADD COLUMN expires_at BIGINT",
            ]
        ),
        Migration(
            version: 9, name: "refresh_grace_binding",
            statements: [
                "ALTER TABLE refresh_tokens ADD COLUMN access_hash TEXT",
                "ALTER TABLE refresh_tokens ADD COLUMN spent_by TEXT",
            ]
        ),
        Migration(
            version: 10, name: "client_integration_keys",
            statements: [
                "ALTER TABLE tenants ADD COLUMN infura_api_key TEXT",
                "ALTER TABLE tenants ADD COLUMN polyscan_api_key TEXT",
            ]
        ),
        Migration(
            // A JSON array of the tenant's CORS origins; NULL when it has none.
            version: 11, name: "tenant_cors_origins",
            statements: ["ALTER TABLE tenants ADD COLUMN cors_origins TEXT"]
        ),
        Migration(
            // RFC 6749 §2 clients; the lists are JSON arrays, the secret its SHA-256.
            version: 12, name: "oauth_clients",
            statements: [
                """
                CREATE TABLE oauth_clients (
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    name TEXT NOT NULL,
                    redirect_uris TEXT NOT NULL,
                    post_logout_redirect_uris TEXT NOT NULL,
                    grant_types TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    auth_method TEXT NOT NULL,
                    require_pkce INTEGER NOT NULL,
                    first_party INTEGER NOT NULL,
                    access_token_ttl BIGINT,
                    id_token_alg TEXT NOT NULL,
                    secret_hash TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX oauth_clients_by_tenant ON oauth_clients (tenant_id, created_at, id)",
            ]
        ),
        Migration(
            // RFC 7009 revocation of self-contained tokens: a denylist of jti values until their expiry.
            version: 13, name: "revoked_tokens",
            statements: [
                """
                CREATE TABLE revoked_tokens (
                    tenant_id TEXT NOT NULL, jti TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, jti))
                """,
                "CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at)",
            ]
        ),
        Migration(
            // RFC 6749 §4.1.2 authorization codes, by their SHA-256; and the OAuth client a session was
            // issued to (its refresh tokens work for that client only; deleting the client ends them).
            version: 14, name: "oauth_codes",
            statements: [
                """
                CREATE TABLE oauth_codes (
                    code_hash TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    browser_session_id TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    code_challenge TEXT,
                    scopes TEXT NOT NULL,
                    nonce TEXT,
                    auth_time BIGINT NOT NULL,
                    amr TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at BIGINT,
                    issued_session_id TEXT
                )
                """,
                "CREATE INDEX oauth_codes_expiry ON oauth_codes (expires_at)",
                "ALTER TABLE sessions ADD COLUMN client_id TEXT",
                "CREATE INDEX sessions_client ON sessions (tenant_id, client_id)",
            ]
        ),
        Migration(
            // OpenID Connect Core §3.1.2.4: what a user consented to give a third-party client.
            version: 15, name: "oauth_consents",
            statements: [
                """
                CREATE TABLE oauth_consents (
                    tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, client_id TEXT NOT NULL, scopes TEXT NOT NULL,
                    created_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, user_id, client_id))
                """
            ]
        ),
        Migration(
            // Custom roles with a parent chain, tenant-wide roles of users, and the per-tenant roles version
            // every node's role cache keys on (Project API `/v2/roles`).
            version: 16, name: "roles",
            statements: [
                "ALTER TABLE tenants ADD COLUMN roles_version BIGINT NOT NULL DEFAULT 0",
                """
                CREATE TABLE roles (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id), name TEXT NOT NULL, description TEXT, parent TEXT,
                    permissions TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
                    PRIMARY KEY (tenant_id, name))
                """,
                """
                CREATE TABLE user_roles (
                    tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, created_at BIGINT NOT NULL,
                    PRIMARY KEY (tenant_id, user_id, role))
                """,
                "CREATE INDEX user_roles_role ON user_roles (tenant_id, role)",
                "CREATE INDEX memberships_role ON memberships (tenant_id, role)",
            ]
        ),
        Migration(
            // Tenant API keys for server-to-server administration (Project API `/v2/api-keys`).
            version: 17, name: "tenant_api_keys",
            statements: [
                """
                CREATE TABLE tenant_api_keys (
                    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id), name TEXT NOT NULL,
                    key_hash TEXT NOT NULL UNIQUE, business_id TEXT, permissions TEXT NOT NULL, created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL, expires_at BIGINT, last_used_at BIGINT, test BIGINT NOT NULL DEFAULT 0)
                """,
                "CREATE INDEX tenant_api_keys_tenant ON tenant_api_keys (tenant_id, created_at, id)",
            ]
        ),
        Migration(
            // Webhooks and their delivery outbox, filled in the same transaction as each audit event.
            version: 18, name: "webhooks",
            statements: [
                """
                CREATE TABLE webhooks (
                    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id), url TEXT NOT NULL, description TEXT,
                    active BIGINT NOT NULL, secret_sealed TEXT NOT NULL, previous_secret_sealed TEXT, previous_secret_until BIGINT,
                    consecutive_failures BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX webhooks_tenant ON webhooks (tenant_id, created_at, id)",
                "CREATE TABLE webhook_events (webhook_id TEXT NOT NULL, event_type TEXT NOT NULL, PRIMARY KEY (webhook_id, event_type))",
                """
                CREATE TABLE webhook_deliveries (
                    id {ROWID_PK}, tenant_id TEXT NOT NULL, webhook_id TEXT NOT NULL, event_id TEXT NOT NULL,
                    event_type TEXT NOT NULL, event_seq BIGINT, payload TEXT, status TEXT NOT NULL, attempts BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at BIGINT, lease_until BIGINT, last_status BIGINT, last_response TEXT, last_error TEXT,
                    event_at BIGINT NOT NULL, completed_at BIGINT)
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
                "CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id)",
            ]
        ),
        Migration(
            // Retention: a tenant's oldest events may be deleted once a checkpoint (an event in the chain, and
            // a row here) records the last one pruned; the delete trigger admits only rows at or below it.
            version: 19, name: "event_checkpoints",
            statements: [
                """
                CREATE TABLE event_checkpoints (
                    tenant_id TEXT NOT NULL, through_seq BIGINT NOT NULL, hash TEXT NOT NULL, created_at BIGINT NOT NULL,
                    PRIMARY KEY (tenant_id, through_seq))
                """
            ],
            sqliteOnly: [
                "DROP TRIGGER events_no_delete",
                """
                CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                WHEN OLD.seq > COALESCE((SELECT MAX(through_seq) FROM event_checkpoints WHERE tenant_id = OLD.tenant_id), 0)
                BEGIN SELECT RAISE(ABORT, 'events are append-only'); END
                """,
                "CREATE TRIGGER event_checkpoints_no_update BEFORE UPDATE ON event_checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END",
                "CREATE TRIGGER event_checkpoints_no_delete BEFORE DELETE ON event_checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END",
            ],
            postgresOnly: [
                """
                CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'DELETE' AND OLD.seq <= COALESCE(
                    (SELECT MAX(through_seq) FROM event_checkpoints WHERE tenant_id = OLD.tenant_id), 0) THEN
                    RETURN OLD;
                  END IF;
                  RAISE EXCEPTION 'events are append-only';
                END $$
                """,
                """
                CREATE FUNCTION event_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'checkpoints are append-only'; END $$
                """,
                "CREATE TRIGGER event_checkpoints_no_change BEFORE UPDATE OR DELETE ON event_checkpoints FOR EACH ROW EXECUTE FUNCTION event_checkpoints_append_only()",
            ]
        ),
        Migration(
            // Who acted, from where, in which request; rows from now on are hashed with them (version 2).
            version: 20, name: "event_context",
            statements: [
                "ALTER TABLE events ADD COLUMN actor TEXT",
                "ALTER TABLE events ADD COLUMN ip TEXT",
                "ALTER TABLE events ADD COLUMN user_agent TEXT",
                "ALTER TABLE events ADD COLUMN request_id TEXT",
                "ALTER TABLE events ADD COLUMN hash_version BIGINT NOT NULL DEFAULT 1",
            ]
        ),
        Migration(
            // Event types renamed to the catalog's dotted names: subscriptions move to the new names (stored
            // events keep theirs, read through the aliases). Two old names may become one: the second goes.
            version: 21, name: "webhook_event_names",
            statements: EventType.aliases.sorted { $0.key < $1.key }.flatMap { old, new in
                [
                    """
                    UPDATE webhook_events SET event_type = '\(new.rawValue)' WHERE event_type = '\(old)' AND NOT EXISTS (
                      SELECT 1 FROM webhook_events d WHERE d.webhook_id = webhook_events.webhook_id AND d.event_type = '\(new.rawValue)')
                    """,
                    "DELETE FROM webhook_events WHERE event_type = '\(old)'",
                ]
            }
        ),
    ]

    public static var latestVersion: Int64 { all.last?.version ?? 0 }

    /// The database holds migrations this build does not know.
    public struct SchemaTooNew: Error, CustomStringConvertible {
        public let database: Int64
        public let build: Int64
        public var description: String {
            "the database schema is at version \(database), newer than this build's \(build): run the newer gatehouse, or restore a backup taken before the upgrade"
        }
    }

    /// Applies what is missing; returns the versions applied by this call.
    @discardableResult
    public func migrate() async throws -> [Int64] { try await migrate(through: Self.latestVersion) }

    /// As `migrate`, stopping after `version` (upgrade tests write data as an older schema held it).
    @discardableResult
    public func migrate(through version: Int64) async throws -> [Int64] {
        // Up to date: nothing is written, so a node can open a database it may only read (a read-only file).
        let wanted = Set(Self.all.lazy.filter { $0.version <= version }.map(\.version))
        let recorded = try? await database.read { db in
            try await db.raw("SELECT version FROM schema_migrations").all().map { try $0.decode(column: "version", as: Int64.self) }
        }
        // Migrations go forward only: a database a newer build has migrated is not this build's to serve
        // (its code would misread what the newer schema holds), so a rolled-back binary stops here.
        if let newest = recorded?.max(), newest > Self.latestVersion {
            throw SchemaTooNew(database: newest, build: Self.latestVersion)
        }
        if let recorded, wanted.isSubset(of: Set(recorded)) { return [] }
        try await database.transaction { db in
            try await db.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
            ).run()
        }
        var applied: [Int64] = []
        for migration in Self.all where migration.version <= version {
            let kind = database.kind
            let didApply = try await database.transaction { db -> Bool in
                if kind == .postgres {
                    // Two nodes starting together: the second waits here, then finds the version recorded.
                    try await db.raw("SELECT pg_advisory_xact_lock(727274)").run()
                }
                let existing = try await db.raw(
                    "SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)"
                ).first()
                if existing != nil { return false }
                for statement in migration.sql(for: kind) {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.raw(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().millis))"
                ).run()
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        return applied
    }

    public func appliedVersions() async throws -> [Int64] {
        try await database.read { db in
            try await db.raw("SELECT version FROM schema_migrations ORDER BY version").all()
                .map { try $0.decode(column: "version", as: Int64.self) }
        }
    }
}
