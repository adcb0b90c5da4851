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
import { RetriableError, SluiceError } from '../../errors.js';

/** How to reach a registry beyond its URL (config/registry-access.ts builds it). */
export interface RegistryAuth {
  /** The Authorization header value (Basic or Bearer). */
  authorization?: string;
  /** PEM CA certificates that verify the registry instead of the system's. */
  ca?: string;
}

/** The registry has no (usable) schema under this id: the records that carry it are bad data. */
export class UnknownSchemaError extends SluiceError {}

/** Confluent's "Schema not found" (Apicurio's ccompat API and Karapace answer it too). */
const SCHEMA_NOT_FOUND = 40403;

export class SchemaRegistryClient {
  private readonly cache = new Map<number, Promise<string>>();
  private readonly headers: Record<string, string>;

  private readonly fetch: (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

  /** `auth`: user:password (basic auth), or the Authorization header and CA to use. */
  constructor(
    private readonly baseUrl: string,
    auth?: string | RegistryAuth,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.headers = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (typeof auth === 'string') this.headers.authorization = 'Basic ' + Buffer.from(auth).toString('base64');
    else if (auth?.authorization) this.headers.authorization = auth.authorization;
    const ca = typeof auth === 'object' ? auth.ca : undefined;
    // Node's own fetch takes no CA; undici's (the same client) does, through its dispatcher.
    if (ca) {
      const dispatcher = new Agent({ connect: { ca } });
      this.fetch = (url, init) => undiciFetch(url, { ...init, dispatcher }) as unknown as Promise<Response>;
    } else this.fetch = (url, init) => fetch(url, init);
  }

  /** The schema text registered under this id. */
  schemaById(id: number): Promise<string> {
    let p = this.cache.get(id);
    if (!p) {
      p = this.fetchSchema(id);
      this.cache.set(id, p);
      // A failed fetch is not cached: the next batch retries it.
      p.catch(() => this.cache.delete(id));
    }
    return p;
  }

  private async fetchSchema(id: number): Promise<string> {
    const url = `${this.baseUrl}/schemas/ids/${id}`;
    let res: Response;
    try {
      res = await this.fetch(url, { headers: this.headers, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new RetriableError(`schema registry unreachable at ${this.baseUrl} (${(err as Error).message})`, { cause: err });
    }
    if (!res.ok) {
      let body = '';
      try {
        body = await res.text();
      } catch (err) {
        throw new RetriableError(`schema registry at ${this.baseUrl}: reading the answer for schema id ${id} failed (${(err as Error).message})`, { cause: err });
      }
      if (errorCode(body) === SCHEMA_NOT_FOUND) {
        throw new UnknownSchemaError(`schema id ${id} is not in the schema registry at ${this.baseUrl} (HTTP ${res.status}, error_code ${SCHEMA_NOT_FOUND})`);
      }
      const err = `schema registry at ${this.baseUrl} answered HTTP ${res.status} for schema id ${id}: ${body.slice(0, 200)}`;
      if (res.status >= 500 || res.status === 429 || res.status === 408) throw new RetriableError(err);
      if (res.status === 404) throw new SluiceError(`${err} (not the registry's "schema not found", error_code ${SCHEMA_NOT_FOUND}: is the schema registry URL right?)`);
      throw new SluiceError(err);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new RetriableError(`schema registry at ${this.baseUrl}: reading the answer for schema id ${id} failed (${(err as Error).message})`, { cause: err });
    }
    let json: { schema?: string; schemaType?: string };
    try {
      json = JSON.parse(text) as { schema?: string; schemaType?: string };
    } catch {
      throw new SluiceError(`schema registry at ${this.baseUrl} answered schema id ${id} with something that is not JSON (is the schema registry URL right?): ${text.slice(0, 200)}`);
    }
    if (json.schemaType && json.schemaType !== 'AVRO') {
      throw new UnknownSchemaError(`schema id ${id} is a ${json.schemaType} schema, not Avro`);
    }
    if (typeof json.schema !== 'string') throw new UnknownSchemaError(`the schema registry's answer for schema id ${id} has no schema`);
    return json.schema;
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
