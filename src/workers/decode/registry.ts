// A Confluent Schema Registry client for the workers: schemas by id, fetched
// once per process and cached; concurrent requests for one id share a fetch.
import { RetriableError, SluiceError } from '../../errors.js';

export class SchemaRegistryClient {
  private readonly cache = new Map<number, Promise<string>>();
  private readonly headers: Record<string, string>;

  constructor(
    private readonly baseUrl: string,
    userInfo?: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.headers = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (userInfo) this.headers.authorization = 'Basic ' + Buffer.from(userInfo).toString('base64');
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
      res = await fetch(url, { headers: this.headers, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new RetriableError(`schema registry unreachable at ${this.baseUrl} (${(err as Error).message})`, { cause: err });
    }
    if (res.status === 404) {
      throw new SluiceError(`schema id ${id} is not in the schema registry at ${this.baseUrl}`);
    }
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      const err = `schema registry answered HTTP ${res.status} for schema id ${id}: ${body.slice(0, 200)}`;
      throw res.status >= 500 || res.status === 429 ? new RetriableError(err) : new SluiceError(err);
    }
    const json = (await res.json()) as { schema?: string; schemaType?: string };
    if (json.schemaType && json.schemaType !== 'AVRO') {
      throw new SluiceError(`schema id ${id} is ${json.schemaType}, not Avro`);
    }
    if (typeof json.schema !== 'string') throw new SluiceError(`schema registry answer for id ${id} has no schema`);
    return json.schema;
  }
}
