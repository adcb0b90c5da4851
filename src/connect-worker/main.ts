// `sluice worker [--worker connect-distributed.properties]`: the worker
// runtime (runtime.ts) behind Kafka Connect's REST API (rest/), until
// SIGTERM/SIGINT, which stops every connector here (drained and committed)
// and leaves the group, so the others take its connectors over at once.
// Prometheus metrics of all its connectors, labelled by connector, are served
// on status.port (worker property or SLUICE_STATUS_PORT) at /metrics.
import http from 'node:http';
import type { Logger } from 'pino';
import { ConfigError, errorMessage } from '../errors.js';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_SECOND_SIGNAL } from '../exit-codes.js';
import { createLogger } from '../log.js';
import { SINKS } from '../sinks/registry.js';
import { readRestConfig } from './rest/config.js';
import { declareSecretOptions } from './rest/secrets.js';
import { RestServer } from './rest/server.js';
import { createWorkerMetrics } from './metrics.js';
import { WorkerRuntime } from './runtime.js';
import { readWorkerSettings } from './worker-config.js';

async function startMetricsServer(runtime: WorkerRuntime, port: number, host: string, log: Logger): Promise<http.Server> {
  const registry = createWorkerMetrics(() => runtime.localConnectors(), runtime.workerId, () => runtime.sharedBudget());
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/metrics') {
      res.setHeader('content-type', registry.contentType);
      registry.metrics().then((text) => res.end(text), (err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      });
    } else if (url === '/healthz') {
      res.statusCode = runtime.isReady() ? 200 : 503;
      res.end(runtime.isReady() ? 'RUNNING' : 'STARTING');
    } else {
      res.statusCode = 404;
      res.end('{"error_code":404,"message":"not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  log.info({ port: (server.address() as { port: number }).port }, 'metrics endpoint listening');
  return server;
}

export async function runWorker(opts: { worker?: string }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let settings;
  let restConfig;
  try {
    settings = readWorkerSettings(opts.worker ?? (env.SLUICE_WORKER_CONFIG || undefined), env);
    restConfig = readRestConfig(settings.properties, { env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: ${err.message}\n`);
      return EXIT_CONFIG;
    }
    throw err;
  }
  const log = createLogger(env.SLUICE_LOG_LEVEL ?? 'info', settings.secrets);
  // Every registered sink's secret options are hidden by the REST API, whichever sinks exist.
  declareSecretOptions(SINKS.flatMap((s) => s.options));
  const runtime = new WorkerRuntime({ settings, log, env });
  const server = new RestServer(runtime, restConfig, { log });
  let metrics: http.Server | undefined;
  let signals = 0;
  let stopped!: () => void;
  const done = new Promise<void>((r) => (stopped = r));
  const onSignal = (sig: string) => {
    if (++signals > 1) {
      log.warn({ signal: sig }, `${sig} again: exiting without draining`);
      process.exit(EXIT_SECOND_SIGNAL);
    }
    log.info({ signal: sig }, `${sig}: stopping the connectors on this worker (send again to exit at once)`);
    stopped();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  try {
    await server.start();
    await runtime.start({ workerId: server.workerId(), url: server.advertisedUrl() });
    const port = settings.properties.get('status.port') ?? env.SLUICE_STATUS_PORT;
    if (port !== undefined && port !== '') metrics = await startMetricsServer(runtime, Number(port), settings.properties.get('status.host') ?? env.SLUICE_STATUS_HOST ?? '127.0.0.1', log);
  } catch (err) {
    log.error({ err: errorMessage(err) }, 'worker failed to start');
    process.stderr.write(`sluice: ${errorMessage(err)}\n`);
    await server.close();
    await runtime.stop().catch(() => {});
    setTimeout(() => process.exit(EXIT_FAILED), 2_000).unref();
    return EXIT_FAILED;
  }
  await done;
  await runtime.stop();
  await server.close();
  metrics?.close();
  log.info('worker stopped');
  // The Kafka clients are closed; a handle left open must not keep the process waiting.
  setTimeout(() => process.exit(0), 2_000).unref();
  return 0;
}
