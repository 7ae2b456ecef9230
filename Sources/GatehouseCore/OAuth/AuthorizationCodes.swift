import Foundation

/// Issues the authorization codes of the code flow (RFC 6749 §4.1.2) once the browser's user has signed in
/// (and consented): the hosted login page calls it, the `authorization_code` grant redeems what it stores.
public struct AuthorizationCodes: Sendable {
    let store: any GatehouseStore
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder

    /// A fresh code for `request`, bound to the browser session it came from; recorded with its audit event.
    public func issue(_ request: AuthorizationGrantRequest, browserSession: Session, userId: String) async throws -> String {
        guard browserSession.userId == userId, browserSession.isActive(at: clock.now) else {
            throw GatehouseError(.unauthorized, "the browser session is not this user's or has ended")
        }
        let code = "ghac_" + random.token(bytes: 32)
        let now = clock.now
        let record = AuthorizationCode(
            hash: Digest.sha256Hex(code), tenantId: browserSession.tenantId, clientId: request.clientId, userId: userId,
            browserSessionId: browserSession.id, redirectURI: request.redirectURI, codeChallenge: request.codeChallenge,
            scopes: request.scopes, nonce: request.nonce, authTime: browserSession.authTime, amr: browserSession.amr,
            createdAt: now, expiresAt: now.addingTimeInterval(AuthorizationCode.lifetime))
        try await store.unitOfWork { [events] tx in
            try await tx.insertAuthorizationCode(record)
            try await events.append(
                .oauthCodeIssued, tenantId: record.tenantId, subject: userId,
                data: ["clientId": .string(record.clientId), "scope": .string(record.scopes.joined(separator: " "))], in: tx)
        }
        return code
    }
}
