// Kafka Connect's REST routes (ConnectorsResource, ConnectorPluginsResource,
// LoggingResource, RootResource) over a Herder, with Connect's status codes,
// bodies and {"error_code", "message"} errors. Secrets are masked on the way
// out (secrets.ts); bodies are never logged.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { request as undiciRequest } from 'undici';
import {
  HerderError,
  HerderMessages,
  type ConnectorOffset,
  type ConnectorStateInfo,
  type Herder,
  type TargetState,
  type TaskState,
} from '../herder.js';
import { parseJsonBody, plain, stringMap, toJson } from './json.js';
import { literalSecrets, maskConfig, maskConfigInfos, maskInfo, maskTasks, redactText, restoreHidden } from './secrets.js';

export interface RouteOptions {
  readonly topicTrackingEnabled: boolean;
  readonly topicTrackingResetAllowed: boolean;
  readonly log?: Logger;
  /** For forwarding requests to another worker over https. */
  readonly forwardDispatcher?: Dispatcher;
  /** How long a request may wait on the herder before a 500 "Request timed out" (Connect: 90 s). */
  readonly requestTimeoutMs?: number;
  /** Serve the REST API (everything but /admin). Default true. */
  readonly main?: boolean;
  /** Serve the admin resources (/admin/loggers). Default true. */
  readonly admin?: boolean;
}

/** A Connect error response. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | string[] | undefined>;
type Params = Record<string, string>;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  req: FastifyRequest;
  params: Params;
  query: Query;
  /** The parsed JSON body (lossless numbers), undefined when none. */
  body: unknown;
}

function first(q: Query, k: string): string | undefined {
  const v = q[k];
  return Array.isArray(v) ? v[0] : v;
}

function all(q: Query, k: string): string[] {
  const v = q[k];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Jersey's Boolean query parameter: "true" in any case is true, anything else false. */
function boolParam(q: Query, k: string): boolean {
  return first(q, k)?.toLowerCase() === 'true';
}

/** Connect's ?forward: absent → null (first hop), else Boolean.valueOf. */
function forwardParam(q: Query): boolean | null {
  const v = first(q, 'forward');
  return v === undefined ? null : v.toLowerCase() === 'true';
}

/** Jersey answers a path integer that does not parse with 404. */
function taskId(params: Params): number {
  const t = params.task ?? '';
  if (!/^-?\d+$/.test(t) || !Number.isSafeInteger(Number(t))) throw new RestError(404, 'HTTP 404 Not Found');
  return Number(t);
}

function requireBody(body: unknown): unknown {
  if (body === undefined) throw new RestError(400, 'Request body is missing; a JSON object is expected');
  return body;
}

/** ConnectorsResource.checkAndPutConnectorConfigName. */
function checkAndPutName(name: string, config: Record<string, string>): void {
  const included = config.name;
  if (included !== undefined) {
    if (included !== name) throw new RestError(400, `Connector name configuration (${included}) doesn't match connector name in the URL (${name})`);
  } else {
    config.name = name;
  }
}

function initialState(v: unknown): TargetState | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v.toUpperCase() : '';
  if (s === 'RUNNING' || s === 'PAUSED' || s === 'STOPPED') return s;
  throw new RestError(400, `initial_state: ${JSON.stringify(typeof v === 'string' ? v : String(v))} is not one of RUNNING, PAUSED, STOPPED`);
}

/** Connect's ConnectorPluginsResource.normalizedPluginName. */
function normalizedPluginName(name: string): string {
  return name.endsWith('Connector') && name.length > 'Connector'.length ? name.slice(0, -'Connector'.length) : name;
}

/** ConnectorsResource.REQUEST_TIMEOUT_MS. */
export const REQUEST_TIMEOUT_MS = 90_000;

