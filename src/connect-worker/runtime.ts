// The runtime of `sluice worker`: Kafka Connect's distributed mode without a
// leader. State lives in two compacted topics that every worker of the group
// reads from the beginning (kafka-log.ts):
//   config topic (config.storage.topic), keys as Kafka Connect writes them:
//     connector-<name>        {"properties": {...}}        null: deleted
//     target-state-<name>     {"state": "STARTED"|"PAUSED", "state.v2": "STARTED"|"PAUSED"|"STOPPED"}
//     restart-connector-<name>{"include-tasks": bool, "only-failed": bool}
//     restart-task-<name>-<id>{}   (Connect forwards this over REST to the task's worker; here it is a record)
//   status topic (status.storage.topic):
//     status-connector-<name>       {"state", "trace", "worker_id", "generation"}
//     status-task-<name>-<id>       the same, per task
//     topic-<topic>-connector-<name> {"topic": {"name", "connector", "task", "discoverTimestamp"}}
//     sluice-worker-<id>            {"url", "ts"}: membership (below); null when a worker leaves cleanly
// Membership: every worker writes its sluice-worker-<id> record each
// heartbeat.interval.ms; one not heard from within session.timeout.ms is gone.
// From the live workers and the connectors, each worker computes the same
// assignment (assignment.ts) and runs the connectors that fall to it; the
// records of a connector are then shared by Kafka's consumer group
// connect-<name> among the workers running it.
import type { Logger } from 'pino';
import { ConfigError, errorMessage } from '../errors.js';
import { assignConnector, tasksMax, type TaskAssignment } from './assignment.js';
import { createLogger } from '../log.js';
import { createRuntime, type EngineRuntime } from '../pipeline/compose.js';
import { ConnectorRunner, resolveConnector } from './connector-runner.js';
import { KafkaLog, type LogRecord } from './kafka-log.js';
import { ConnectorOffsets, parseOffsetsBody } from './offsets.js';
import type { WorkerSettings } from './worker-config.js';
import {
  HerderError, HerderMessages,
  type ConnectorConfig, type ConnectorInfo, type ConnectorOffset, type ConnectorOffsets as OffsetsBody, type ConnectorState,
  type ConnectorStateInfo, type Created, type Message, type RestartRequest, type StateName, type TargetState, type TaskInfo, type TaskState,
  type ConfigInfos, type ConfigKeyInfo, type Herder, type LoggerLevel, type PluginInfo, type ServerInfo,
} from './herder.js';
import { connectorPluginConfig, connectorPlugins, validateConnectorConfig } from './plugins.js';

/** A target state as the config topic holds it (Connect's TargetState: STARTED, not RUNNING). */
type Target = 'STARTED' | 'PAUSED' | 'STOPPED';
type State = StateName;

export interface StatusRecord {
  readonly state: StateName;
  readonly trace?: string | null;
  readonly worker_id: string;
  readonly generation: number;
}

