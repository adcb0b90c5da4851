// An in-memory Herder for the REST tests: Connect's semantics (404 for an
// unknown connector, 409 for an existing one, offsets changed only while
// STOPPED, validation errors in ConfigInfos) without Kafka, so every route can
// be driven over real HTTP.
import {
  HerderError,
  HerderMessages,
  type ConfigInfo,
  type ConfigInfos,
  type ConfigKeyInfo,
  type ConnectorConfig,
  type ConnectorInfo,
  type ConnectorOffset,
  type ConnectorOffsets,
  type ConnectorStateInfo,
  type Created,
  type Herder,
  type LoggerLevel,
  type Message,
  type PluginInfo,
  type RestartRequest,
  type ServerInfo,
  type TargetState,
  type TaskInfo,
  type TaskState,
} from '../../src/connect-worker/herder.js';

export const JDBC_SINK = 'io.confluent.connect.jdbc.JdbcSinkConnector';
export const S3_SINK = 'io.confluent.connect.s3.S3SinkConnector';

interface Conn {
  config: ConnectorConfig;
  target: TargetState;
  /** A failure trace to report (FAILED connector and tasks). */
  failure?: string;
  topics: Set<string>;
  offsets: Map<string, ConnectorOffset>;
  restarts: number;
}

const KEYS: Array<{ name: string; type: ConfigKeyInfo['type']; required: boolean; dflt: string | null }> = [
  { name: 'name', type: 'STRING', required: true, dflt: null },
  { name: 'connector.class', type: 'STRING', required: true, dflt: null },
  { name: 'tasks.max', type: 'INT', required: false, dflt: '1' },
  { name: 'topics', type: 'LIST', required: false, dflt: '' },
  { name: 'connection.url', type: 'STRING', required: true, dflt: null },
  { name: 'connection.user', type: 'STRING', required: false, dflt: null },
  { name: 'connection.password', type: 'PASSWORD', required: false, dflt: null },
];

export class FakeHerder implements Herder {
  readonly connectorsMap = new Map<string, Conn>();
  readonly loggers = new Map<string, LoggerLevel>([['root', { level: 'INFO', last_modified: null }]]);
  readonly calls: string[] = [];
  /** When set, operations Connect forwards to the leader fail with HerderError.forward(this URL). */
  forwardTo: string | undefined;
  ready = true;
  healthy = true;
  readonly workerId = '127.0.0.1:8083';

  async serverInfo(): Promise<ServerInfo> {
    return { version: '0.1.0', commit: 'fake', kafka_cluster_id: 'fake-cluster' };
  }

  async healthCheck(): Promise<void> {
    if (!this.healthy) throw new Error('the config topic is not read yet');
  }

  isReady(): boolean {
    return this.ready;
  }

  private get(name: string): Conn {
    const c = this.connectorsMap.get(name);
    if (!c) throw HerderError.notFound(HerderMessages.connectorNotFound(name));
    return c;
  }

  private leaderOnly(): void {
    if (this.forwardTo !== undefined) throw HerderError.forward(this.forwardTo);
  }

  private taskCount(c: Conn): number {
    if (c.target === 'STOPPED') return 0;
    return Math.max(1, Number(c.config['tasks.max'] ?? '1') || 1);
  }

  private info(name: string, c: Conn): ConnectorInfo {
    return { name, config: { ...c.config }, tasks: Array.from({ length: this.taskCount(c) }, (_, task) => ({ connector: name, task })), type: 'sink' };
  }

  async connectors(): Promise<string[]> {
    return [...this.connectorsMap.keys()];
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    return this.info(name, this.get(name));
  }

  async connectorConfig(name: string): Promise<ConnectorConfig> {
    return { ...this.get(name).config };
  }

