// One connector running on this worker: its config resolved as `sluice run`
// resolves a file (the worker properties under it, SLUICE_* over it), its sink
// and the engine that feeds it, on the worker's one thread pool and within its
// one byte budget (inflight.max.bytes for all connectors together). The only
// file that builds engines for the worker runtime.
import type { Logger } from 'pino';
import { describeConverter, redact, type ResolvedConfig } from '../config/load.js';
import { ConfigError, errorMessage } from '../errors.js';
import { createEngine, type EngineRuntime } from '../pipeline/compose.js';
import type { Engine, EngineStats } from '../pipeline/engine.js';
import { createSink, loadConfig } from '../sinks/index.js';

export type RunnerState = 'RUNNING' | 'FAILED' | 'STOPPED';

export interface RunnerOptions {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
  /** The worker properties file the connector inherits from. */
  readonly workerFile?: string;
  readonly env: NodeJS.ProcessEnv;
  /** Until the config is resolved. */
  readonly log: Logger;
  /** The connector's logger once its secrets are known: they are masked in everything it logs, as `sluice run` does. */
  readonly logWithSecrets?: (secrets: readonly string[]) => Logger;
  /** The worker's pool and budget, shared by its connectors. */
  readonly runtime: EngineRuntime;
  /** Names this run of the connector in the shared pool (unique per process). */
  readonly connectorId: string;
  /** Called when the connector stops on its own (a failure). */
  readonly onFailed: (trace: string) => void;
}

/** Resolves a connector's config as the runtime will run it (throws ConfigError). */
export function resolveConnector(
  name: string, config: Readonly<Record<string, string>>, workerFile: string | undefined, env: NodeJS.ProcessEnv,
): ResolvedConfig {
  return loadConfig({ json: { name, config: { ...config, name } }, worker: workerFile, env });
}

export class ConnectorRunner {
  private engine?: Engine;
  private resolved?: ResolvedConfig;
  private runDone?: Promise<unknown>;
  private booting?: Promise<void>;
  private trace?: string;
  private stopped = false;
  /** The failure is the connector's config (Connect: the connector FAILED, not only its task). */
  configFailed = false;

  constructor(private readonly opts: RunnerOptions) {}

  get state(): RunnerState {
    if (this.trace !== undefined) return 'FAILED';
    return this.stopped ? 'STOPPED' : 'RUNNING';
  }

  get failure(): string | undefined {
    return this.trace;
  }

  get stats(): EngineStats | undefined {
    return this.engine?.stats;
  }

  private logger?: Logger;

  get log(): Logger {
    return this.logger ?? this.opts.log;
  }

  get config(): Readonly<Record<string, string>> {
    return this.opts.config;
  }

  lag(): { topic: string; partition: number; lag: number }[] {
    return this.engine?.lag() ?? [];
  }

  positions(): ReturnType<Engine['positions']> {
    return this.engine?.positions() ?? [];
  }

  /** Topics this connector has been assigned partitions of. */
  topics(): string[] {
    return [...new Set(this.positions().map((p) => p.topic))];
  }

  private failed(err: unknown): void {
    if (this.trace !== undefined || this.stopped) return;
    const secrets = this.resolved?.secrets ?? [];
    const e = err as Error;
    this.configFailed = err instanceof ConfigError;
    this.trace = redact(`${errorMessage(err)}${e?.stack ? `\n${e.stack.split('\n').slice(1).join('\n')}` : ''}`, secrets);
    this.log.error({ err: redact(errorMessage(err), secrets) }, 'connector failed');
    this.opts.onFailed(this.trace);
  }

  /** Starts consuming; a config or connection problem leaves the runner FAILED with its trace. */
  start(): void {
    this.booting = this.boot();
  }

  private async boot(): Promise<void> {
    let engine: Engine;
    try {
      this.resolved = resolveConnector(this.opts.name, this.opts.config, this.opts.workerFile, this.opts.env);
      const c = this.resolved;
      if (this.opts.logWithSecrets) {
        const level = this.opts.log.level;
        this.logger = this.opts.logWithSecrets(c.secrets);
        this.logger.level = level;
      }
      const log = this.log;
      // What `sluice run` says at start: the converters in effect and where each came from, then the warnings.
      for (const role of ['key', 'value'] as const) log.info({ [`${role}Format`]: c.converters[role].format }, redact(describeConverter(c.converters[role]), c.secrets));
      for (const w of c.warnings) log.warn(redact(w, c.secrets));
      const sink = await createSink(c, log);
      if (this.stopped) {
        await sink.close();
        return;
      }
      engine = this.engine = createEngine({ config: c, sink, log, runtime: this.opts.runtime, connectorId: this.opts.connectorId });
    } catch (err) {
      this.failed(err);
      return;
    }
    this.runDone = engine.run().then(
      (reason) => {
        if (reason.kind === 'failed') this.failed(reason.error);
      },
      async (err) => {
        await engine.stop({ kind: 'failed', error: err as Error });
        this.failed(err);
      },
    );
  }

  /** Drains and stops (pause, stop, delete, reassignment, config update). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.booting;
    await this.engine?.stop({ kind: 'requested' });
    await this.runDone;
  }
}