export interface WorkerRuntimeOptions {
  readonly settings: WorkerSettings;
  /** How this worker is named in statuses (Connect: the advertised REST host:port); may be given to start() instead. */
  readonly workerId?: string;
  /** This worker's REST URL, announced to the others; may be given to start() instead. */
  readonly url?: string;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

interface Worker {
  url: string;
  lastSeen: number;
}

const key = {
  connector: (n: string) => `connector-${n}`,
  target: (n: string) => `target-state-${n}`,
  restart: (n: string) => `restart-connector-${n}`,
  restartTask: (n: string, id: number) => `restart-task-${n}-${id}`,
  connStatus: (n: string) => `status-connector-${n}`,
  taskStatus: (n: string, id: number) => `status-task-${n}-${id}`,
  topic: (t: string, n: string) => `topic-${t}-connector-${n}`,
  worker: (id: string) => `sluice-worker-${id}`,
};

/** Connector names as Connect accepts them: not empty, no control characters, no slash-only tricks. */
const SLUICE_VERSION = '0.1.0';
const LOG4J_TO_PINO: Record<string, string> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', FATAL: 'fatal', OFF: 'silent' };
const PINO_TO_LOG4J: Record<string, string> = Object.fromEntries(Object.entries(LOG4J_TO_PINO).map(([a, b]) => [b, a]));

function targetValue(t: Target): Record<string, unknown> {
  // state: what workers before KIP-875 read (no STOPPED there); state.v2: the real one.
  return { state: t === 'STOPPED' ? 'PAUSED' : t, 'state.v2': t };
}

function checkName(name: string): void {
  if (name.trim() === '') throw HerderError.badRequest('Connector name is empty');
  if (/[\u0000-\u001f\u007f]/.test(name)) throw HerderError.badRequest(`Connector name "${name}" contains control characters`);
}

export class WorkerRuntime implements Herder {
  workerId: string;
  private url: string;
  private readonly settings: WorkerSettings;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly configs = new Map<string, Record<string, string>>();
  private readonly targets = new Map<string, Target>();
  private readonly connStatus = new Map<string, StatusRecord>();
  /** name → task id → status. */
  private readonly taskStatuses = new Map<string, Map<number, StatusRecord>>();
  /** name → topic → discoverTimestamp. */
  private readonly topics = new Map<string, Map<string, number>>();
  private readonly workers = new Map<string, Worker>();
  private readonly runners = new Map<string, ConnectorRunner>();
  /** Connectors stopping here (draining), by name: started again once done. */
  private readonly draining = new Map<string, Promise<void>>();
  /** What this worker last wrote per connector, so it writes a status only when it changes. */
  private readonly written = new Map<string, string>();
  private configLog!: KafkaLog;
  private statusLog!: KafkaLog;
  private caughtUp = false;
  private heartbeat?: NodeJS.Timeout;
  private reconciling: Promise<void> = Promise.resolve();
  private dirty = false;
  private stopping = false;
  private generation = 0;
  /** The one worker-thread pool and byte budget of every connector here. */
  private engineRuntime?: EngineRuntime;
  private runs = 0;
  private readonly restarts: { name: string; task?: number; includeTasks: boolean; onlyFailed: boolean }[] = [];

  constructor(opts: WorkerRuntimeOptions) {
    this.settings = opts.settings;
    this.workerId = opts.workerId ?? '';
    this.url = opts.url ?? '';
    this.log = opts.log;
    this.env = opts.env ?? process.env;
  }

  // ---------------- lifecycle ----------------

  /** Reads the topics to their end, joins the group and starts the connectors that fall to this worker. */
  async start(identity?: { workerId: string; url: string }): Promise<void> {
    if (identity) {
      this.workerId = identity.workerId;
      this.url = identity.url;
    }
    if (!this.workerId) throw new Error('a worker id is needed to start');
    const s = this.settings;
    const common = { bootstrapServers: s.bootstrapServers, kafka: s.kafka, log: this.log };
    const clientBase = `sluice-worker-${s.groupId}-${this.workerId.replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}`;
    this.configLog = new KafkaLog({ ...common, topic: s.configTopic, partitions: 1, replicationFactor: s.configReplication, clientId: `${clientBase}-config` }, (r) => this.onConfigRecord(r));
    this.statusLog = new KafkaLog({ ...common, topic: s.statusTopic, partitions: s.statusPartitions, replicationFactor: s.statusReplication, clientId: `${clientBase}-status` }, (r) => this.onStatusRecord(r));
    await Promise.all([this.configLog.start(), this.statusLog.start()]);
    this.engineRuntime = createRuntime(s.threads, s.inflightMaxBytes);
    this.caughtUp = true;
    this.workers.set(this.workerId, { url: this.url, lastSeen: Date.now() });
    await this.beat();
    this.heartbeat = setInterval(() => {
      void this.beat().catch((err) => this.log.warn(`heartbeat: ${errorMessage(err)}`));
      this.schedule();
    }, s.heartbeatMs);
    this.log.info({ group: s.groupId, workerId: this.workerId, connectors: this.configs.size, threads: s.threads, inflightMaxBytes: s.inflightMaxBytes }, 'worker joined its group');
    this.schedule();
  }

