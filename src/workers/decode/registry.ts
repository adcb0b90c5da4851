// A Confluent Schema Registry client for the workers: schemas by id, fetched
// once per process and cached; concurrent requests for one id share a fetch.
//
// Three kinds of failure, kept apart because they call for different things:
// - UnknownSchemaError: the registry answered that it has no schema under the
//   id (error_code 40403), or the schema is not one Sluice can read. The
//   records carrying that id are bad data: they fail one by one (dead-letter
//   or stop naming the record).
// - RetriableError: the registry is unreachable, timed out, or answered
//   408/429/5xx. An outage: the same batch is retried later, no record fails.
// - SluiceError: anything else (401/403, a 404 that is not the registry's own
//   "schema not found", so most likely a wrong URL): Sluice stops, since
//   every record would fail the same way.
import { Agent, fetch as undiciFetch } from 'undici';
import { ConvertError, RetriableError, SluiceError } from '../../errors.js';
import { OAuthTokenSource, type OAuthClientCredentials } from './oauth-token.js';

/** How to reach a registry beyond its URL (config/registry-access.ts builds it). */
export interface RegistryAuth {
  /** The Authorization header value (Basic or Bearer). */
  authorization?: string;
  /** PEM CA certificates that verify the registry instead of the system's. */
  ca?: string;
  /** A client certificate for mutual TLS (config/registry-access.ts readKeystore). */
  clientCert?: { pfx: Uint8Array; passphrase: string } | { key: string; cert: string; passphrase?: string };
  /** OAuth client credentials (Apicurio's apicurio.auth.*): a Bearer token per request, in place of `authorization`. */
  oauth?: OAuthClientCredentials;
}

/** The registry has no (usable) schema under this id: the records that carry it are bad data. */
export class UnknownSchemaError extends ConvertError {}

/** Confluent's "Schema not found" (Apicurio's ccompat API and Karapace answer it too). */
const SCHEMA_NOT_FOUND = 40403;
/** A reference naming a subject or version the registry does not have. */
const SUBJECT_NOT_FOUND = 40401;
const VERSION_NOT_FOUND = 40402;

export interface SchemaReference {
  /** The import path (Protobuf) or $ref URL (JSON Schema) the referring schema uses. */
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

export interface RegisteredSchema {
  readonly schema: string;
  /** AVRO, PROTOBUF or JSON. */
  readonly schemaType: string;
  readonly references: readonly SchemaReference[];
}

export class SchemaRegistryClient {
  private readonly cache = new Map<string, Promise<RegisteredSchema>>();
  private readonly headers: Record<string, string>;

