// The Kafka Connect REST server of `sluice worker`: one fastify app per
// listener (http or https), all over the same Herder. What Connect's Jersey
// setup does around the resources is done here: JSON bodies only (415
// otherwise), unknown routes 404 and known routes with another method 405,
// every error as {"error_code", "message"}, basic auth before anything else,
// and CORS headers when access.control.allow.origin is set.
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import { HerderError, type Herder } from '../herder.js';
import { authenticate, UNAUTHORIZED_MESSAGE } from './auth.js';
import type { Listener, RestConfig } from './config.js';
import { BodyError, parseJsonBody, toJson } from './json.js';
import { registerRoutes, RestError } from './routes.js';

export interface RestServerOptions {
  readonly log?: Logger;
  /** Largest request body accepted (bytes). */
  readonly bodyLimit?: number;
  /** Herder answer timeout per request (default Connect's 90 s). */
  readonly requestTimeoutMs?: number;
}

/** Turns a route pattern (/connectors/:connector/tasks/:task/status) into a regex of concrete paths. */
function patternRegex(url: string): RegExp {
  const src = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${src === '' ? '/' : src}/*$`);
}

function errorBody(status: number, message: string): string {
  return toJson({ error_code: status, message });
}

/** What one listener serves: the API and admin resources, or one of them (admin.listeners). */
export type ListenerRole = 'all' | 'main' | 'admin';

/** A fastify app serving Connect's REST API for one listener. */
export function buildRestApp(herder: Herder, config: RestConfig, listener: Listener | undefined, opts: RestServerOptions = {}, role: ListenerRole = 'all'): FastifyInstance {
  const tlsSettings = role === 'admin' ? config.adminTls : config.tls;
  const https = listener?.protocol === 'https' && tlsSettings ? tlsSettings.options : undefined;
  const app = Fastify({
    logger: false,
    ...(https ? { https } : {}),
    bodyLimit: opts.bodyLimit ?? 16 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    forceCloseConnections: true,
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  // JSON only, read by our parser (exact numbers, Connect's coercions); any other type with a body is 415.
  app.removeAllContentTypeParsers();
  const jsonParser = (_req: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseJsonBody(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  };
  // application/json with any parameters (charset=UTF-8), and the +json types.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonParser);
  app.addContentTypeParser(/^application\/[\w.-]+\+json(\s*;.*)?$/, { parseAs: 'string' }, jsonParser);

  // Basic auth first, as Connect's JaasBasicAuthFilter runs before the resources.
  if (config.basicAuth) {
    const auth = config.basicAuth;
    app.addHook('onRequest', async (req, reply) => {
      // CORS preflights carry no credentials; Connect's CrossOriginFilter answers them before the auth filter runs.
      if (req.method === 'OPTIONS' && config.allowOrigin && req.headers['access-control-request-method']) return;
      const r = authenticate(auth, req.headers.authorization);
      if (!r.ok) {
        opts.log?.debug({ method: req.method, url: req.url.split('?')[0] }, 'REST request failed authentication');
        return reply.code(401).type('text/plain').send(UNAUTHORIZED_MESSAGE);
      }
    });
  }

  // One debug line per request: method, path, status, time. Never bodies or query values, which may carry secrets.
  if (opts.log) {
    const log = opts.log;
    app.addHook('onResponse', async (req, reply) => {
      log.debug({ method: req.method, path: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'REST request');
    });
  }

  if (config.responseHeaders.length > 0) {
    const rules = config.responseHeaders;
    app.addHook('onSend', async (_req, reply, payload) => {
      for (const r of rules) {
        const value = r.action.endsWith('Date') ? new Date(Date.now() + Number(r.value)).toUTCString() : r.value;
        const prev = reply.getHeader(r.name);
        if (r.action.startsWith('add') && prev !== undefined) reply.header(r.name, [...(Array.isArray(prev) ? prev : [String(prev)]), value]);
        else reply.header(r.name, value);
      }
      return payload;
    });
  }

  if (config.allowOrigin) {
    const origin = config.allowOrigin;
    const methods = config.allowMethods;
    app.addHook('onSend', async (_req, reply, payload) => {
      reply.header('access-control-allow-origin', origin);
      if (methods) reply.header('access-control-allow-methods', methods);
      return payload;
    });
  }

  const forwardDispatcher = config.tls ? new Agent({ connect: { ca: config.tls.options.ca as string | Buffer | undefined } }) : undefined;
  const routes = registerRoutes(app, herder, {
    topicTrackingEnabled: config.topicTrackingEnabled,
    topicTrackingResetAllowed: config.topicTrackingResetAllowed,
    log: opts.log,
    forwardDispatcher,
    requestTimeoutMs: opts.requestTimeoutMs,
    main: role !== 'admin',
    admin: role !== 'main',
  });
  const patterns = routes.map((r) => ({ method: r.method, re: patternRegex(r.url) }));

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!.replace(/\/{2,}/g, '/');
    const methods = patterns.filter((p) => p.re.test(path)).map((p) => p.method);
    // A CORS preflight, answered as Jetty's CrossOriginFilter does for Connect when access.control.allow.origin is set.
    if (req.method === 'OPTIONS' && config.allowOrigin && methods.length > 0) {
      return reply
        .code(204)
        .header('access-control-allow-methods', config.allowMethods ?? 'GET,POST,HEAD')
        .header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'X-Requested-With,Content-Type,Accept,Origin')
        .send();
    }
    if (methods.length > 0 && !methods.includes(req.method)) {
      const allow = [...new Set(methods.includes('GET') ? [...methods, 'HEAD'] : methods)].join(', ');
      return reply.code(405).header('allow', allow).type('application/json').send(errorBody(405, 'HTTP 405 Method Not Allowed'));
    }
    return reply.code(404).type('application/json').send(errorBody(404, 'HTTP 404 Not Found'));
  });

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    let status: number;
    let message: string;
    if (err instanceof HerderError || err instanceof RestError) {
      status = err.status;
      message = err.message;
    } else if (err instanceof BodyError) {
      status = 400;
      message = err.message;
    } else if ((err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      message = 'HTTP 415 Unsupported Media Type';
    } else if (typeof (err as FastifyError).statusCode === 'number' && (err as FastifyError).statusCode! >= 400 && (err as FastifyError).statusCode! < 500) {
      status = (err as FastifyError).statusCode!;
      message = err.message;
    } else {
      // Connect's ConnectExceptionMapper: anything else is a 500 carrying the exception's message.
      status = 500;
      message = err.message || String(err);
      opts.log?.error({ method: req.method, url: req.url.split('?')[0], err: { name: err.name, message } }, 'uncaught error in REST call');
    }
    return reply.code(status).type('application/json').send(errorBody(status, message));
  });

  return app;
}

export interface BoundListener {
  readonly listener: Listener;
  /** The URL actually bound (port resolved when 0). */
  readonly url: string;
  readonly port: number;
  /** An admin.listeners listener (serves /admin/loggers only). */
  readonly admin: boolean;
}

/** The REST API on every configured listener. */
export class RestServer {
  private readonly apps: FastifyInstance[] = [];
  private bound: BoundListener[] = [];

  constructor(
    private readonly herder: Herder,
    readonly config: RestConfig,
    private readonly opts: RestServerOptions = {},
  ) {}

  /** Binds every listener; fails (closing what was bound) when one cannot be bound. */
  async start(): Promise<readonly BoundListener[]> {
    for (const n of this.config.notices) this.opts.log?.info(n);
    try {
      const admin = this.config.adminListeners;
      const plan: Array<{ listener: Listener; role: ListenerRole }> = [
        ...this.config.listeners.map((listener) => ({ listener, role: (admin === undefined ? 'all' : 'main') as ListenerRole })),
        ...(admin ?? []).map((listener) => ({ listener, role: 'admin' as ListenerRole })),
      ];
      for (const { listener, role } of plan) {
        const app = buildRestApp(this.herder, this.config, listener, this.opts, role);
        this.apps.push(app);
        await app.listen({ host: listener.host, port: listener.port });
        const port = (app.server.address() as AddressInfo).port;
        const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
        const url = `${listener.protocol}://${host}:${port}`;
        this.bound.push({ listener, url, port, admin: role === 'admin' });
        this.opts.log?.info({ url }, role === 'admin' ? 'REST admin endpoints listening' : 'REST API listening');
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    return this.bound;
  }

  get listeners(): readonly BoundListener[] {
    return this.bound;
  }

  /**
   * The URL other workers and status reports use for this worker, as Connect's
   * RestServer.advertisedUrl: rest.advertised.listener picks the listener
   * (else the first), rest.advertised.host.name and .port override its host
   * and port; a wildcard bind advertises the machine's host name.
   */
  advertisedUrl(): string {
    const api = this.bound.filter((b) => !b.admin);
    const l = (this.config.advertisedListener && api.find((b) => b.listener.protocol === this.config.advertisedListener)) || api[0];
    if (!l) throw new Error('the REST server is not started');
    let host = this.config.advertisedHost ?? l.listener.host;
    if (!this.config.advertisedHost && (host === '0.0.0.0' || host === '::')) host = os.hostname();
    if (host.includes(':')) host = `[${host}]`;
    return `${l.listener.protocol}://${host}:${this.config.advertisedPort ?? l.port}`;
  }

  /** Connect's worker_id: host:port of the advertised URL. */
  workerId(): string {
    const u = new URL(this.advertisedUrl());
    return `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
  }

  async close(): Promise<void> {
    const apps = this.apps.splice(0);
    this.bound = [];
    await Promise.allSettled(apps.map((a) => a.close()));
  }
}