  private async beat(): Promise<void> {
    if (this.stopping) return;
    await this.statusLog.send(key.worker(this.workerId), { url: this.url, ts: Date.now() });
    await this.reportTopics();
  }

  /** Stops every connector here (drained and committed), then leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (!this.caughtUp) return;
    clearInterval(this.heartbeat);
    await this.reconciling;
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
    await Promise.all(this.draining.values());
    await this.engineRuntime?.pool.destroy();
    await this.statusLog.send(key.worker(this.workerId), null).catch(() => {});
    await Promise.all([this.configLog.stop(), this.statusLog.stop()]);
  }

  // ---------------- reading the topics ----------------

  private onConfigRecord(r: LogRecord): void {
    const v = r.value;
    let m: RegExpMatchArray | null;
    if (r.key.startsWith('connector-')) {
      const name = r.key.slice('connector-'.length);
      if (v === null) {
        this.configs.delete(name);
        this.targets.delete(name);
      } else {
        const props = (v.properties ?? {}) as Record<string, unknown>;
        this.configs.set(name, Object.fromEntries(Object.entries(props).map(([k, x]) => [k, String(x)])));
        if (!this.targets.has(name)) this.targets.set(name, 'STARTED');
      }
    } else if (r.key.startsWith('target-state-')) {
      const name = r.key.slice('target-state-'.length);
      if (v === null) this.targets.delete(name);
      else {
        const st = String(v['state.v2'] ?? v.state ?? 'STARTED');
        this.targets.set(name, st === 'PAUSED' || st === 'STOPPED' ? st : 'STARTED');
      }
    } else if (r.key.startsWith('restart-connector-') && v !== null) {
      // Requests already in the log when this worker started were carried out by the workers of that time.
      if (this.caughtUp) this.restarts.push({ name: r.key.slice('restart-connector-'.length), includeTasks: v['include-tasks'] === true, onlyFailed: v['only-failed'] === true });
    } else if (r.key.startsWith('logger-cluster-') && v !== null) {
      // PUT /admin/loggers/{name}?scope=cluster on any worker: every worker applies it.
      this.applyLoggerLevel(r.key.slice('logger-cluster-'.length), String(v.level ?? 'INFO'), r.timestamp);
      return;
    } else if ((m = /^restart-task-(.*)-(\d+)$/.exec(r.key)) && v !== null) {
      if (this.caughtUp) this.restarts.push({ name: m[1]!, task: Number(m[2]), includeTasks: true, onlyFailed: false });
    } else return;
    this.schedule();
  }

  private onStatusRecord(r: LogRecord): void {
    const v = r.value;
    let m: RegExpMatchArray | null;
    if (r.key.startsWith('sluice-worker-')) {
      const id = r.key.slice('sluice-worker-'.length);
      if (v === null) this.workers.delete(id);
      else if (id !== this.workerId || !this.caughtUp) {
        // While catching up, a record's own time says how recent it is; afterwards, its arrival.
        this.workers.set(id, { url: String(v.url ?? ''), lastSeen: this.caughtUp ? Date.now() : r.timestamp });
      }
      if (this.caughtUp) this.schedule();
    } else if (r.key.startsWith('status-connector-')) {
      const name = r.key.slice('status-connector-'.length);
      if (v === null) this.connStatus.delete(name);
      else this.connStatus.set(name, v as unknown as StatusRecord);
    } else if ((m = /^status-task-(.*)-(\d+)$/.exec(r.key))) {
      const name = m[1]!;
      const id = Number(m[2]);
      let tasks = this.taskStatuses.get(name);
      if (v === null) tasks?.delete(id);
      else {
        if (!tasks) this.taskStatuses.set(name, (tasks = new Map()));
        tasks.set(id, v as unknown as StatusRecord);
      }
    } else if ((m = /^topic-(.*)-connector-(.*)$/.exec(r.key))) {
      const [, topic, name] = m as unknown as [string, string, string];
      let t = this.topics.get(name);
      if (v === null) t?.delete(topic);
      else {
        if (!t) this.topics.set(name, (t = new Map()));
        const rec = (v.topic ?? {}) as { discoverTimestamp?: number };
        t.set(topic, Number(rec.discoverTimestamp ?? r.timestamp));
      }
    }
  }

  // ---------------- assignment ----------------

  /** The workers heard from within session.timeout.ms (this one always, while it runs). */
  liveWorkers(): string[] {
    const now = Date.now();
    const live = [...this.workers].filter(([id, w]) => id === this.workerId || now - w.lastSeen <= this.settings.sessionTimeoutMs).map(([id]) => id);
    return live.sort();
  }

