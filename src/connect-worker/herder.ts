// The contract between the Kafka Connect REST API (src/connect-worker/rest/)
// and the worker runtime that owns connector state (config/status topics,
// running connectors, consumer groups). Named after Connect's Herder, which
// plays the same role behind ConnectorsResource & co. Every type below is the
// exact JSON shape Kafka Connect's REST entities serialize to
// (connect/runtime/.../rest/entities/*.java), so the REST layer sends what the
// herder returns without reshaping it.
//
// Errors: a herder method fails with a HerderError carrying Connect's HTTP
// status; the REST layer answers {"error_code": status, "message": message}.
// Any other thrown error becomes a 500 whose message is the error's message, as
// Connect's ConnectExceptionMapper does, so messages must never hold secrets.

/** ConnectorType, lower-cased as Connect serializes it. Sluice runs sinks only. */
export type ConnectorType = 'source' | 'sink' | 'unknown';

/** Connect's ConnectorTaskId JSON. */
export interface ConnectorTaskId {
  readonly connector: string;
  readonly task: number;
}

/** A connector's config as stored: string values, placeholders such as ${file:…} unresolved. */
export type ConnectorConfig = Record<string, string>;

/** GET /connectors/{name}, POST /connectors, PUT|PATCH /connectors/{name}/config. */
export interface ConnectorInfo {
  readonly name: string;
  readonly config: ConnectorConfig;
  readonly tasks: readonly ConnectorTaskId[];
  readonly type: ConnectorType;
}

/** Connect's AbstractStatus.State names. */
export type StateName = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING' | 'DESTROYED';

/** ConnectorStateInfo.ConnectorState; `trace` is omitted when empty (JsonInclude NON_EMPTY). */
export interface ConnectorState {
  readonly state: StateName;
  readonly worker_id: string;
  readonly trace?: string;
}

/** ConnectorStateInfo.TaskState: GET /connectors/{name}/tasks/{id}/status. */
export interface TaskState extends ConnectorState {
  readonly id: number;
}

/** GET /connectors/{name}/status; also the 202 body of POST …/restart with includeTasks or onlyFailed. */
export interface ConnectorStateInfo {
  readonly name: string;
  readonly connector: ConnectorState;
  readonly tasks: readonly TaskState[];
  readonly type: ConnectorType;
}

/** One element of GET /connectors/{name}/tasks. */
export interface TaskInfo {
  readonly id: ConnectorTaskId;
  readonly config: ConnectorConfig;
}

/** KIP-875 ConnectorOffset. For a sink: partition {kafka_topic, kafka_partition}, offset {kafka_offset}. */
export interface ConnectorOffset {
  readonly partition: Record<string, unknown>;
  /** null in an alter request removes the partition's offset. */
  readonly offset: Record<string, unknown> | null;
}

/** GET /connectors/{name}/offsets; the body of PATCH …/offsets. */
export interface ConnectorOffsets {
  readonly offsets: readonly ConnectorOffset[];
}

/** Connect's Message entity: the 200 body of PATCH|DELETE …/offsets. */
export interface Message {
  readonly message: string;
}

/** Connect's PluginType names. */
export type PluginType = 'sink' | 'source' | 'converter' | 'header_converter' | 'transformation' | 'predicate';

/** GET /connector-plugins element; `version` omitted when undefined. */
export interface PluginInfo {
  readonly class: string;
  readonly type: PluginType;
  readonly version?: string;
}

/** ConfigDef.Type names as ConfigKeyInfo carries them. */
export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

/** ConfigKeyInfo: the definition of one key (note `order`, not order_in_group, on output). */
export interface ConfigKeyInfo {
  readonly name: string;
  readonly type: ConfigType;
  readonly required: boolean;
  readonly default_value: string | null;
  readonly importance: 'HIGH' | 'MEDIUM' | 'LOW';
  readonly documentation: string;
  readonly group: string | null;
  readonly order: number;
  readonly width: 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG';
  readonly display_name: string;
  readonly dependents: readonly string[];
}

/** ConfigValueInfo: the value given for one key and its errors. PASSWORD values read "[hidden]". */
export interface ConfigValueInfo {
  readonly name: string;
  readonly value: string | null;
  readonly recommended_values: readonly string[];
  readonly errors: readonly string[];
  readonly visible: boolean;
}

export interface ConfigInfo {
  readonly definition: ConfigKeyInfo;
  readonly value: ConfigValueInfo;
}

