import Foundation

/// A user's consents to third-party clients, as the Enterprise dialect shows them (`/auth/consents`).
/// Withdrawing one ends every session the client holds for the user, so its tokens stop working at once,
/// and the consent screen shows again at the client's next request.
public struct Consents: Sendable {
    let store: any GatehouseStore
    let clients: OAuthClientService
    let events: EventRecorder
    let clock: any GatehouseClock

    public struct Listed: Sendable {
        public var consent: Consent
        /// The client's name; nil when the client has been deleted since.
        public var clientName: String?
    }

    public func list(tenantId: String, userId: String) async throws -> [Listed] {
        var out: [Listed] = []
        for consent in try await store.consents(tenantId: tenantId, userId: userId) {
            out.append(Listed(consent: consent, clientName: try await clients.cached(tenantId: tenantId, id: consent.clientId)?.name))
        }
        return out
    }

    public func withdraw(tenantId: String, userId: String, clientId: String) async throws {
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            guard try await tx.deleteConsent(tenantId: tenantId, userId: userId, clientId: clientId) else {
                throw GatehouseError.notFound("consent")
            }
            let ended = try await tx.revokeClientSessions(tenantId: tenantId, clientId: clientId, userId: userId, at: now, reason: "consent_revoked")
            try await events.append(
                .oauthConsentRevoked, tenantId: tenantId, subject: userId,
                data: ["clientId": .string(clientId), "sessionsEnded": .number(Double(ended))], in: tx)
        }
    }
}