  private assignment(name: string): TaskAssignment[] {
    const cfg = this.configs.get(name);
    if (!cfg) return [];
    return assignConnector(name, tasksMax(cfg), this.liveWorkers());
  }

  private schedule(): void {
    if (!this.caughtUp || this.stopping) return;
    if (this.dirty) return;
    this.dirty = true;
    this.reconciling = this.reconciling.then(async () => {
      this.dirty = false;
      if (this.stopping) return;
      try {
        await this.reconcile();
      } catch (err) {
        this.log.error(`reconciling connectors: ${errorMessage(err)}`);
      }
    });
  }

  /** Brings the connectors running here in line with the config topic and the live workers. */
  private async reconcile(): Promise<void> {
    const restarts = this.restarts.splice(0);
    const names = new Set([...this.configs.keys(), ...this.runners.keys()]);
    const work: Promise<void>[] = [];
    for (const name of names) work.push(this.reconcileOne(name, restarts.filter((r) => r.name === name)));
    await Promise.all(work);
  }

  private async reconcileOne(name: string, restarts: typeof this.restarts): Promise<void> {
    const cfg = this.configs.get(name);
    const target = this.targets.get(name) ?? 'STARTED';
    const tasks = cfg ? this.assignment(name) : [];
    const mine = tasks.find((t) => t.workerId === this.workerId);
    let runner = this.runners.get(name);
    const wanted = cfg !== undefined && target === 'STARTED' && mine !== undefined;
    const configChanged = runner !== undefined && cfg !== undefined && JSON.stringify(runner.config) !== JSON.stringify(cfg);
    const restart = runner !== undefined && restarts.some((r) => (r.task === undefined || r.task === mine?.id) && (r.task !== undefined || r.includeTasks || runner!.state === 'FAILED') && (!r.onlyFailed || runner!.state === 'FAILED'));
    if (runner && (!wanted || configChanged || restart)) {
      this.runners.delete(name);
      this.log.info({ connector: name, why: !wanted ? (cfg ? target.toLowerCase() : 'deleted') : configChanged ? 'config updated' : 'restart' }, 'stopping connector');
      if (restart && wanted && mine) await this.writeTask(name, mine.id, 'RESTARTING');
      // The drain (up to shutdown.grace.ms) goes on without holding up the other connectors; this one starts again after it.
      const stopping = runner;
      this.draining.set(name, stopping.stop()
        .catch((err) => this.log.warn({ connector: name }, `stopping: ${errorMessage(err)}`))
        .finally(() => {
          this.draining.delete(name);
          this.schedule();
        }));
      runner = undefined;
    }
    if (!cfg) {
      await this.forget(name);
      return;
    }
    const draining = this.draining.has(name);
    if (wanted && !runner && !draining) {
      runner = new ConnectorRunner({
        name,
        config: cfg,
        workerFile: this.settings.mergedFile,
        env: this.env,
        log: this.log.child({ connector: name }),
        logWithSecrets: (secrets) => createLogger(this.log.level, [...this.settings.secrets, ...secrets]).child({ connector: name }),
        runtime: this.engineRuntime!,
        connectorId: `${name}#${++this.runs}`,
        onFailed: () => this.schedule(),
      });
      this.runners.set(name, runner);
      this.log.info({ connector: name, task: mine!.id, tasks: tasks.length }, 'starting connector');
      runner.start();
    }
    // Statuses: each worker its task's; the worker of task 0 the connector's (a restart shows RESTARTING until it runs again).
    if (mine && !(wanted && draining)) {
      const state: State = target === 'PAUSED' ? 'PAUSED' : target === 'STOPPED' ? 'STOPPED' : runner?.state === 'FAILED' ? 'FAILED' : 'RUNNING';
      if (target !== 'STOPPED') await this.writeTask(name, mine.id, state, runner?.failure);
      if (mine.id === 0) {
        const configFailure = runner?.state === 'FAILED' && runner.configFailed ? runner.failure : undefined;
        await this.writeConnector(name, configFailure ? 'FAILED' : state === 'FAILED' ? 'RUNNING' : state, configFailure);
      }
    }
  }

