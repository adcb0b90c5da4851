// Talking to S3 (or MinIO and other S3-compatible stores): uploads (multipart
// above s3.part.size), small JSON markers, HEAD and DELETE, and the sorting of
// failures into retry-with-backoff (5xx, throttling, connection errors) or stop.
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Logger } from 'pino';
import { ConfigError, ConnectionLostError, RetriableError, RetryAbortedError, SluiceError } from '../../errors.js';
import { retryWithBackoff, type RetryPolicy } from '../common/retry.js';
import type { CommonConfig } from '../../config/load.js';
import type { S3Config } from './config.js';
import { credentialSource, readParams, writeParams, type CredentialSource, type WriteParams } from './formats.js';
import { parseS3Proxy, proxyAgents, type S3Proxy } from './proxy.js';

export interface S3Options {
  bucket: string;
  region: string;
  endpoint?: string;
  pathStyle: boolean;
  /** s3.wan.mode: the bucket's Transfer Acceleration endpoint. */
  accelerate?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** s3.credentials.provider.class, mapped (absent: keys when given, else the SDK's default chain). */
  credentials?: CredentialSource;
  /** Encryption and canned ACL of every PUT (SSE-C also on GET and HEAD). */
  write?: WriteParams;
  /** s3.proxy.*: every S3 request goes through it. */
  proxy?: S3Proxy;
  partSize: number;
  /** Parts of one object uploaded at the same time. */
  partConcurrency: number;
  retry: Omit<RetryPolicy, 'what'>;
  log: Logger;
}

/** The connection a connector's S3 settings describe; partConcurrency is the caller's (uploads vs admin). */
export function s3ServiceFor(c: S3Config, common: CommonConfig, log: Logger, partConcurrency: number): S3Service {
  return new S3Service({
    bucket: c['s3.bucket.name'],
    region: c['s3.region'],
    endpoint: c['store.url'],
    pathStyle: c['s3.path.style.access.enabled'] ?? c['store.url'] !== undefined,
    accelerate: c['s3.wan.mode'],
    accessKeyId: c['aws.access.key.id'],
    secretAccessKey: c['aws.secret.access.key'],
    credentials: credentialSource(c['s3.credentials.provider.class'], Boolean(c['aws.access.key.id']), c),
    write: writeParams(c),
    proxy: s3ProxyOf(c),
    partSize: c['s3.part.size'],
    partConcurrency,
    retry: {
      maxRetries: c['s3.part.retries'],
      initialDelayMs: c['s3.retry.backoff.ms'],
      maxDelayMs: common['errors.retry.delay.max.ms'],
      timeoutMs: common['errors.retry.timeout'],
      log,
    },
    log,
  });
}

/** The proxy of validated settings (loadConfig refused bad ones, naming the key). */
function s3ProxyOf(c: S3Config): S3Proxy | undefined {
  const parsed = parseS3Proxy(c);
  if (parsed.problems.length > 0) throw new ConfigError(parsed.problems);
  return parsed.proxy;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'UND_ERR_SOCKET']);
const RETRIABLE_NAMES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'RequestTimeout', 'RequestTimeoutException', 'InternalError',
  'ServiceUnavailable', 'TimeoutError', 'NetworkingError', 'XMinioServerNotInitialized', 'XMinioStorageFull', 'OperationAborted',
]);

interface AwsError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

function networkCode(err: unknown, codes: ReadonlySet<string> = NETWORK_CODES): string | undefined {
  for (let e = err as AwsError | undefined, depth = 0; e && depth < 5; e = e.cause as AwsError | undefined, depth++) {
    if (e.code && codes.has(e.code)) return e.code;
  }
  return undefined;
}

const TLS_PROTOCOL_CODES = new Set(['EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER']);

