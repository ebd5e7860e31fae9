/**
 * `GET /metrics`: the supervisor's totals and each worker's figures in Prometheus's text format,
 * through prom-client (every metric reads the totals when scraped: nothing is kept twice, and a
 * message costs nothing more). Names follow Prometheus's conventions: `_total` for counters,
 * bytes and seconds. Per-worker series carry a `worker` label; the totals without one include
 * what dead workers counted (docs/server.md, "Metrics").
 */
import client from "prom-client";
import type { ClusterStatsSnapshot } from "../src/stats.ts";

/** The text exposition format prom-client writes by default. */
export const METRICS_CONTENT_TYPE = client.Registry.PROMETHEUS_CONTENT_TYPE;

export interface MetricsSource {
  totals(): ClusterStatsSnapshot;
  /** CPU seconds a worker process has used (0 once it is gone). */
  cpuSeconds(pid: number): number;
}

/**
 * prom-client's defaults left out: `nodejs_version_info`, which on Bun and Deno gives the Node
 * version they imitate (26.3.0 on both; `c512k_build_info` names the runtime on all three), and
 * gauges named like counters (`_total`), which promtool rejects.
 */
const LEFT_OUT = [
  "nodejs_version_info",
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

export function createMetrics(source: MetricsSource, runtime: string): client.Registry {
  const registry = new client.Registry();
  // The supervisor's own process: CPU, memory, open files, event loop (prom-client's defaults).
  client.collectDefaultMetrics({ register: registry });
  for (const name of LEFT_OUT) registry.removeSingleMetric(name);

  // One reading of the totals per scrape, shared by every metric's collect().
  let reading: { at: number; s: ClusterStatsSnapshot } | null = null;
  const now = () => {
    const at = performance.now();
    if (!reading || at - reading.at > 100) reading = { at, s: source.totals() };
    return reading.s;
  };

  const gauge = (name: string, help: string, read: (s: ClusterStatsSnapshot) => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(now()));
      },
    });
  const counter = (name: string, help: string, read: (s: ClusterStatsSnapshot) => number) =>
    new client.Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(now()));
      },
    });
  const perWorker = (
    kind: "gauge" | "counter",
    name: string,
    help: string,
    read: (w: ClusterStatsSnapshot["workers"][number]) => number,
  ) => {
    const Metric = kind === "gauge" ? client.Gauge : client.Counter;
    new Metric({
      name,
      help,
      labelNames: ["worker"] as const,
      registers: [registry],
      // Both kinds count up from a reset: one body for either.
      collect(this: client.Counter<"worker">) {
        this.reset();
        for (const w of now().workers) this.inc({ worker: String(w.id) }, read(w));
      },
    });
  };
  const byLabel = (
    name: string,
    help: string,
    label: string,
    read: (s: ClusterStatsSnapshot) => Record<string, number>,
  ) =>
    new client.Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [value, n] of Object.entries(read(now()))) this.inc({ [label]: value }, n);
      },
    });

  new client.Gauge({
    name: "c512k_build_info",
    help: "The runtime the server runs on, and its version.",
    labelNames: ["runtime", "version"],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ runtime, version: now().version }, 1);
    },
  });
  gauge("c512k_connections_open", "WebSockets open now, all workers.", (s) => s.connections.open);
  gauge("c512k_connections_peak", "The most WebSockets open at once since start-up.", (s) => s.connections.peak);
  counter("c512k_connections_accepted_total", "WebSockets accepted.", (s) => s.connections.accepted);
  byLabel(
    "c512k_connections_closed_total",
    "WebSockets closed, by close code (1000 normal, 1001 going away, 1006 no close frame, 1009 too big; other).",
    "code",
    (s) => s.closes,
  );
  counter("c512k_messages_received_total", "WebSocket messages received.", (s) => s.messages.in);
  counter("c512k_messages_sent_total", "WebSocket messages sent (greetings and answers).", (s) => s.messages.out);
  counter("c512k_received_bytes_total", "Payload bytes of the text messages received (UTF-8).", (s) => s.bytes.in);
  counter("c512k_sent_bytes_total", "Payload bytes of the text messages sent (UTF-8).", (s) => s.bytes.out);
  byLabel(
    "c512k_upgrades_refused_total",
    "WebSocket handshakes refused, by status: 400 malformed, 426 not an upgrade or wrong version, 503 shutting down.",
    "status",
    (s) => s.refused,
  );
  counter("c512k_messages_oversized_total", "Messages over --max-payload (the socket is closed).", (s) => s.oversized);
  gauge(
    "c512k_stats_age_seconds",
    "Age of the oldest live worker's last report: how stale these figures are.",
    (s) => s.staleMs / 1000,
  );
  perWorker(
    "gauge",
    "c512k_worker_up",
    "1 while the worker's process is alive and reporting.",
    (w) => (w.alive ? 1 : 0),
  );
  perWorker(
    "counter",
    "c512k_worker_restarts_total",
    "Times the worker's process died and was restarted.",
    (w) => w.restarts,
  );
  perWorker("gauge", "c512k_worker_connections_open", "WebSockets the worker holds.", (w) => w.connections.open);
  perWorker(
    "counter",
    "c512k_worker_messages_received_total",
    "Messages the worker's current process received.",
    (w) => w.messages.in,
  );
  perWorker("gauge", "c512k_worker_resident_memory_bytes", "The worker's resident set size.", (w) => w.memory.rss);
  perWorker("gauge", "c512k_worker_heap_used_bytes", "The worker's JavaScript heap in use.", (w) => w.memory.heapUsed);
  perWorker(
    "counter",
    "c512k_worker_cpu_seconds_total",
    "CPU time of the worker's current process (user + system).",
    (w) => w.alive ? source.cpuSeconds(w.pid) : 0,
  );
  gauge("c512k_dashboard_streams", "Dashboard event streams open now, all workers.", (s) => s.streams);
  return registry;
}