  async putConnectorConfig(name: string, config: ConnectorConfig, allowReplace: boolean, initialState?: TargetState): Promise<Created<ConnectorInfo>> {
    this.leaderOnly();
    this.calls.push(`put ${name} replace=${allowReplace} state=${initialState ?? ''}`);
    const existing = this.connectorsMap.get(name);
    if (existing && !allowReplace) throw HerderError.alreadyExists(HerderMessages.connectorExists(name));
    const v = await this.validateConnectorConfig(config);
    if (v.error_count > 0) throw HerderError.badRequest(HerderMessages.invalidConfig(v.configs.flatMap((c) => c.value.errors)));
    if (existing) {
      existing.config = { ...config };
      return { created: false, result: this.info(name, existing) };
    }
    const c: Conn = { config: { ...config }, target: initialState ?? 'RUNNING', topics: new Set((config.topics ?? '').split(',').filter(Boolean)), offsets: new Map(), restarts: 0 };
    this.connectorsMap.set(name, c);
    return { created: true, result: this.info(name, c) };
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    this.leaderOnly();
    const c = this.get(name);
    const next = { ...c.config };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const v = await this.validateConnectorConfig(next);
    if (v.error_count > 0) throw HerderError.badRequest(HerderMessages.invalidConfig(v.configs.flatMap((x) => x.value.errors)));
    c.config = next;
    return this.info(name, c);
  }

  async deleteConnector(name: string): Promise<void> {
    this.leaderOnly();
    this.get(name);
    this.connectorsMap.delete(name);
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const c = this.get(name);
    const state = c.failure ? 'FAILED' : c.target;
    return {
      name,
      connector: { state, worker_id: this.workerId, ...(c.failure ? { trace: c.failure } : {}) },
      tasks: Array.from({ length: this.taskCount(c) }, (_, id) => ({ id, state, worker_id: this.workerId, ...(c.failure ? { trace: c.failure } : {}) })),
      type: 'sink',
    };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    const c = this.get(name);
    return Array.from({ length: this.taskCount(c) }, (_, task) => ({ id: { connector: name, task }, config: { ...c.config, 'task.class': 'sluice' } }));
  }

  async taskStatus(name: string, task: number): Promise<TaskState> {
    const s = await this.connectorStatus(name);
    const t = s.tasks.find((x) => x.id === task);
    if (!t) throw HerderError.notFound(HerderMessages.taskNotFound(name, task));
    return t;
  }

  async connectorActiveTopics(name: string): Promise<string[]> {
    return [...this.get(name).topics];
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    this.get(name).topics.clear();
  }

  async pauseConnector(name: string): Promise<void> {
    this.get(name).target = 'PAUSED';
  }

  async resumeConnector(name: string): Promise<void> {
    this.get(name).target = 'RUNNING';
  }

  async stopConnector(name: string): Promise<void> {
    this.leaderOnly();
    this.get(name).target = 'STOPPED';
  }

  async restartConnector(name: string): Promise<void> {
    this.leaderOnly();
    this.get(name).restarts++;
    this.calls.push(`restart ${name}`);
  }

  async restartConnectorAndTasks(request: RestartRequest): Promise<ConnectorStateInfo> {
    this.leaderOnly();
    const c = this.get(request.connector);
    this.calls.push(`restart ${request.connector} includeTasks=${request.includeTasks} onlyFailed=${request.onlyFailed}`);
    const s = await this.connectorStatus(request.connector);
    const restarting = (st: string) => !request.onlyFailed || st === 'FAILED';
    c.restarts++;
    return {
      ...s,
      connector: restarting(s.connector.state) ? { ...s.connector, state: 'RESTARTING' } : s.connector,
      tasks: s.tasks.map((t) => (request.includeTasks && restarting(t.state) ? { ...t, state: 'RESTARTING' } : t)),
    };
  }

  async restartTask(name: string, task: number): Promise<void> {
    this.leaderOnly();
    await this.taskStatus(name, task);
    this.calls.push(`restart ${name}-${task}`);
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    return { offsets: [...this.get(name).offsets.values()] };
  }

  private requireStopped(name: string): Conn {
    const c = this.get(name);
    if (c.target !== 'STOPPED') throw HerderError.badRequest(HerderMessages.offsetsNeedStopped(name));
    return c;
  }