/** Sorts an S3 failure into retry (5xx, throttling, connection) or stop (4xx: no bucket, access denied). */
export function classifyS3Error(err: unknown, what: string, proxy?: string): SluiceError {
  if (err instanceof SluiceError) return err;
  const e = (err ?? {}) as AwsError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const msg = `${what}: ${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
  const net = networkCode(err);
  if (net) return new ConnectionLostError(`${what}: cannot reach the S3 endpoint${proxy ? ` through the proxy ${proxy} (s3.proxy.url)` : ''} (${net})`, { cause: err });
  // Confluent's sink read an https:// proxy URL as "S3 over HTTPS" before its AWS SDK v2 client, which (as Sluice)
  // speaks TLS to the proxy itself: a plain proxy then answers a TLS hello with HTTP.
  const tlsCode = proxy?.startsWith('https:') ? networkCode(err, TLS_PROTOCOL_CODES) : undefined;
  if (tlsCode) {
    return new SluiceError(`${what}: TLS to the proxy ${proxy} failed (${tlsCode}): with an https:// s3.proxy.url Sluice speaks TLS to the proxy itself, as Confluent's sink does; a plain HTTP proxy needs http:// (requests to an https store still go encrypted, through a CONNECT tunnel)`, { cause: err });
  }
  // Only a proxy answers 407; retrying with the same credentials cannot help.
  if (status === 407) {
    return new SluiceError(`${what}: the proxy${proxy ? ` ${proxy}` : ''} refused the request (HTTP 407 Proxy Authentication Required): check s3.proxy.user and s3.proxy.password (or the user info of s3.proxy.url)`, { cause: err });
  }
  // A store that lacks a feature asked for (SSE without KMS on MinIO) says so with 501: retrying cannot help.
  if (status === 501 || name === 'NotImplemented') return new SluiceError(msg, { cause: err });
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return new RetriableError(msg, { cause: err });
  if (RETRIABLE_NAMES.has(name) || e.$retryable) return new RetriableError(msg, { cause: err });
  if (status === undefined && /socket|network|timed? ?out|ECONN|EPIPE|aborted/i.test(e.message ?? '')) return new ConnectionLostError(msg, { cause: err });
  return new SluiceError(msg, { cause: err });
}

type Sdk = typeof import('@aws-sdk/client-s3') & { Upload: typeof import('@aws-sdk/lib-storage').Upload };

/** The AWS SDK is loaded on first use: a process running another sink never carries it. */
let sdkLoading: Promise<Sdk> | undefined;
function loadSdk(): Promise<Sdk> {
  sdkLoading ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, storage]) => ({ ...s3, Upload: storage.Upload }));
  return sdkLoading;
}

const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64 };

export class S3Service {
  private clientReady?: Promise<{ sdk: Sdk; client: S3Client }>;

  /** Aborted by close(): retries waiting out an outage give up at once. */
  private readonly closing = new AbortController();

  constructor(readonly opts: S3Options) {}

  private connect(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.clientReady ??= loadSdk().then(async (sdk) => {
      const proxy = this.opts.proxy;
      const config = this.clientConfig(proxy ? await proxyAgents(proxy, AGENT_OPTIONS) : undefined);
      const provider = await credentialProvider(this.opts.credentials, this.opts);
      if (provider) config.credentials = provider;
      return { sdk, client: new sdk.S3Client(config) };
    });
    return this.clientReady;
  }

  /** What a PUT carries besides the body: encryption, ACL, tags. */
  putParams(tagging?: string): Record<string, string> {
    const p: Record<string, string> = { ...(this.opts.write as Record<string, string> | undefined) };
    if (tagging) p.Tagging = tagging;
    return p;
  }