/** PUT /connector-plugins/{class}/config/validate: one entry per key, error_count their errors in total. */
export interface ConfigInfos {
  readonly name: string;
  readonly error_count: number;
  readonly groups: readonly string[];
  readonly configs: readonly ConfigInfo[];
}

/** LoggerLevel: GET /admin/loggers values and GET /admin/loggers/{name}. */
export interface LoggerLevel {
  readonly level: string;
  /** Epoch ms of the last change through the REST API; null when never changed. */
  readonly last_modified: number | null;
}

/** GET / (ServerInfo). */
export interface ServerInfo {
  readonly version: string;
  readonly commit: string;
  readonly kafka_cluster_id: string;
}

/** The target state a connector is created in or moved to (CreateConnectorRequest.initial_state). */
export type TargetState = 'RUNNING' | 'PAUSED' | 'STOPPED';

/** Herder.Created: whether a PUT …/config created the connector (201) or updated it (200). */
export interface Created<T> {
  readonly created: boolean;
  readonly result: T;
}

/** POST /connectors/{name}/restart?includeTasks=&onlyFailed= (KIP-745). */
export interface RestartRequest {
  readonly connector: string;
  readonly includeTasks: boolean;
  readonly onlyFailed: boolean;
}

/**
 * A herder failure with Connect's HTTP semantics. error_code equals the HTTP
 * status, as in Connect's ConnectRestException.
 */
export class HerderError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Set with status 409 when another worker must serve the request (Connect's RequestTargetException). */
    readonly forwardUrl?: string,
  ) {
    super(message);
    this.name = 'HerderError';
  }

  get errorCode(): number {
    return this.status;
  }

  /** 404, e.g. `Connector ${name} not found` (Connect's NotFoundException). */
  static notFound(message: string): HerderError {
    return new HerderError(404, message);
  }

  /** 409 `Connector ${name} already exists` (Connect's AlreadyExistsException). */
  static alreadyExists(message: string): HerderError {
    return new HerderError(409, message);
  }

  /** 400: invalid config, offsets changed while not STOPPED, … (Connect's BadRequestException). */
  static badRequest(message: string): HerderError {
    return new HerderError(400, message);
  }

  /** 409: state changed underneath the request (Connect's RebalanceNeededException). */
  static rebalance(message = 'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)'): HerderError {
    return new HerderError(409, message);
  }

  /**
   * This worker cannot serve the request; `forwardUrl` (a worker's REST base
   * URL, e.g. http://host:8083) can. The REST layer forwards it there unless
   * the request came with ?forward=false, as Connect does; with no URL it
   * answers 409 as Connect does when no leader is known.
   */
  static forward(forwardUrl: string | undefined): HerderError {
    return new HerderError(409, 'Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.', forwardUrl);
  }
}

/** Connect's own messages, for herders to use verbatim. */
export const HerderMessages = {
  connectorNotFound: (name: string) => `Connector ${name} not found`,
  connectorExists: (name: string) => `Connector ${name} already exists`,
  taskNotFound: (name: string, task: number) => `Unknown task: ${name}-${task}`,
  noStatus: (name: string) => `No status found for connector ${name}`,
  noTaskStatus: (name: string, task: number) => `No status found for task ${name}-${task}`,
  offsetsNeedStopped: (name: string) =>
    `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
  invalidConfig: (errors: readonly string[]) =>
    `Connector configuration is invalid and contains the following ${errors.length} error(s):\n${errors.join('\n')}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``,
} as const;

/**
 * Everything the REST routes ask of the worker runtime. All connector
 * operations are async: in a cluster they go through the config topic.
 * Operations that Connect answers 202 (pause, resume, restart with
 * includeTasks/onlyFailed, topics reset) resolve once the request is recorded,
 * not once it has taken effect everywhere.
 */
export interface Herder {
  /** GET /: version/commit of Sluice and the Kafka cluster id of bootstrap.servers. */
  serverInfo(): Promise<ServerInfo>;

  /** GET /health: resolves when the worker is started and serving; rejects (or never resolves in time) otherwise. */
  healthCheck(): Promise<void>;
  /** Whether startup (reading the config topic to its end) has finished; picks 503 vs 500 for a failed health check. */
  isReady(): boolean;

