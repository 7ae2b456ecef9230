import Foundation
import GatehouseCore
import Hummingbird
import Prometheus
import Synchronization

/// Prometheus metrics of the process. Its own registry (not the global MetricsSystem), so several
/// applications in one test process do not collide.
public final class GatehouseMetrics: EngineObserver {
    public let registry = PrometheusCollectorRegistry()
    static let buckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5),
    ]

    static var requests: MetricNameDescriptor { MetricNameDescriptor(
        metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route template, method and status") }
    static var duration: MetricNameDescriptor { MetricNameDescriptor(
        metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency by route template, method and status") }
    static var issued: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "gatehouse", metricName: "tokens_issued", unitName: "total", helpText: "Access tokens issued by level") }
    static var reuse: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "gatehouse", metricName: "refresh_reuse_detected", unitName: "total",
        helpText: "Spent refresh tokens presented again (session revoked)") }

    static var oauthIssued: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "gatehouse", metricName: "oauth_tokens_issued", unitName: "total",
        helpText: "Access tokens issued by the OAuth token endpoint, by grant type") }

    static var webhookDeliveries: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "gatehouse", metricName: "webhook_deliveries", unitName: "total",
        helpText: "Webhook delivery attempts by result: succeeded, retried (will be tried again), failed (given up)") }
    static var webhookPending: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "gatehouse", metricName: "webhook_outbox_pending", helpText: "Webhook deliveries waiting to be sent") }
    static var webhookOldest: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "gatehouse", metricName: "webhook_outbox_oldest_pending", unitName: "seconds",
        helpText: "Age of the event behind the oldest pending webhook delivery") }

    /// Every `gatehouse_*` series exists from the start at zero, so a dashboard or an alert on a rate sees
    /// the series before the first event.
    public init() {
        for level in AuthLevel.allCases { _ = registry.makeCounter(descriptor: Self.issued, labels: [("level", level.rawValue)]) }
        _ = registry.makeCounter(descriptor: Self.reuse)
        let registry = self.registry
        oauthIssuedByGrant = Dictionary(
            uniqueKeysWithValues: OAuthClient.GrantType.allCases.map {
                ($0.rawValue, registry.makeCounter(descriptor: Self.oauthIssued, labels: [("grant", $0.rawValue)]))
            })
        webhookByResult = Dictionary(
            uniqueKeysWithValues: ["succeeded", "retried", "failed"].map {
                ($0, registry.makeCounter(descriptor: Self.webhookDeliveries, labels: [("result", $0)]))
            })
        webhookPendingGauge = registry.makeGauge(descriptor: Self.webhookPending)
        webhookOldestGauge = registry.makeGauge(descriptor: Self.webhookOldest)
    }

    private let webhookByResult: [String: Counter]
    private let webhookPendingGauge: Gauge
    private let webhookOldestGauge: Gauge

    public func webhookDelivery(result: String) {
        (webhookByResult[result] ?? registry.makeCounter(descriptor: Self.webhookDeliveries, labels: [("result", result)])).increment()
    }

    public func webhookOutbox(pending: Int, oldestAge: TimeInterval) {
        webhookPendingGauge.set(Double(pending))
        webhookOldestGauge.set(oldestAge)
    }

    /// Made once: the token endpoint counts every token it issues, and a registry lookup by labels costs
    /// more than the count.
    private let oauthIssuedByGrant: [String: Counter]

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = SeriesKey(route: route, method: method, status: status)
        let series = requestSeries.withLock { $0[key] } ?? makeSeries(key)
        series.count.increment()
        series.latency.record(duration)
    }

    /// One request's two series, by route template, method and status: looked up here rather than in the
    /// registry, whose lookup by labels cost more than the recording on every request. Bounded by the route
    /// table times the methods and statuses it answers.
    private struct SeriesKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }
    private let requestSeries = Mutex<[SeriesKey: (count: Counter, latency: DurationHistogram)]>([:])

    private func makeSeries(_ key: SeriesKey) -> (count: Counter, latency: DurationHistogram) {
        let labels = [("route", key.route), ("method", key.method), ("status", String(key.status))]
        let series = (
            count: registry.makeCounter(descriptor: Self.requests, labels: labels),
            latency: registry.makeDurationHistogram(descriptor: Self.duration, labels: labels, buckets: Self.buckets)
        )
        requestSeries.withLock { $0[key] = series }
        return series
    }

    public func tokenIssued(level: AuthLevel) {
        registry.makeCounter(descriptor: Self.issued, labels: [("level", level.rawValue)]).increment()
    }

    public func oauthTokenIssued(grant: String) {
        (oauthIssuedByGrant[grant] ?? registry.makeCounter(descriptor: Self.oauthIssued, labels: [("grant", grant)])).increment()
    }

    public func refreshReuseDetected() {
        registry.makeCounter(descriptor: Self.reuse).increment()
    }

    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: GatehouseMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        // The matched route template, never the raw path: ids in paths must not explode label cardinality.
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(
            route: route, method: request.method.rawValue, status: response.status.code,
            duration: ContinuousClock.now - start)
        return response
    }
}