  private async writeTask(name: string, id: number, state: State, trace?: string): Promise<void> {
    const memo = `task\u0000${name}`;
    const sig = `${id}\u0000${state}\u0000${trace ?? ''}`;
    if (this.written.get(memo) === sig) return;
    await this.statusLog.send(key.taskStatus(name, id), { state, trace: trace ?? null, worker_id: this.workerId, generation: ++this.generation });
    this.written.set(memo, sig);
  }

  private async writeConnector(name: string, state: State, trace?: string): Promise<void> {
    const memo = `connector\u0000${name}`;
    const sig = `${state}\u0000${trace ?? ''}`;
    if (this.written.get(memo) === sig) return;
    await this.statusLog.send(key.connStatus(name), { state, trace: trace ?? null, worker_id: this.workerId, generation: ++this.generation });
    this.written.set(memo, sig);
  }

  /** A deleted connector: its statuses go (written once, by the worker that had task 0). */
  private async forget(name: string): Promise<void> {
    const had = this.written.has(`connector\u0000${name}`);
    this.written.delete(`connector\u0000${name}`);
    this.written.delete(`task\u0000${name}`);
    if (!had) return;
    const sends = [this.statusLog.send(key.connStatus(name), null)];
    for (const id of this.taskStatuses.get(name)?.keys() ?? []) sends.push(this.statusLog.send(key.taskStatus(name, id), null));
    for (const t of this.topics.get(name)?.keys() ?? []) sends.push(this.statusLog.send(key.topic(t, name), null));
    await Promise.all(sends);
  }

  /** Records read per connector when its topics were last looked at (topic tracking). */
  private readonly readAtLastReport = new Map<string, number>();

  /**
   * Topic tracking (KIP-558): the topics a connector here reads, each recorded
   * once. As in Connect, a topic is recorded when records from it are read, so
   * after a reset it comes back only with new records.
   */
  private async reportTopics(): Promise<void> {
    for (const [name, runner] of this.runners) {
      const read = runner.stats?.recordsIn ?? 0;
      // A restarted connector's engine counts from zero again.
      const prev = this.readAtLastReport.get(name) ?? 0;
      const before = read < prev ? 0 : prev;
      this.readAtLastReport.set(name, read);
      if (read <= before) continue;
      const known = this.topics.get(name);
      const id = this.assignment(name).find((t) => t.workerId === this.workerId)?.id ?? 0;
      for (const topic of runner.topics()) {
        if (known?.has(topic)) continue;
        await this.statusLog.send(key.topic(topic, name), { topic: { name: topic, connector: name, task: id, discoverTimestamp: Date.now() } });
      }
    }
  }

