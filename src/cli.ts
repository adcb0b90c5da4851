#!/usr/bin/env node
// sluice run --config connector.json   (plus SLUICE_* environment variables)
// Exit codes: 0 stopped cleanly, 1 stopped on a failure, 2 configuration error,
// 130 a second signal cut the drain short.
import { Command, CommanderError } from 'commander';
import { loadConfig, redact, type ResolvedConfig } from './config/load.js';
import { optionsMarkdown } from './config/docs.js';
import { ConfigError, errorMessage } from './errors.js';
import { createLogger } from './log.js';
import { Engine } from './pipeline/engine.js';
import { createSink } from './sinks/index.js';
import { startStatusServer } from './status.js';

function configErrorExit<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

function loadOrExit(file: string | undefined): ResolvedConfig {
  return configErrorExit(() => loadConfig({ file }));
}

async function run(opts: { config?: string }): Promise<number> {
  const config = loadOrExit(opts.config);
  const log = createLogger(config.common['log.level'], config.secrets);
  // A sink checks its own cross-key rules (partitioner, credentials) when created.
  const sink = configErrorExit(() => createSink(config, log));
  const engine = new Engine({ config, sink, log });
  let signals = 0;
  const onSignal = (sig: string) => {
    signals++;
    if (signals === 1) {
      log.info({ signal: sig }, `${sig}: draining (send again to exit at once)`);
      void engine.stop({ kind: 'signal' });
    } else {
      log.warn({ signal: sig }, `${sig} again: exiting without draining`);
      process.exit(130);
    }
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const status = config.common['status.port'] !== undefined ? await startStatusServer(config, engine, log) : undefined;
  let reason;
  try {
    reason = await engine.run();
  } catch (err) {
    await engine.stop({ kind: 'failed', error: err as Error });
    reason = { kind: 'failed' as const, error: err as Error };
  }
  status?.close();
  if (reason.kind === 'failed') {
    const msg = redact(errorMessage(reason.error), config.secrets);
    log.error({ err: msg }, 'sluice stopped on a failure');
    process.stderr.write(`sluice: ${msg}\n`);
    return 1;
  }
  log.info(engine.stats, 'sluice stopped');
  return 0;
}

const program = new Command();
program
  .name('sluice')
  .description('Kafka → PostgreSQL (COPY) and S3 (Parquet) sink engine. Accepts Kafka Connect connector JSON; every option can also be set as a SLUICE_* environment variable.')
  .exitOverride();

program
  .command('run')
  .description('run a connector until SIGTERM/SIGINT (a second signal exits at once)')
  .option('-c, --config <file>', 'connector JSON ({"name", "config"}, Kafka Connect shape); optional when SLUICE_* variables say everything')
  .action(async (opts: { config?: string }) => {
    process.exitCode = await run(opts);
  });

program
  .command('check')
  .description('validate a connector JSON plus environment and exit (0 valid, 2 invalid)')
  .option('-c, --config <file>', 'connector JSON')
  .action(async (opts: { config?: string }) => {
    const c = loadOrExit(opts.config);
    const sink = configErrorExit(() => createSink(c, createLogger('silent')));
    await sink.close();
    process.stdout.write(`ok: ${c.common.name} (${c.sink} sink, group ${c.groupId}, values ${c.valueFormat})\n`);
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
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  process.stderr.write(`sluice: ${errorMessage(err)}\n`);
  process.exit(1);
}
