//! Prometheus metrics: requests by route template and status, latency,
//! database pool gauges, webhook deliveries.
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub pool_size: IntGauge,
    pub pool_idle: IntGauge,
    /// Webhook delivery attempts by outcome (`delivered`, `failed`, `gone`).
    pub webhook_deliveries: IntCounterVec,
    /// How long webhook receivers took to answer (or to fail).
    pub webhook_duration: Histogram,
    /// Subscriptions the workers disabled (410 Gone or failing).
    pub webhook_disabled: IntCounter,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("peerhub".into()), None).unwrap_or_default();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route template, method and status",
            ),
            &["route", "method", "status"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route template",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["route", "method"],
        )
        .unwrap_or_else(|_| unreachable_histogram());
        let pool_size = IntGauge::new("db_pool_connections", "Open database connections")
            .unwrap_or_else(|_| unreachable_gauge());
        let pool_idle = IntGauge::new("db_pool_idle_connections", "Idle database connections")
            .unwrap_or_else(|_| unreachable_gauge());
        let webhook_deliveries = IntCounterVec::new(
            Opts::new(
                "webhook_deliveries_total",
                "Webhook delivery attempts by outcome (delivered, failed, gone)",
            ),
            &["outcome"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        // Every outcome is listed from the start, at 0.
        for outcome in ["delivered", "failed", "gone"] {
            webhook_deliveries.with_label_values(&[outcome]);
        }
        let webhook_duration = Histogram::with_opts(
            HistogramOpts::new(
                "webhook_delivery_duration_seconds",
                "Time from sending a webhook to its answer, timeout or error",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0,
            ]),
        )
        .unwrap_or_else(|_| unreachable_plain_histogram());
        let webhook_disabled = IntCounter::new(
            "webhook_disabled_total",
            "Webhook subscriptions disabled by the delivery workers",
        )
        .unwrap_or_else(|_| unreachable_counter());
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool_size.clone()),
            Box::new(pool_idle.clone()),
            Box::new(webhook_deliveries.clone()),
            Box::new(webhook_duration.clone()),
            Box::new(webhook_disabled.clone()),
        ] {
            let _ = registry.register(c);
        }
        Self {
            registry,
            requests,
            latency,
            pool_size,
            pool_idle,
            webhook_deliveries,
            webhook_duration,
            webhook_disabled,
        }
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

// The metric definitions above are constant and valid; these fallbacks only
// exist so that construction has no panicking path.
fn unreachable_metric() -> IntCounterVec {
    IntCounterVec::new(Opts::new("fallback_total", "fallback"), &["x"])
        .unwrap_or_else(|_| std::process::abort())
}
fn unreachable_histogram() -> HistogramVec {
    HistogramVec::new(HistogramOpts::new("fallback_seconds", "fallback"), &["x"])
        .unwrap_or_else(|_| std::process::abort())
}
fn unreachable_plain_histogram() -> Histogram {
    Histogram::with_opts(HistogramOpts::new("fallback_plain_seconds", "fallback"))
        .unwrap_or_else(|_| std::process::abort())
}
fn unreachable_counter() -> IntCounter {
    IntCounter::new("fallback_count", "fallback").unwrap_or_else(|_| std::process::abort())
}
fn unreachable_gauge() -> IntGauge {
    IntGauge::new("fallback", "fallback").unwrap_or_else(|_| std::process::abort())
}