  async alterConnectorOffsets(name: string, offsets: readonly ConnectorOffset[]): Promise<Message> {
    this.leaderOnly();
    const c = this.requireStopped(name);
    for (const o of offsets) {
      const { kafka_topic, kafka_partition } = o.partition as { kafka_topic?: unknown; kafka_partition?: unknown };
      if (typeof kafka_topic !== 'string' || typeof kafka_partition !== 'number') {
        throw HerderError.badRequest('Kafka topic and partition must be specified for each sink connector partition');
      }
      const key = `${kafka_topic}/${kafka_partition}`;
      if (o.offset === null) c.offsets.delete(key);
      else c.offsets.set(key, o);
    }
    return { message: 'The offsets for this connector have been altered successfully' };
  }

  async resetConnectorOffsets(name: string): Promise<Message> {
    this.leaderOnly();
    this.requireStopped(name).offsets.clear();
    return { message: 'The offsets for this connector have been reset successfully' };
  }

  connectorPlugins(): PluginInfo[] {
    return [
      { class: JDBC_SINK, type: 'sink', version: '0.1.0' },
      { class: S3_SINK, type: 'sink', version: '0.1.0' },
      { class: 'org.apache.kafka.connect.transforms.Cast$Value', type: 'transformation', version: '0.1.0' },
      { class: 'org.apache.kafka.connect.json.JsonConverter', type: 'converter', version: '0.1.0' },
    ];
  }

  private keyInfo(k: (typeof KEYS)[number], order: number): ConfigKeyInfo {
    return {
      name: k.name,
      type: k.type,
      required: k.required,
      default_value: k.dflt,
      importance: k.required ? 'HIGH' : 'MEDIUM',
      documentation: `the ${k.name} setting`,
      group: 'Common',
      order,
      width: 'MEDIUM',
      display_name: k.name,
      dependents: [],
    };
  }

  async connectorPluginConfig(pluginClass: string): Promise<ConfigKeyInfo[]> {
    if (!this.connectorPlugins().some((p) => p.class === pluginClass || p.class.endsWith(`.${pluginClass}`))) {
      throw HerderError.notFound(`Unknown plugin ${pluginClass}.`);
    }
    return KEYS.map((k, i) => this.keyInfo(k, i + 1));
  }

  async validateConnectorConfig(config: ConnectorConfig): Promise<ConfigInfos> {
    const cls = config['connector.class'];
    if (cls === undefined) throw HerderError.badRequest('Connector config contains no connector type');
    const known = this.connectorPlugins().some((p) => p.class === cls);
    const configs: ConfigInfo[] = KEYS.map((k, i) => {
      const value = config[k.name] ?? null;
      const errors: string[] = [];
      if (k.required && (value === null || value === '')) errors.push(`Missing required configuration "${k.name}" which has no default value.`);
      if (k.name === 'connector.class' && value !== null && !known) errors.push(`Invalid value ${value} for configuration connector.class: Class ${value} could not be found.`);
      if (k.name === 'tasks.max' && value !== null && !/^\d+$/.test(value)) errors.push(`Invalid value ${value} for configuration tasks.max: Not a number of type INT`);
      return { definition: this.keyInfo(k, i + 1), value: { name: k.name, value, recommended_values: [], errors, visible: true } };
    });
    return { name: cls, error_count: configs.reduce((n, c) => n + c.value.errors.length, 0), groups: ['Common'], configs };
  }

  allLoggerLevels(): Record<string, LoggerLevel> {
    return Object.fromEntries(this.loggers);
  }

  loggerLevel(name: string): LoggerLevel | null {
    return this.loggers.get(name) ?? null;
  }

  setWorkerLoggerLevel(namespace: string, level: string): string[] {
    this.loggers.set(namespace, { level: level.toUpperCase(), last_modified: Date.now() });
    return [namespace];
  }

  async setClusterLoggerLevel(namespace: string, level: string): Promise<void> {
    this.setWorkerLoggerLevel(namespace, level);
  }
}
