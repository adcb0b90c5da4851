#!/usr/bin/env node
// sluice run --config connector.json [--worker connect-distributed.properties]   (plus SLUICE_* environment variables)
// Exit codes (exit-codes.ts): 0 stopped cleanly, 1 stopped on a failure,
// 2 configuration error, 3 the drain did not finish within shutdown.grace.ms,
// 130 a second signal cut the drain short.
import { Command, CommanderError } from 'commander';
import { describeConverter, redact, type ResolvedConfig } from './config/load.js';
import { ConfigError, errorMessage } from './errors.js';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_SECOND_SIGNAL, exitCodeFor, stopOutcome, type ReportedStop } from './exit-codes.js';
import { createLogger } from './log.js';
import { nodeVersionNotice, quietSdkNodeWarning } from './node-version.js';
import { createEngine } from './pipeline/compose.js';
import { createSink, loadConfig, optionsMarkdown } from './sinks/index.js';
import { startStatusServer } from './status.js';

quietSdkNodeWarning();

async function configErrorExit<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}

function loadOrExit(file: string | undefined, worker: string | undefined): Promise<ResolvedConfig> {
  return configErrorExit(() => loadConfig({ file, worker }));
}

/** What `check` prints and `run` logs at start: the converters in effect, where each came from, warnings and notices. */
function converterLines(c: ResolvedConfig): { converters: string[]; warnings: string[]; notices: string[] } {
  return {
    converters: [describeConverter(c.converters.key), describeConverter(c.converters.value)].map((l) => redact(l, c.secrets)),
    warnings: c.warnings.map((w) => redact(w, c.secrets)),
    notices: c.notices.map((n) => redact(n, c.secrets)),
  };
}

const WORKER_OPTION = ['-w, --worker <file>', 'Kafka Connect worker properties file (connect-distributed.properties): converters, bootstrap.servers, consumer.*, config.providers; also SLUICE_WORKER_CONFIG'] as const;

async function run(opts: { config?: string; worker?: string }): Promise<number> {
  const config = await loadOrExit(opts.config, opts.worker);
  const log = createLogger(config.common['log.level'], config.secrets);
  const lines = converterLines(config);
  for (const [role, line] of [['key', lines.converters[0]!], ['value', lines.converters[1]!]] as const) log.info({ [`${role}Format`]: config.converters[role].format }, line);
  for (const w of lines.warnings) log.warn(w);
  const nodeNotice = nodeVersionNotice();
  if (nodeNotice) log.info(nodeNotice);
  for (const n of lines.notices) log.info(`notice: ${n}`);
  // Its cross-key rules ran in loadConfig (the sink's registry record); creating it may still refuse what only it can check.
  const sink = await configErrorExit(() => createSink(config, log));
  const engine = createEngine({ config, sink, log });
  const grace = config.common['shutdown.grace.ms'];
  let signals = 0;
  const onSignal = (sig: string) => {
    signals++;
    if (signals === 1) {
      log.info({ signal: sig }, `${sig}: draining (send again to exit at once)`);
      // No process.exit() backstop here: while the Kafka consumer is closing (leaving the group) it
      // waits on this thread for the revoke to finish, and process.exit() would then wait for it for ever.
      void engine.stop({ kind: 'signal' });
    } else {
      log.warn({ signal: sig }, `${sig} again: exiting without draining`);
      process.exit(EXIT_SECOND_SIGNAL);
    }
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const status = config.common['status.port'] !== undefined ? await startStatusServer(config, engine, log) : undefined;
  let reason: ReportedStop;
  try {
    reason = await engine.run();
  } catch (err) {
    await engine.stop({ kind: 'failed', error: err as Error });
    reason = { kind: 'failed' as const, error: err as Error };
  }
  status?.close();
  const sinkPending = sink.closedWithPendingWrites === true;
  const code = exitCodeFor(reason, sinkPending);
  switch (stopOutcome(reason, sinkPending)) {
    case 'failed': {
      const msg = redact(errorMessage((reason as { error: Error }).error), config.secrets);
      log.error({ err: msg }, 'sluice stopped on a failure');
      process.stderr.write(`sluice: ${msg}\n`);
      break;
    }
    case 'undrained':
      log.warn({ ...engine.stats, graceMs: grace, exitCode: code }, 'sluice stopped before every batch was durable (shutdown.grace.ms); what was not committed will be read again');
      process.stderr.write(`sluice: the drain did not finish within shutdown.grace.ms (${grace} ms); what was not committed will be read again\n`);
      break;
    case 'clean':
      log.info(engine.stats, 'sluice stopped');
  }
  // Stopped means stopped: a client handle left open must not keep the process (and its exit code) waiting.
  // (Safe here: the engine has closed the Kafka clients, nothing waits on this thread any more.)
  setTimeout(() => process.exit(code), 2_000).unref();
  return code;
}

const program = new Command();
program
  .name('sluice')
  .description('Kafka → PostgreSQL (COPY) and S3 (Parquet) sink engine. Accepts Kafka Connect connector JSON; every option can also be set as a SLUICE_* environment variable.')
  .exitOverride();

program
  .command('run')
  .description('run a connector until SIGTERM/SIGINT (a second signal exits at once)')
  .option('-c, --config <file>', 'connector JSON ({"name", "config"}, Kafka Connect shape) or a connect-standalone connector .properties file; optional when SLUICE_* variables say everything')
  .option(...WORKER_OPTION)
  .action(async (opts: { config?: string; worker?: string }) => {
    process.exitCode = await run(opts);
  });

program
  .command('check')
  .description('validate a connector JSON plus environment and exit (0 valid, 2 invalid)')
  .option('-c, --config <file>', 'connector JSON or connect-standalone .properties file')
  .option(...WORKER_OPTION)
  .action(async (opts: { config?: string; worker?: string }) => {
    const c = await loadOrExit(opts.config, opts.worker);
    const sink = await configErrorExit(() => createSink(c, createLogger('silent')));
    await sink.close();
    const lines = converterLines(c);
    process.stdout.write(`ok: ${c.common.name} (${c.sink} sink, group ${c.groupId}, values ${c.valueFormat})\n`);
    for (const l of lines.converters) process.stdout.write(`${l}\n`);
    for (const t of c.transforms?.steps ?? []) {
      const when = t.predicate ? ` when ${t.negate ? 'not ' : ''}${t.predicate.name} (${t.predicate.type})` : '';
      process.stdout.write(`transform ${t.alias}: ${t.type}${when}\n`);
    }
    for (const w of lines.warnings) process.stdout.write(`warning: ${w}\n`);
    for (const n of lines.notices) process.stdout.write(`notice: ${n}\n`);
  });

program
  .command('config-docs')
  .description('print the reference of every option as markdown')
  .action(() => {
    process.stdout.write(optionsMarkdown() + '\n');
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT_CONFIG);
  process.stderr.write(`sluice: ${errorMessage(err)}\n`);
  process.exit(EXIT_FAILED);
}
