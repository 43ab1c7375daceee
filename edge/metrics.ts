/**
 * The edge's Prometheus metrics. Labels are bounded and free of PHI: vendor ids (from keys, so
 * a known, small set), outcome and reason codes from fixed tables.
 */
import type { Counter, Histogram, MetricsRegistry } from "../shared/metrics/registry.ts";

export interface EdgeMetrics {
  /** Requests by vendor (`unknown` before authentication) and outcome code. */
  readonly requests: Counter<"vendor" | "outcome">;
  /** Time from request start to response, by outcome. */
  readonly ackLatency: Histogram<"outcome">;
  readonly messagesEnqueued: Counter<"vendor">;
  /** Resends answered AA without a second enqueue. */
  readonly duplicates: Counter<"vendor">;
  /** A control id seen again with a different body (accepted, counted). */
  readonly controlIdReused: Counter<"vendor">;
  /** Enqueues that failed, by reason (`queue_unavailable`, `error`). */
  readonly enqueueFailures: Counter<"reason">;
}

/**
 * Registers the edge metrics on a registry (call once per registry).
 *
 * @example
 * const m = createEdgeMetrics(registry);
 * m.requests.inc({ vendor: "acme", outcome: "accepted" });
 */
export function createEdgeMetrics(registry: MetricsRegistry): EdgeMetrics {
  return {
    requests: registry.counter("edge_requests_total", "Ingest requests by vendor and outcome", [
      "vendor",
      "outcome",
    ]),
    ackLatency: registry.histogram("edge_ack_latency_seconds", "Time to answer an ingest request", [
      "outcome",
    ]),
    messagesEnqueued: registry.counter("edge_messages_enqueued_total", "Messages enqueued", ["vendor"]),
    duplicates: registry.counter("edge_duplicates_total", "Resends answered without enqueueing again", [
      "vendor",
    ]),
    controlIdReused: registry.counter(
      "edge_control_id_reused_total",
      "Messages whose control id was seen with a different body within the window",
      ["vendor"],
    ),
    enqueueFailures: registry.counter("edge_enqueue_failures_total", "Enqueues that failed", ["reason"]),
  };
}
