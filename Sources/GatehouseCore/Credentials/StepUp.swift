import Foundation

/// Step-up (CONTRACT §4): acts that mint a lasting credential — enrolling a device key or a passkey,
/// creating an API key, setting up TOTP — need a session whose last primary authentication is recent, so a
/// stolen access token alone cannot turn itself into a credential that outlives it. An API key can do none
/// of them. Credentials a tenant admin mints under `/v2` are governed by the admin's rights and the audit
/// log instead.
public struct StepUp: Sendable {
    /// `GATEHOUSE_STEP_UP_MAX_AGE`.
    public let maxAge: TimeInterval
    let clock: any GatehouseClock

    public init(maxAge: TimeInterval, clock: any GatehouseClock) {
        self.maxAge = maxAge
        self.clock = clock
    }

    /// Throws `STEP_UP_REQUIRED` (401) unless the session signed in within `maxAge`; 403 for a code-flow token.
    public func require(_ principal: Principal) throws {
        // A token an OAuth client holds for the user never mints a credential (CONTRACT §2.4).
        guard principal.claims.client_id == nil else {
            throw GatehouseError(.forbidden, "an OAuth client's access token cannot mint credentials")
        }
        guard clock.now.timeIntervalSince(principal.state.authTime) <= maxAge else { throw GatehouseError.stepUpRequired }
    }

    /// As `require` for a token; an API key is refused outright (403).
    public func require(_ caller: Caller, act: String) throws {
        try require(caller.signedIn(toDo: act).0)
    }
}
