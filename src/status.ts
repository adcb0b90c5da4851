// Kafka Connect-style status on <status.host>:<status.port>:
//   GET /connectors/<name>/status  → {"name", "connector": {"state", "worker_id"}, "tasks": [...], "type": "sink"}
//   GET /metrics                   → Prometheus text, Kafka Connect sink metric names (src/metrics.ts)
//   GET /metrics.json              → the engine's counters as JSON
//   GET /healthz                   → 200 with the state, 503 when FAILED
// Nothing here reveals config values.
import http from 'node:http';
import os from 'node:os';
import type { Logger } from 'pino';
import { redact, type ResolvedConfig } from './config/load.js';
import type { Engine } from './pipeline/engine.js';
import { createMetrics } from './metrics.js';

export async function startStatusServer(config: ResolvedConfig, engine: Engine, log: Logger): Promise<http.Server> {
  const name = config.common.name;
  const workerId = `${os.hostname()}:${process.pid}`;
  const metrics = createMetrics(engine, name);
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === `/connectors/${encodeURIComponent(name)}/status` || url === `/connectors/${name}/status`) {
      const parts = engine.positions();
      const state = engine.state;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        name,
        connector: { state, worker_id: workerId },
        tasks: [{ id: 0, state, worker_id: workerId, ...(engine.failure ? { trace: redact(engine.failure, config.secrets) } : {}) }],
        type: 'sink',
        partitions: parts,
      }));
    } else if (url === '/healthz') {
      // For container health checks: 503 once the task has FAILED.
      const state = engine.state;
      res.statusCode = state === 'FAILED' ? 503 : 200;
      res.end(state);
    } else if (url === '/metrics') {
      res.setHeader('content-type', metrics.contentType);
      metrics.metrics().then((text) => res.end(text), (err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      });
    } else if (url === '/metrics.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(engine.stats));
    } else {
      res.statusCode = 404;
      res.end('{"error_code":404,"message":"not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(config.common['status.port'], config.common['status.host'], resolve));
  log.info({ port: (server.address() as { port: number }).port }, 'status endpoint listening');
  return server;
}