  // ---------------- the Herder side (what the REST API calls) ----------------

  private async sync(): Promise<void> {
    if (!this.caughtUp) throw new HerderError(503, 'Worker is still starting up: the config topic has not been read to its end yet');
    await Promise.all([this.configLog.readToEnd(), this.statusLog.readToEnd()]);
  }

  private existing(name: string): Record<string, string> {
    const cfg = this.configs.get(name);
    if (!cfg) throw HerderError.notFound(HerderMessages.connectorNotFound(name));
    return cfg;
  }

  async connectors(): Promise<string[]> {
    await this.sync();
    return [...this.configs.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    await this.sync();
    const config = this.existing(name);
    const tasks = this.targets.get(name) === 'STOPPED' ? [] : this.assignment(name).map((t) => ({ connector: name, task: t.id }));
    return { name, config: { ...config }, tasks, type: 'sink' };
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    await this.sync();
    return { ...this.existing(name) };
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    await this.sync();
    this.existing(name);
    const target = this.targets.get(name) ?? 'STARTED';
    const tasks = this.assignment(name);
    const recorded = this.connStatus.get(name);
    const owner = tasks[0]?.workerId ?? this.workerId;
    const connector: ConnectorState = recorded
      ? { state: recorded.state, worker_id: recorded.worker_id, ...(recorded.trace ? { trace: recorded.trace } : {}) }
      : { state: 'UNASSIGNED', worker_id: owner };
    if (target === 'STOPPED') return { name, connector: { state: 'STOPPED', worker_id: owner }, tasks: [], type: 'sink' };
    const statuses = this.taskStatuses.get(name);
    return {
      name,
      connector,
      tasks: tasks.map((t) => {
        const s = statuses?.get(t.id);
        if (!s || s.worker_id !== t.workerId) return { id: t.id, state: 'UNASSIGNED' as State, worker_id: t.workerId };
        return { id: t.id, state: s.state, worker_id: s.worker_id, ...(s.trace ? { trace: s.trace } : {}) };
      }),
      type: 'sink',
    };
  }

  async taskStatus(name: string, id: number): Promise<TaskState> {
    const status = await this.connectorStatus(name);
    const t = status.tasks.find((x) => x.id === id);
    if (!t) throw HerderError.notFound(HerderMessages.taskNotFound(name, id));
    return t;
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    const info = await this.connectorInfo(name);
    // Every task runs the connector's config (the consumer group spreads the partitions).
    return info.tasks.map((t) => ({ id: t, config: { ...info.config, 'task.class': info.config['connector.class'] ?? '' } }));
  }

  /** Checks a config as the runtime would run it; throws 400 naming each problem. */
  validate(name: string, config: ConnectorConfig): void {
    try {
      resolveConnector(name, config, this.settings.mergedFile, this.env);
    } catch (err) {
      if (err instanceof ConfigError) throw HerderError.badRequest(HerderMessages.invalidConfig(err.problems));
      throw err;
    }
  }

  /** POST /connectors and PUT /connectors/{name}/config. */
  async putConnectorConfig(name: string, config: ConnectorConfig, allowReplace: boolean, initialState?: TargetState): Promise<Created<ConnectorInfo>> {
    checkName(name);
    const props: Record<string, string> = { ...config, name };
    await this.sync();
    const exists = this.configs.has(name);
    if (exists && !allowReplace) throw HerderError.alreadyExists(HerderMessages.connectorExists(name));
    this.validate(name, props);
    if (!exists) {
      const initial: Target = initialState === 'PAUSED' || initialState === 'STOPPED' ? initialState : 'STARTED';
      await this.configLog.send(key.target(name), targetValue(initial));
    }
    await this.configLog.send(key.connector(name), { properties: props });
    await this.configLog.readToEnd();
    return { created: !exists, result: await this.connectorInfo(name) };
  }

  /** PATCH /connectors/{name}/config: merged; a null value removes the key. */
  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    await this.sync();
    const merged: Record<string, string> = { ...this.existing(name) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = String(v);
    }
    return (await this.putConnectorConfig(name, merged, true)).result;
  }

