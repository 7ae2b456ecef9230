import Foundation

/// Tokens issued by a grant that writes nothing else (client credentials): counted for metrics, and
/// audited at most once a minute per client and grant, with the count since the last event. The first
/// issue of each minute records its event before answering (failing the request when it cannot be
/// recorded, as every audit does); the others write nothing.
struct IssueAudit: Sendable {
    let events: EventRecorder
    let clock: any GatehouseClock
    let observer: any EngineObserver
    let runs = CoalescedEvents()

    func issued(tenantId: String, clientId: String, grant: OAuthClient.GrantType) async throws {
        observer.oauthTokenIssued(grant: grant.rawValue)
        guard let count = runs.admit("\(tenantId)/\(clientId)/\(grant.rawValue)", now: clock.now) else { return }
        try await events.record(
            .tokenIssued, tenantId: tenantId, subject: clientId,
            data: ["grant": .string(grant.rawValue), "count": .number(Double(count))])
    }
}