  /** The client's settings; `agents` replace the direct ones (a proxy's). */
  clientConfig(agents?: { httpAgent: HttpAgent; httpsAgent: HttpAgent }): S3ClientConfig {
    const opts = this.opts;
    const config: S3ClientConfig = {
      region: opts.region,
      forcePathStyle: opts.pathStyle,
      // Confluent's s3.region default is us-west-2, Sluice's us-east-1: a config that leaves it out
      // still reaches its bucket, whose region S3 names in its redirect.
      followRegionRedirects: true,
      // Our own retry loop (retryWithBackoff) covers long outages; the SDK's
      // quick retries smooth single hiccups.
      maxAttempts: 3,
      // Checksums of every part in JavaScript cost CPU the encoder needs; the
      // store verifies Content-Length and the signature covers the request.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The SDK builds its Node HTTP handler from these options.
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: 120_000,
        ...(agents ?? { httpAgent: new HttpAgent(AGENT_OPTIONS), httpsAgent: new HttpsAgent(AGENT_OPTIONS) }),
      },
    };
    if (opts.endpoint) config.endpoint = opts.endpoint;
    if (opts.accelerate) config.useAccelerateEndpoint = true;
    if (opts.accessKeyId && opts.secretAccessKey) {
      config.credentials = { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey };
    }
    return config;
  }

  private retry<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const stop = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    return retryWithBackoff(async () => {
      try {
        return await fn();
      } catch (err) {
        if (stop.aborted) throw new RetryAbortedError(`${what}: aborted`, { cause: err });
        throw classifyS3Error(err, what, this.opts.proxy?.url);
      }
    }, { ...this.opts.retry, what, signal: stop });
  }

  /** Uploads an object: one PUT up to s3.part.size, a multipart upload above it. */
  async put(key: string, body: Uint8Array, metadata: Record<string, string>, signal?: AbortSignal, tagging?: string): Promise<void> {
    const extra = this.putParams(tagging);
    const what = `uploading s3://${this.opts.bucket}/${key} (${body.length} bytes)`;
    const { sdk, client } = await this.connect();
    await this.retry(what, async () => {
      if (body.length <= this.opts.partSize) {
        const command = new sdk.PutObjectCommand({
          ...extra, Bucket: this.opts.bucket, Key: key, Body: body, Metadata: metadata, ContentType: contentType(key),
        });
        await client.send(command, { abortSignal: signal });
        return;
      }
      const abortController = new AbortController();
      const onAbort = () => abortController.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const upload = new sdk.Upload({
          client,
          params: {
            ...extra, Bucket: this.opts.bucket, Key: key, Body: Buffer.from(body.buffer, body.byteOffset, body.length),
            Metadata: metadata, ContentType: contentType(key),
          },
          partSize: this.opts.partSize,
          queueSize: this.opts.partConcurrency,
          // A failed multipart upload is aborted, so no orphaned parts linger.
          leavePartsOnError: false,
          abortController,
        });
        await upload.done();
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    }, signal);
  }

  /** The object's user metadata, or undefined when it does not exist. */
  async head(key: string): Promise<Record<string, string> | undefined> {
    const { sdk, client } = await this.connect();
    return this.retry(`reading the metadata of s3://${this.opts.bucket}/${key}`, async () => {
      try {
        const res = await client.send(new sdk.HeadObjectCommand({ ...this.readParams(), Bucket: this.opts.bucket, Key: key }));
        return res.Metadata ?? {};
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
  }

  async getText(key: string): Promise<string | undefined> {
    const { sdk, client } = await this.connect();
    return this.retry(`reading s3://${this.opts.bucket}/${key}`, async () => {
      try {
        const res = await client.send(new sdk.GetObjectCommand({ ...this.readParams(), Bucket: this.opts.bucket, Key: key }));
        return await res.Body!.transformToString('utf8');
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
  }

  private readParams(): Record<string, string> {
    return this.opts.write ? (readParams(this.opts.write) as Record<string, string>) : {};
  }

  async delete(keys: readonly string[]): Promise<void> {
    const { sdk, client } = await this.connect();
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.retry(`deleting ${batch.length} objects from s3://${this.opts.bucket}`, async () => {
        const res = await client.send(new sdk.DeleteObjectsCommand({
          Bucket: this.opts.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }));
        const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) throw new RetriableError(`deleting ${failed[0]!.Key}: ${failed[0]!.Code} ${failed[0]!.Message ?? ''}`);
      });
    }
  }

  close(): void {
    this.closing.abort();
    void this.clientReady?.then(({ client }) => client.destroy());
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as AwsError;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function contentType(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.json.gz')) return 'application/gzip';
  if (key.endsWith('.avro')) return 'application/avro';
  return 'application/vnd.apache.parquet';
}

/** The SDK provider for s3.credentials.provider.class; undefined: the client's own default (or static keys). */
export async function credentialProvider(
  source: CredentialSource | undefined,
  keys: { accessKeyId?: string; secretAccessKey?: string } = {},
): Promise<S3ClientConfig['credentials'] | undefined> {
  switch (source?.kind) {
    case 'assume-role': return (await import('./assume-role.js')).assumeRoleProvider(source, keys);
    case undefined: case 'static': case 'default': return undefined;
    case 'env': return (await import('@aws-sdk/credential-provider-env')).fromEnv();
    case 'profile': return (await import('@aws-sdk/credential-provider-ini')).fromIni();
    case 'instance': return (await import('@smithy/credential-provider-imds')).fromInstanceMetadata();
    case 'container': return (await import('@smithy/credential-provider-imds')).fromContainerMetadata();
    case 'web-identity': return (await import('@aws-sdk/credential-provider-web-identity')).fromTokenFile();
  }
}