  async deleteConnector(name: string): Promise<void> {
    await this.sync();
    this.existing(name);
    await this.configLog.send(key.connector(name), null);
    await this.configLog.send(key.target(name), null);
    await this.configLog.readToEnd();
  }

  private async setTarget(name: string, state: Target): Promise<void> {
    await this.sync();
    this.existing(name);
    await this.configLog.send(key.target(name), targetValue(state));
    await this.configLog.readToEnd();
  }

  pauseConnector(name: string): Promise<void> {
    return this.setTarget(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.setTarget(name, 'STARTED');
  }

  stopConnector(name: string): Promise<void> {
    return this.setTarget(name, 'STOPPED');
  }

  /** POST /connectors/{name}/restart: the connector instance only (a FAILED one starts again). */
  async restartConnector(name: string): Promise<void> {
    await this.sync();
    this.existing(name);
    await this.configLog.send(key.restart(name), { 'include-tasks': false, 'only-failed': false });
  }

  /** POST /connectors/{name}/restart?includeTasks=&onlyFailed=: carried out by the workers running it. */
  async restartConnectorAndTasks(request: RestartRequest): Promise<ConnectorStateInfo> {
    const name = request.connector;
    await this.sync();
    this.existing(name);
    // The 202 body: what the restart will touch, as RESTARTING (Connect's restart plan, made from the status before it).
    const status = await this.connectorStatus(name);
    await this.configLog.send(key.restart(name), { 'include-tasks': request.includeTasks, 'only-failed': request.onlyFailed });
    const touched = (s: StateName) => !request.onlyFailed || s === 'FAILED';
    return {
      ...status,
      connector: touched(status.connector.state) ? { ...status.connector, state: 'RESTARTING' } : status.connector,
      tasks: status.tasks.map((t) => (request.includeTasks && touched(t.state) ? { ...t, state: 'RESTARTING' as StateName } : t)),
    };
  }

  async restartTask(name: string, id: number): Promise<void> {
    await this.sync();
    this.existing(name);
    if (!this.assignment(name).some((t) => t.id === id)) throw HerderError.notFound(HerderMessages.taskNotFound(name, id));
    await this.configLog.send(key.restartTask(name, id), {});
  }

  /** GET /connectors/{name}/topics. */
  async connectorActiveTopics(name: string): Promise<string[]> {
    await this.sync();
    this.existing(name);
    return [...(this.topics.get(name)?.keys() ?? [])].sort();
  }

  /** PUT /connectors/{name}/topics/reset. */
  async resetConnectorActiveTopics(name: string): Promise<void> {
    await this.sync();
    this.existing(name);
    await Promise.all([...(this.topics.get(name)?.keys() ?? [])].map((t) => this.statusLog.send(key.topic(t, name), null)));
    await this.statusLog.readToEnd();
  }

  private offsetsFor(name: string): ConnectorOffsets {
    const cfg = this.existing(name);
    try {
      return new ConnectorOffsets(resolveConnector(name, cfg, this.settings.mergedFile, this.env), this.log.child({ connector: name }));
    } catch (err) {
      throw HerderError.badRequest(`Connector ${name}'s configuration does not resolve: ${errorMessage(err)}`);
    }
  }

  async connectorOffsets(name: string): Promise<OffsetsBody> {
    await this.sync();
    return { offsets: await this.offsetsFor(name).get() };
  }

  private async requireStopped(name: string): Promise<ConnectorOffsets> {
    await this.sync();
    const offsets = this.offsetsFor(name);
    if (this.targets.get(name) !== 'STOPPED') throw HerderError.badRequest(HerderMessages.offsetsNeedStopped(name));
    return offsets;
  }

  /** PATCH /connectors/{name}/offsets. */
  async alterConnectorOffsets(name: string, list: readonly ConnectorOffset[]): Promise<Message> {
    const offsets = await this.requireStopped(name);
    let entries;
    try {
      entries = parseOffsetsBody({ offsets: list });
    } catch (err) {
      throw HerderError.badRequest(errorMessage(err));
    }
    await this.runOffsetChange(() => offsets.alter(entries));
    return { message: 'The offsets for this connector have been altered successfully' };
  }

  /** DELETE /connectors/{name}/offsets. */
  async resetConnectorOffsets(name: string): Promise<Message> {
    const offsets = await this.requireStopped(name);
    await this.runOffsetChange(() => offsets.reset());
    return { message: 'The offsets for this connector have been reset successfully' };
  }

  private async runOffsetChange(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof HerderError) throw err;
      throw new HerderError(500, `Failed to modify offsets: ${errorMessage(err)}`);
    }
  }