/** Connect answers 500 "Request timed out" when the herder has not answered in time; the operation may still complete. */
async function withTimeout<T>(p: Promise<T> | T, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(p),
      new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new RestError(500, 'Request timed out')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** An absolute Location, as JAX-RS resolves Connect's relative /connectors/{name} against the request's base URI. */
function locationOf(req: FastifyRequest, name: string): string {
  const host = req.headers.host ?? `${req.hostname}`;
  return `${req.protocol}://${host}/connectors/${encodeURIComponent(name)}`;
}

const LOG_LEVELS = new Set(['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'ALL']);

/** Registers the routes; returns each route's method and URL pattern (to tell 405 from 404). */
export function registerRoutes(app: FastifyInstance, herder: Herder, opts: RouteOptions): Array<{ method: string; url: string }> {
  const routes: Array<{ method: string; url: string }> = [];

  /** The stored config of a connector, undefined when there is none (yet). */
  async function storedConfig(name: string): Promise<Record<string, string> | undefined> {
    try {
      return await herder.connectorConfig(name);
    } catch (err) {
      if (err instanceof HerderError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Redacts a connector's literal secrets from free text (status traces) — best effort when the connector is gone. */
  async function secretsOf(name: string): Promise<string[]> {
    try {
      return literalSecrets(await herder.connectorConfig(name));
    } catch {
      return [];
    }
  }
  // Connect leaves out an empty trace (JsonInclude NON_EMPTY).
  const redactState = <T extends { trace?: string }>(s: T, secrets: readonly string[]): T => {
    if (s.trace === undefined) return s;
    if (s.trace === '') {
      const { trace: _empty, ...rest } = s;
      return rest as T;
    }
    return secrets.length > 0 ? { ...s, trace: redactText(s.trace, secrets) } : s;
  };
  const redactStatus = (s: ConnectorStateInfo, secrets: readonly string[]): ConnectorStateInfo => ({
    ...s,
    connector: redactState(s.connector, secrets),
    tasks: s.tasks.map((t) => redactState(t, secrets)),
  });

  /**
   * Connect's completeOrForwardRequest: a herder that cannot serve the request
   * names the worker that can; the request goes there once with
   * ?forward=<first hop> and its answer is passed back as it is.
   */
  async function forwarding(ctx: Ctx, run: () => Promise<Reply>): Promise<Reply> {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof HerderError) || err.forwardUrl === undefined) throw err;
      const forward = forwardParam(ctx.query);
      if (forward === false) throw new RestError(409, 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)');
      const url = new URL(ctx.req.url, err.forwardUrl.endsWith('/') ? err.forwardUrl : err.forwardUrl + '/');
      url.pathname = ctx.req.url.split('?')[0]!;
      url.searchParams.set('forward', String(forward === null));
      const headers: Record<string, string> = { accept: 'application/json' };
      if (ctx.req.headers.authorization) headers.authorization = ctx.req.headers.authorization;
      let body: string | undefined;
      if (ctx.body !== undefined) {
        body = toJson(ctx.body);
        headers['content-type'] = 'application/json';
      }
      opts.log?.debug({ method: ctx.req.method, url: url.toString() }, 'forwarding REST request');
      const res = await undiciRequest(url, {
        method: ctx.req.method as Dispatcher.HttpMethod,
        headers,
        body,
        dispatcher: opts.forwardDispatcher,
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text === '' ? undefined : parseJsonBody(text) };
    }
  }

  function route(method: string, url: string, handler: (ctx: Ctx) => Promise<Reply> | Reply): void {
    if (url.startsWith('/admin/') ? opts.admin === false : opts.main === false) return;
    routes.push({ method, url });
    app.route({
      method: method as 'GET',
      url,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const ctx: Ctx = { req, params: (req.params ?? {}) as Params, query: (req.query ?? {}) as Query, body: req.body };
        const r = await withTimeout(handler(ctx), opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
        reply.code(r.status);
        for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
        if (r.body === undefined) return reply.send();
        return reply.type('application/json').send(toJson(r.body));
      },
    });
  }

  // --- RootResource ---
  route('GET', '/', async () => ({ status: 200, body: await herder.serverInfo() }));
  route('GET', '/health', async () => {
    try {
      await herder.healthCheck();
      return { status: 200, body: { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' } };
    } catch (err) {
      const detail = err instanceof Error && err.message ? ` ${err.message}` : '';
      return herder.isReady()
        ? { status: 500, body: { status: 'unhealthy', message: `Worker was unable to handle this request and may be unable to handle other requests.${detail}` } }
        : { status: 503, body: { status: 'starting', message: `Worker is still starting up.${detail}` } };
    }
  });

  // --- ConnectorsResource ---
  route('GET', '/connectors', async ({ query }) => {
    const names = await herder.connectors();
    if (!('expand' in query)) return { status: 200, body: names };
    const expansions = all(query, 'expand');
    const out: Record<string, Record<string, unknown>> = {};
    for (const name of names) {
      try {
        const e: Record<string, unknown> = {};
        for (const x of expansions) {
          if (x === 'status') e.status = redactStatus(await herder.connectorStatus(name), await secretsOf(name));
          else if (x === 'info') e.info = maskInfo(await herder.connectorInfo(name));
          else opts.log?.info({ expansion: x }, 'ignoring unknown expansion type');
        }
        out[name] = e;
      } catch (err) {
        // Removed while we looked it up: left out, as Connect does.
        if (err instanceof HerderError && err.status === 404) continue;
        throw err;
      }
    }
    return { status: 200, body: out };
  });

  route('POST', '/connectors', (ctx) =>
    forwarding(ctx, async () => {
      const body = requireBody(ctx.body);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RestError(400, 'The request body must be a JSON object with name and config');
      const b = body as Record<string, unknown>;
      if (b.name !== undefined && b.name !== null && typeof b.name !== 'string') throw new RestError(400, 'name must be a string');
      const name = typeof b.name === 'string' ? b.name.trim() : '';
      if (b.config === undefined || b.config === null) throw new RestError(400, 'config is missing: a JSON object of the connector\'s settings is expected');
      const config = stringMap(b.config, 'config');
      const secrets = literalSecrets(config);
      // Connect checks the body's name against config.name first, then validates it (NonEmptyStringWithoutControlChars).
      checkAndPutName(name, config);
      if (name === '') throw new RestError(400, HerderMessages.invalidConfig(['Invalid value  for configuration name: String may not be empty']));
      if (/[\u0000-\u001f\u007f]/.test(name)) throw new RestError(400, HerderMessages.invalidConfig([`Invalid value ${name} for configuration name: String may not contain control sequences`]));
      const state = initialState(b.initial_state);
      try {
        const created = await herder.putConnectorConfig(name, config, false, state);
        return { status: 201, body: maskInfo(created.result), headers: { location: locationOf(ctx.req, name) } };
      } catch (err) {
        throw redactError(err, secrets);
      }
    }),
  );

  route('GET', '/connectors/:connector', async ({ params }) => ({ status: 200, body: maskInfo(await herder.connectorInfo(params.connector!)) }));

  route('GET', '/connectors/:connector/config', async ({ params }) => ({ status: 200, body: maskConfig(await herder.connectorConfig(params.connector!)) }));

  route('PUT', '/connectors/:connector/config', (ctx) =>
    forwarding(ctx, async () => {
      const name = ctx.params.connector!;
      const config = restoreHidden(stringMap(requireBody(ctx.body), 'The connector config'), await storedConfig(name));
      const secrets = literalSecrets(config);
      checkAndPutName(name, config);
      try {
        const created = await herder.putConnectorConfig(name, config, true);
        return created.created
          ? { status: 201, body: maskInfo(created.result), headers: { location: locationOf(ctx.req, name) } }
          : { status: 200, body: maskInfo(created.result) };
      } catch (err) {
        throw redactError(err, secrets);
      }
    }),
  );

  route('PATCH', '/connectors/:connector/config', (ctx) =>
    forwarding(ctx, async () => {
      const name = ctx.params.connector!;
      const patch = restoreHidden(stringMap(requireBody(ctx.body), 'The connector config patch', true), await storedConfig(name));
      if (patch.name !== undefined && patch.name !== name) {
        throw new RestError(400, `Connector name configuration (${patch.name ?? 'null'}) doesn't match connector name in the URL (${name})`);
      }
      const secrets = literalSecrets(Object.fromEntries(Object.entries(patch).filter((e): e is [string, string] => e[1] !== null)));
      try {
        return { status: 200, body: maskInfo(await herder.patchConnectorConfig(name, patch)) };
      } catch (err) {
        throw redactError(err, secrets);
      }
    }),
  );

  route('DELETE', '/connectors/:connector', (ctx) =>
    forwarding(ctx, async () => {
      await herder.deleteConnector(ctx.params.connector!);
      return { status: 204 };
    }),
  );

  route('GET', '/connectors/:connector/status', async ({ params }) => {
    const name = params.connector!;
    return { status: 200, body: redactStatus(await herder.connectorStatus(name), await secretsOf(name)) };
  });

  route('GET', '/connectors/:connector/tasks', async ({ params }) => ({ status: 200, body: maskTasks(await herder.taskConfigs(params.connector!)) }));

  route('GET', '/connectors/:connector/tasks/:task/status', async ({ params }) => {
    const name = params.connector!;
    const state: TaskState = await herder.taskStatus(name, taskId(params));
    return { status: 200, body: redactState(state, await secretsOf(name)) };
  });

  route('GET', '/connectors/:connector/topics', async ({ params }) => {
    if (!opts.topicTrackingEnabled) throw new RestError(403, 'Topic tracking is disabled.');
    const name = params.connector!;
    return { status: 200, body: { [name]: { topics: await herder.connectorActiveTopics(name) } } };
  });

  route('PUT', '/connectors/:connector/topics/reset', async ({ params }) => {
    if (!opts.topicTrackingEnabled) throw new RestError(403, 'Topic tracking is disabled.');
    if (!opts.topicTrackingResetAllowed) throw new RestError(403, 'Topic tracking reset is disabled.');
    await herder.resetConnectorActiveTopics(params.connector!);
    return { status: 202 };
  });

  route('POST', '/connectors/:connector/restart', (ctx) =>
    forwarding(ctx, async () => {
      const name = ctx.params.connector!;
      const includeTasks = boolParam(ctx.query, 'includeTasks');
      const onlyFailed = boolParam(ctx.query, 'onlyFailed');
      if (!includeTasks && !onlyFailed) {
        // Connect keeps the old behaviour here: restart the connector instance only, 204 with no body.
        await herder.restartConnector(name);
        return { status: 204 };
      }
      const state = await herder.restartConnectorAndTasks({ connector: name, includeTasks, onlyFailed });
      return { status: 202, body: redactStatus(state, await secretsOf(name)) };
    }),
  );

  route('PUT', '/connectors/:connector/stop', (ctx) =>
    forwarding(ctx, async () => {
      await herder.stopConnector(ctx.params.connector!);
      return { status: 204 };
    }),
  );

  route('PUT', '/connectors/:connector/pause', async ({ params }) => {
    await herder.pauseConnector(params.connector!);
    return { status: 202 };
  });

  route('PUT', '/connectors/:connector/resume', async ({ params }) => {
    await herder.resumeConnector(params.connector!);
    return { status: 202 };
  });

  route('POST', '/connectors/:connector/tasks/:task/restart', (ctx) =>
    forwarding(ctx, async () => {
      await herder.restartTask(ctx.params.connector!, taskId(ctx.params));
      return { status: 204 };
    }),
  );

  route('GET', '/connectors/:connector/offsets', async ({ params }) => ({ status: 200, body: await herder.connectorOffsets(params.connector!) }));

  route('PATCH', '/connectors/:connector/offsets', (ctx) =>
    forwarding(ctx, async () => {
      const body = requireBody(ctx.body);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RestError(400, 'The request body must be a JSON object {"offsets": [...]}');
      const raw = (body as Record<string, unknown>).offsets;
      if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
        throw new RestError(400, 'Partitions / offsets need to be provided for an alter offsets request');
      }
      if (!Array.isArray(raw)) throw new RestError(400, 'offsets must be a JSON array of {"partition": {...}, "offset": {...}}');
      const offsets: ConnectorOffset[] = raw.map((o, i) => {
        const p = plain(o) as Record<string, unknown> | null;
        if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new RestError(400, `offsets[${i}] must be a JSON object with partition and offset`);
        const { partition, offset } = p;
        if (partition === null || typeof partition !== 'object' || Array.isArray(partition)) throw new RestError(400, `offsets[${i}].partition must be a JSON object`);
        if (offset !== null && offset !== undefined && (typeof offset !== 'object' || Array.isArray(offset))) throw new RestError(400, `offsets[${i}].offset must be a JSON object or null`);
        return { partition: partition as Record<string, unknown>, offset: (offset ?? null) as Record<string, unknown> | null };
      });
      return { status: 200, body: await herder.alterConnectorOffsets(ctx.params.connector!, offsets) };
    }),
  );

  route('DELETE', '/connectors/:connector/offsets', (ctx) =>
    forwarding(ctx, async () => ({ status: 200, body: await herder.resetConnectorOffsets(ctx.params.connector!) })),
  );

  // --- ConnectorPluginsResource ---
  route('GET', '/connector-plugins', ({ query }) => {
    const connectorsOnly = first(query, 'connectorsOnly')?.toLowerCase() !== 'false';
    const plugins = herder.connectorPlugins();
    return { status: 200, body: connectorsOnly ? plugins.filter((p) => p.type === 'sink' || p.type === 'source') : plugins };
  });

  route('GET', '/connector-plugins/:plugin/config', async ({ params }) => ({ status: 200, body: await herder.connectorPluginConfig(params.plugin!) }));

  route('PUT', '/connector-plugins/:plugin/config/validate', async ({ params, body }) => {
    const plugin = params.plugin!;
    const config = stringMap(requireBody(body), 'The connector config');
    const included = config['connector.class'];
    if (included !== undefined && !normalizedPluginName(included).endsWith(normalizedPluginName(plugin))) {
      throw new RestError(400, `Included connector type ${included} does not match request type ${plugin}`);
    }
    try {
      return { status: 200, body: maskConfigInfos(await herder.validateConnectorConfig(config)) };
    } catch (err) {
      throw redactError(err, literalSecrets(config));
    }
  });

  // --- LoggingResource ---
  route('GET', '/admin/loggers', () => ({ status: 200, body: herder.allLoggerLevels() }));

  route('GET', '/admin/loggers/:logger', ({ params }) => {
    const level = herder.loggerLevel(params.logger!);
    if (level === null) throw new RestError(404, `Logger ${params.logger} not found.`);
    return { status: 200, body: level };
  });

  route('PUT', '/admin/loggers/:logger', async ({ params, body, query }) => {
    const map = stringMap(requireBody(body), 'The request body', true);
    const level = map.level;
    if (level === undefined || level === null) throw new RestError(400, "Desired 'level' parameter was not specified in request.");
    if (!LOG_LEVELS.has(level.toUpperCase())) throw new RestError(404, `invalid log level '${level}'.`);
    const scope = (first(query, 'scope') ?? 'worker').toLowerCase();
    if (scope === 'cluster') {
      await herder.setClusterLoggerLevel(params.logger!, level);
      return { status: 204 };
    }
    if (scope !== 'worker') opts.log?.warn({ scope }, 'invalid scope in request to adjust logging level; using worker');
    return { status: 200, body: herder.setWorkerLoggerLevel(params.logger!, level) };
  });
  return routes;
}

/** A herder failure whose message might echo a value from the request: the request's literal secrets masked. */
function redactError(err: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0 || !(err instanceof Error)) return err;
  const message = redactText(err.message, secrets);
  if (message === err.message) return err;
  if (err instanceof HerderError) return new HerderError(err.status, message, err.forwardUrl);
  if (err instanceof RestError) return new RestError(err.status, message);
  return new Error(message);
}