  private readonly fetch: (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;
  private readonly post: (url: string, init: { headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<Response>;
  private readonly versions = new Map<string, Promise<number | undefined>>();
  private readonly oauth: OAuthTokenSource | undefined;

  /** `auth`: user:password (basic auth), or the Authorization header and CA to use. */
  constructor(
    private readonly baseUrl: string,
    auth?: string | RegistryAuth,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.headers = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (typeof auth === 'string') this.headers.authorization = 'Basic ' + Buffer.from(auth).toString('base64');
    else if (auth?.authorization) this.headers.authorization = auth.authorization;
    this.oauth = typeof auth === 'object' && auth.oauth ? new OAuthTokenSource(auth.oauth) : undefined;
    const ca = typeof auth === 'object' ? auth.ca : undefined;
    const clientCert = typeof auth === 'object' ? auth.clientCert : undefined;
    // Node's own fetch takes no CA; undici's (the same client) does, through its dispatcher.
    if (ca || clientCert) {
      // A PKCS12 store crosses to the worker as a Uint8Array (structured clone); TLS wants a Buffer.
      const cert = clientCert && 'pfx' in clientCert ? { pfx: Buffer.from(clientCert.pfx), passphrase: clientCert.passphrase } : clientCert;
      const dispatcher = new Agent({ connect: { ...(ca ? { ca } : {}), ...cert } });
      this.fetch = (url, init) => undiciFetch(url, { ...init, dispatcher }) as unknown as Promise<Response>;
      this.post = (url, init) => undiciFetch(url, { ...init, method: 'POST', dispatcher }) as unknown as Promise<Response>;
    } else {
      this.fetch = (url, init) => fetch(url, init);
      this.post = (url, init) => fetch(url, { ...init, method: 'POST' });
    }
  }

  /** The Avro schema text registered under this id. */
  async schemaById(id: number): Promise<string> {
    const s = await this.schemaInfoById(id);
    if (s.schemaType !== 'AVRO') throw new UnknownSchemaError(`schema id ${id} is a ${s.schemaType} schema, not Avro`);
    return s.schema;
  }

  /** The schema registered under this id, with its type and references (Protobuf imports, JSON Schema $refs). */
  schemaInfoById(id: number): Promise<RegisteredSchema> {
    return this.cached(`id:${id}`, () => this.fetchSchema(`/schemas/ids/${id}`, `schema id ${id}`));
  }

  /** A referenced schema: the one registered as this version of this subject. */
  schemaBySubject(subject: string, version: number | string): Promise<RegisteredSchema> {
    return this.cached(`subject:${subject}:${version}`, () =>
      this.fetchSchema(`/subjects/${encodeURIComponent(subject)}/versions/${encodeURIComponent(String(version))}`, `subject ${subject} version ${version}`),
    );
  }

  /**
   * The version `schema` has under `subject` (what Confluent's client
   * getVersion asks: POST /subjects/<subject>); undefined when the subject
   * does not hold it.
   */
  versionOf(subject: string, schema: string, typed?: Omit<RegisteredSchema, 'schema'>): Promise<number | undefined> {
    // Protobuf and JSON Schema are asked with their type and references, as Confluent's client sends them.
    const body = JSON.stringify(typed && typed.schemaType !== 'AVRO' ? { schema, schemaType: typed.schemaType, ...(typed.references.length ? { references: typed.references } : {}) } : { schema });
    let p = this.versions.get(`${subject}\u0000${body}`);
    if (!p) {
      const key = `${subject}\u0000${body}`;
      p = this.lookUpVersion(subject, body);
      this.versions.set(key, p);
      // Neither a failure nor a miss is kept: the schema may be registered there later.
      p.then((v) => v === undefined && this.versions.delete(key), () => this.versions.delete(key));
    }
    return p;
  }

  private async lookUpVersion(subject: string, requestBody: string): Promise<number | undefined> {
    const url = `${this.baseUrl}/subjects/${encodeURIComponent(subject)}`;
    const what = `the version of a schema under subject ${subject}`;
    const headers = await this.requestHeaders();
    let res: Response;
    try {
      res = await this.post(url, { headers: { ...headers, 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: requestBody, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new RetriableError(`schema registry unreachable at ${this.baseUrl} (${(err as Error).message})`, { cause: err });
    }
    const body = await res.text().catch((err: unknown) => {
      throw new RetriableError(`schema registry at ${this.baseUrl}: reading the answer for ${what} failed (${(err as Error).message})`, { cause: err });
    });
    if (!res.ok) {
      const code = errorCode(body);
      if (code === SCHEMA_NOT_FOUND || code === SUBJECT_NOT_FOUND || code === VERSION_NOT_FOUND) return undefined;
      const err = `schema registry at ${this.baseUrl} answered HTTP ${res.status} for ${what}: ${body.slice(0, 200)}`;
      if (res.status >= 500 || res.status === 429 || res.status === 408) throw new RetriableError(err);
      throw new SluiceError(err);
    }
    let version: unknown;
    try {
      version = (JSON.parse(body) as { version?: unknown }).version;
    } catch {
      throw new SluiceError(`schema registry at ${this.baseUrl} answered ${what} with something that is not JSON: ${body.slice(0, 200)}`);
    }
    if (typeof version !== 'number') throw new SluiceError(`schema registry at ${this.baseUrl} answered ${what} without a version: ${body.slice(0, 200)}`);
    return version;
  }

  /**
   * Apicurio Registry's native API (base URL …/apis/registry/v2 or v3): the
   * content registered under a global id or a content id, as its serde
   * fetches it. Errors split as for schemaInfoById; Apicurio answers an
   * unknown id with HTTP 404 and its own error body (name *NotFoundException).
   */
  apicurioContent(kind: 'globalId' | 'contentId', id: number): Promise<RegisteredSchema> {
    const what = `Apicurio ${kind} ${id}`;
    return this.cached(`apicurio:${kind}:${id}`, async () => {
      const text = await this.fetchText(`/ids/${kind}s/${id}`, what, (status, body) => {
        if (status !== 404) return false;
        try {
          const name = (JSON.parse(body) as { name?: unknown }).name;
          return typeof name === 'string' && name.endsWith('NotFoundException');
        } catch {
          return false;
        }
      });
      return { schema: text, schemaType: 'AVRO', references: [] };
    });
  }

  /** The headers of a request: with OAuth, a current Bearer token (a token endpoint failure throws as the registry's would). */
  private async requestHeaders(): Promise<Record<string, string>> {
    return this.oauth ? { ...this.headers, authorization: await this.oauth.authorization() } : this.headers;
  }

  private cached(key: string, load: () => Promise<RegisteredSchema>): Promise<RegisteredSchema> {
    let p = this.cache.get(key);
    if (!p) {
      p = load();
      this.cache.set(key, p);
      // A failed fetch is not cached: the next batch retries it.
      p.catch(() => this.cache.delete(key));
    }
    return p;
  }

  private async fetchSchema(path: string, what: string): Promise<RegisteredSchema> {
    const text = await this.fetchText(path, what, (_status, body) => {
      const code = errorCode(body);
      return code === SCHEMA_NOT_FOUND || code === SUBJECT_NOT_FOUND || code === VERSION_NOT_FOUND;
    });
    let json: { schema?: unknown; schemaType?: unknown; references?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      throw new SluiceError(`schema registry at ${this.baseUrl} answered ${what} with something that is not JSON (is the schema registry URL right?): ${text.slice(0, 200)}`);
    }
    if (typeof json.schema !== 'string') throw new UnknownSchemaError(`the schema registry's answer for ${what} has no schema`);
    const references = Array.isArray(json.references) ? (json.references as SchemaReference[]) : [];
    // No schemaType means Avro (Confluent's API leaves it out for Avro).
    return { schema: json.schema, schemaType: typeof json.schemaType === 'string' ? json.schemaType : 'AVRO', references };
  }

  /** GET path's body; `notFound` tells the registry's own "no such schema" answer (UnknownSchemaError) from others. */
  private async fetchText(path: string, what: string, notFound: (status: number, body: string) => boolean): Promise<string> {
    const url = `${this.baseUrl}${path}`;
    const headers = await this.requestHeaders();
    let res: Response;
    try {
      res = await this.fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new RetriableError(`schema registry unreachable at ${this.baseUrl} (${(err as Error).message})`, { cause: err });
    }
    if (!res.ok) {
      let body = '';
      try {
        body = await res.text();
      } catch (err) {
        throw new RetriableError(`schema registry at ${this.baseUrl}: reading the answer for ${what} failed (${(err as Error).message})`, { cause: err });
      }
      if (notFound(res.status, body)) {
        throw new UnknownSchemaError(`${what} is not in the schema registry at ${this.baseUrl} (HTTP ${res.status}, error_code ${errorCode(body)})`);
      }
      const err = `schema registry at ${this.baseUrl} answered HTTP ${res.status} for ${what}: ${body.slice(0, 200)}`;
      if (res.status >= 500 || res.status === 429 || res.status === 408) throw new RetriableError(err);
      if (res.status === 404) throw new SluiceError(`${err} (not the registry's "schema not found", error_code ${SCHEMA_NOT_FOUND}: is the schema registry URL right?)`);
      throw new SluiceError(err);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new RetriableError(`schema registry at ${this.baseUrl}: reading the answer for ${what} failed (${(err as Error).message})`, { cause: err });
    }
    return text;
  }
}

function errorCode(body: string): number | undefined {
  try {
    const code = (JSON.parse(body) as { error_code?: unknown }).error_code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}