  // ---------------- server, plugins, loggers ----------------

  async serverInfo(): Promise<ServerInfo> {
    return { version: SLUICE_VERSION, commit: this.env.SLUICE_COMMIT ?? '', kafka_cluster_id: this.settings.groupId };
  }

  async healthCheck(): Promise<void> {
    if (!this.caughtUp) throw new HerderError(503, 'Worker is still starting up');
    await this.sync();
  }

  isReady(): boolean {
    return this.caughtUp;
  }

  connectorPlugins(): PluginInfo[] {
    return connectorPlugins();
  }

  connectorPluginConfig(pluginClass: string): Promise<ConfigKeyInfo[]> {
    return connectorPluginConfig(pluginClass);
  }

  validateConnectorConfig(config: ConnectorConfig): Promise<ConfigInfos> {
    return validateConnectorConfig(config, this.settings.mergedFile, this.env);
  }

  private readonly loggerLevels = new Map<string, LoggerLevel>();

  private applyLoggerLevel(namespace: string, level: string, when: number): string[] {
    const pinoLevel = LOG4J_TO_PINO[level.toUpperCase()] ?? 'info';
    this.loggerLevels.set(namespace, { level: level.toUpperCase(), last_modified: when });
    // Sluice's loggers are one tree: the root (or any namespace above Sluice's) sets the worker's and every connector's level;
    // a connector's name sets that connector's.
    const runner = this.runners.get(namespace);
    if (runner) runner.log.level = pinoLevel;
    else {
      this.log.level = pinoLevel;
      for (const r of this.runners.values()) r.log.level = pinoLevel;
    }
    return [namespace];
  }

  allLoggerLevels(): Record<string, LoggerLevel> {
    const root = { level: PINO_TO_LOG4J[this.log.level] ?? 'INFO', last_modified: this.loggerLevels.get('root')?.last_modified ?? null };
    return { ...Object.fromEntries(this.loggerLevels), root };
  }

  loggerLevel(name: string): LoggerLevel | null {
    return this.allLoggerLevels()[name] ?? null;
  }

  setWorkerLoggerLevel(namespace: string, level: string): string[] {
    return this.applyLoggerLevel(namespace, level, Date.now());
  }

  async setClusterLoggerLevel(namespace: string, level: string): Promise<void> {
    await this.configLog.send(`logger-cluster-${namespace}`, { level: level.toUpperCase() });
  }

  /** The byte budget every connector here shares (metrics). */
  sharedBudget(): EngineRuntime['budget'] | undefined {
    return this.engineRuntime?.budget;
  }

  /** Connectors running on this worker, for metrics and the worker's own status. */
  localConnectors(): ReadonlyMap<string, ConnectorRunner> {
    return this.runners;
  }

  /** GET /: the worker's identity. */
  info(): { workerId: string; group: string; liveWorkers: string[] } {
    return { workerId: this.workerId, group: this.settings.groupId, liveWorkers: this.liveWorkers() };
  }
}
