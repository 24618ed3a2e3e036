import http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics. Every process has its own registry (Prometheus scrapes each
 * process): the api serves it at `/metrics` to admins, and any role can also serve it without
 * auth on `METRICS_PORT` (for a private scrape network). In the `all` role one registry holds
 * both roles' figures.
 */
export function createMetrics(role: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: 'wab_' });
  const registers = [registry];
  return {
    registry,
    http: new Histogram({
      name: 'wab_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    messages: new Counter({
      name: 'wab_messages_total',
      help: 'Blast recipients given a final outcome, by session and outcome (sent, failed, skipped).',
      labelNames: ['session', 'outcome'] as const,
      registers,
    }),
    receipts: new Counter({
      name: 'wab_receipts_total',
      help: 'Delivery and read receipts applied to blast recipients.',
      labelNames: ['status'] as const,
      registers,
    }),
    jobs: new Counter({
      name: 'wab_jobs_total',
      help: 'Queue jobs handled by this worker, by queue, job and outcome (completed, failed).',
      labelNames: ['queue', 'job', 'outcome'] as const,
      registers,
    }),
    importRows: new Counter({
      name: 'wab_import_rows_total',
      help: 'Spreadsheet rows imported, by result (valid, duplicate, invalid, blank).',
      labelNames: ['result'] as const,
      registers,
    }),
    importDuration: new Histogram({
      name: 'wab_import_duration_seconds',
      help: 'How long list imports took, by final status.',
      labelNames: ['status'] as const,
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    healthBandChanges: new Counter({
      name: 'wab_session_health_band_changes_total',
      help: 'Sessions moving to another health band, by the band they moved to (healthy, watch, at_risk, stop).',
      labelNames: ['band'] as const,
      registers,
    }),
    webhookAttempts: new Counter({
      name: 'webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (succeeded, retry, failed).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    webhookExpired: new Counter({
      name: 'webhook_expired_total',
      help: 'Webhook deliveries given up unsent because they were older than WEBHOOK_MAX_AGE_HOURS (the outbox is bounded by age).',
      registers,
    }),
    /** Gauges read when scraped: the owner of the figure registers how to read it. */
    gauge(name: string, help: string, labelNames: readonly string[], collect: (set: (labels: Record<string, string>, value: number) => void) => Promise<void> | void): void {
      if (registry.getSingleMetric(name)) registry.removeSingleMetric(name); // the newest owner reads it
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          this.reset();
          await collect((labels, value) => {
            this.set(labels, value);
          });
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Serves the registry on its own port, without auth: for a scrape network that is not public. */
export async function serveMetrics(metrics: Metrics, port: number, host: string): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      },
      () => {
        response.writeHead(500).end();
      },
    );
  });
  // A port already taken is an error of start-up (said plainly by main), not an uncaught 'error' event.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
