// JSON as Apicurio Registry 2.x's ExtJsonConverter
// (io.apicurio.registry.utils.converter.ExtJsonConverter) writes it. The
// converter registers the record's Connect schema as JsonConverter writes
// one (a KCONNECT artifact) and frames each record as
// {"schemaId": <global id>, "payload": <JsonConverter's schemaless JSON>}
// (its PrettyFormatStrategy; the compact one cannot be chosen by config).
// Reading, it fetches the schema by that global id, whatever use-id says,
// ignores headers, and hands JsonConverter the envelope {"schema", "payload"}.
// So a record decodes here exactly as a connect-json envelope with that
// schema does (decoders.ts ConnectJsonDecoder): the same payload checks,
// Connect view and declared version.
import { parseJsonExact } from '../json-exact.js';
import { recordSchemaFromConnect, type ConnectSchema, type RecordSchema } from '../schema.js';
import { compilePayloadCheck } from './connect-payload.js';
import { attachEnvelopeView } from './connect-json-view.js';
import type { Decoded, Decoder } from './decoders.js';
import { UnknownSchemaError, type SchemaRegistryClient } from './registry.js';

interface Compiled {
  schema: RecordSchema;
  check: ((payload: unknown) => void) | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** How PrettyFormatStrategy starts every record: the id is found without parsing the payload. */
const HEAD = /^\s*\{\s*"schemaId"\s*:\s*(\d{1,15})\s*[,}]/;

/** The record's global id as Jackson's asLong() reads the schemaId node (a number, or digits in a string), or why there is none. */
export function extJsonSchemaId(node: unknown): number | { error: string } {
  let id: bigint | undefined;
  if (typeof node === 'bigint') id = node;
  else if (typeof node === 'number' && Number.isInteger(node)) id = BigInt(node);
  else if (typeof node === 'string' && /^\s*\d+\s*$/.test(node)) id = BigInt(node.trim());
  if (id === undefined) return { error: `"schemaId" is ${JSON.stringify(typeof node === 'bigint' ? String(node) : node)}, not a global id` };
  if (id < 0n || id > BigInt(Number.MAX_SAFE_INTEGER)) return { error: `"schemaId" ${id} is not a registry global id` };
  return Number(id);
}

export class ApicurioExtJsonDecoder implements Decoder {
  private readonly compiled = new Map<number, Compiled>();
  /** Global ids without a usable schema, with the reason: their records fail one by one. Asked again by the next batch. */
  private readonly unusable = new Map<number, string>();

  constructor(
    private readonly registry: SchemaRegistryClient,
    private readonly role: 'key' | 'value',
    /** replace.null.with.default of the JsonConverter it wraps. */
    private readonly replaceNullWithDefault = true,
  ) {}

  async prepare(values: Iterable<Uint8Array | null>): Promise<void> {
    const wanted = new Set<number>();
    for (const v of values) {
      if (v === null) continue;
      const id = this.idOf(v);
      if (id !== undefined && !this.compiled.has(id)) wanted.add(id);
    }
    // An outage (RetriableError) or a registry that refuses Sluice (SluiceError) fails the whole batch.
    await Promise.all([...wanted].map((id) => this.load(id)));
  }

  /** The global id a record names, read from its head when it has PrettyFormatStrategy's shape; undefined when decode() will report it bad. */
  private idOf(v: Uint8Array): number | undefined {
    const head = HEAD.exec(Buffer.from(v.buffer, v.byteOffset, Math.min(v.length, 64)).toString('latin1'));
    if (head) return Number(head[1]);
    try {
      const id = extJsonSchemaId((parseJsonExact(utf8.decode(v)) as Record<string, unknown> | null)?.schemaId);
      return typeof id === 'number' ? id : undefined;
    } catch {
      return undefined;
    }
  }

  private async load(id: number): Promise<void> {
    this.unusable.delete(id);
    let text: string;
    try {
      text = (await this.registry.apicurioContent('globalId', id)).schema;
    } catch (err) {
      if (err instanceof UnknownSchemaError) return void this.unusable.set(id, err.message);
      throw err;
    }
    try {
      const parsed = parseJsonExact(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as { type?: unknown }).type !== 'string') {
        throw new Error('not a Kafka Connect JSON schema (an object with a "type")');
      }
      const connect = parsed as ConnectSchema;
      const schema = recordSchemaFromConnect(`apicurio-kconnect:${id}`, connect);
      attachEnvelopeView(schema, connect);
      this.compiled.set(id, { schema, check: compilePayloadCheck(connect, this.replaceNullWithDefault) });
    } catch (err) {
      this.unusable.set(id, `Apicurio globalId ${id} is not a Kafka Connect schema Sluice can read (ExtJsonConverter registers one): ${(err as Error).message}`);
    }
  }

  decode(bytes: Uint8Array): Decoded {
    const frame = parseJsonExact(utf8.decode(bytes)) as Record<string, unknown> | null;
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame) || !('schemaId' in frame) || !('payload' in frame)) {
      throw new Error(`the ${this.role} is not ExtJsonConverter's {"schemaId": <global id>, "payload": …} JSON`);
    }
    const id = extJsonSchemaId(frame.schemaId);
    if (typeof id !== 'number') throw new Error(`the ${this.role}'s ${id.error}`);
    const c = this.compiled.get(id);
    if (!c) throw new Error(this.unusable.get(id) ?? `Apicurio globalId ${id} could not be loaded`);
    c.check?.(frame.payload);
    return { value: frame.payload, schema: c.schema };
  }
}