  /** GET /connectors: names, sorted or not (Connect does not sort). */
  connectors(): Promise<string[]>;
  /** GET /connectors/{name}; 404 when unknown. */
  connectorInfo(name: string): Promise<ConnectorInfo>;
  /** GET /connectors/{name}/config: as written by the user (placeholders unresolved); 404 when unknown. */
  connectorConfig(name: string): Promise<ConnectorConfig>;
  /**
   * POST /connectors (allowReplace false: 409 when it exists) and PUT
   * /connectors/{name}/config (allowReplace true). `config.name` is already
   * set and equal to `name`. Validates first: 400 with HerderMessages.invalidConfig.
   * `initialState` only on create (POST's initial_state); absent means RUNNING.
   */
  putConnectorConfig(name: string, config: ConnectorConfig, allowReplace: boolean, initialState?: TargetState): Promise<Created<ConnectorInfo>>;
  /** PATCH /connectors/{name}/config (KIP-477): merge; a null value removes the key. 404 when unknown, 400 when invalid. */
  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo>;
  /** DELETE /connectors/{name}; 404 when unknown. */
  deleteConnector(name: string): Promise<void>;

  /** GET /connectors/{name}/status; 404 when unknown. */
  connectorStatus(name: string): Promise<ConnectorStateInfo>;
  /** GET /connectors/{name}/tasks; 404 when unknown. */
  taskConfigs(name: string): Promise<TaskInfo[]>;
  /** GET /connectors/{name}/tasks/{task}/status; 404 when the connector or task is unknown. */
  taskStatus(name: string, task: number): Promise<TaskState>;

  /** GET /connectors/{name}/topics: topics the connector has consumed from since creation or last reset. */
  connectorActiveTopics(name: string): Promise<string[]>;
  /** PUT /connectors/{name}/topics/reset. */
  resetConnectorActiveTopics(name: string): Promise<void>;

  /** PUT /connectors/{name}/pause (202). Idempotent. */
  pauseConnector(name: string): Promise<void>;
  /** PUT /connectors/{name}/resume (202). Idempotent. */
  resumeConnector(name: string): Promise<void>;
  /** PUT /connectors/{name}/stop (204): no tasks run, offsets may then be altered/reset. Idempotent. */
  stopConnector(name: string): Promise<void>;
  /** POST /connectors/{name}/restart with neither flag (204): restart the connector instance only. */
  restartConnector(name: string): Promise<void>;
  /** POST /connectors/{name}/restart?includeTasks=&onlyFailed= (202): the status with RESTARTING where a restart is pending. */
  restartConnectorAndTasks(request: RestartRequest): Promise<ConnectorStateInfo>;
  /** POST /connectors/{name}/tasks/{task}/restart (204); 404 when unknown. */
  restartTask(name: string, task: number): Promise<void>;

  /** GET /connectors/{name}/offsets (KIP-875): committed offsets of connect-<name> (and the PostgreSQL offsets table in exactly-once mode). */
  connectorOffsets(name: string): Promise<ConnectorOffsets>;
  /** PATCH /connectors/{name}/offsets; 400 with HerderMessages.offsetsNeedStopped unless STOPPED; 400 on a malformed partition/offset. */
  alterConnectorOffsets(name: string, offsets: readonly ConnectorOffset[]): Promise<Message>;
  /** DELETE /connectors/{name}/offsets; 400 unless STOPPED. */
  resetConnectorOffsets(name: string): Promise<Message>;

  /** GET /connector-plugins (connectorsOnly=true: sinks and sources; false: also converters, transforms, predicates). */
  connectorPlugins(): PluginInfo[];
  /** GET /connector-plugins/{class}/config: 404 `Unknown plugin {class}.` when unknown. */
  connectorPluginConfig(pluginClass: string): Promise<ConfigKeyInfo[]>;
  /** PUT /connector-plugins/{class}/config/validate: never throws for an invalid config (errors are in the result). */
  validateConnectorConfig(config: ConnectorConfig): Promise<ConfigInfos>;

  /** GET /admin/loggers: loggers with an explicitly set level. */
  allLoggerLevels(): Record<string, LoggerLevel>;
  /** GET /admin/loggers/{name}; null when unknown (REST answers 404). */
  loggerLevel(name: string): LoggerLevel | null;
  /** PUT /admin/loggers/{name}?scope=worker: the names of the loggers changed. `level` is a valid log4j level name. */
  setWorkerLoggerLevel(namespace: string, level: string): string[];
  /** PUT /admin/loggers/{name}?scope=cluster (204): every worker of the group applies it. */
  setClusterLoggerLevel(namespace: string, level: string): Promise<void>;
}
