// Avro as Apicurio Registry 2.x's AvroConverter (io.apicurio.registry.utils.
// converter.AvroConverter) writes it. Its serializer names the schema either
// in Kafka headers (apicurio.registry.headers.enabled=true, the default):
// apicurio.<key|value>.globalId (or .contentId) holding an 8-byte big-endian
// long, the payload then plain Avro binary; or in the payload: magic byte 0,
// the id (8 bytes with DefaultIdHandler, 4 with Legacy4ByteIdHandler /
// as-confluent), then Avro binary. As its deserializer does, an id header
// wins and a payload without one must start with the magic byte. Schemas come
// from the native API (/ids/globalIds/<id>, /ids/contentIds/<id>) and decode
// with the same Avro reading as Confluent's framing (decoders.ts), so the
// same schema gives the same values.
import type { KafkaHeader } from '../../core/batch-layout.js';
import { recordSchemaFromAvro, type RecordSchema } from '../schema.js';
import type { Decoded, Decoder } from './decoders.js';
import { UnknownSchemaError, type SchemaRegistryClient } from './registry.js';
import type avro from 'avsc';

/** How the converter's serializer was configured to frame records (config/apicurio.ts reads it). */
export interface ApicurioWire {
  /** Which of Apicurio's converters wrote the records (absent: AvroConverter). ExtJsonConverter frames them in JSON: decode/apicurio-ext-json.ts. */
  readonly converter?: 'AvroConverter' | 'ExtJsonConverter';
  /** Bytes of the id after the magic byte: 8 (DefaultIdHandler) or 4 (Legacy4ByteIdHandler, as-confluent). */
  readonly idSize: 4 | 8;
  /** What an id in the payload names (apicurio.registry.use-id). */
  readonly useId: 'globalId' | 'contentId';
}

type IdKind = 'globalId' | 'contentId';
interface SchemaRef { kind: IdKind; id: number }
interface Compiled { type: avro.Type; schema: RecordSchema }

const MAGIC_BYTE = 0;
const utf8 = new TextDecoder('utf-8');

/** The schema reference a record carries (headers first, then the payload), or the reason it has none Sluice can use. */
export function apicurioSchemaRef(
  bytes: Uint8Array,
  headers: readonly KafkaHeader[] | undefined,
  role: 'key' | 'value',
  wire: ApicurioWire,
): { ref: SchemaRef; bodyStart: number } | { error: string } {
  if (headers && headers.length > 0) {
    const last = (name: string): KafkaHeader | undefined => {
      for (let i = headers.length - 1; i >= 0; i--) if (headers[i]!.name === name) return headers[i];
      return undefined;
    };
    const encoding = last(`apicurio.${role}.encoding`);
    if (encoding?.value && utf8.decode(encoding.value).trim().toUpperCase() === 'JSON') {
      return { error: `header apicurio.${role}.encoding says JSON: Avro's JSON encoding (apicurio.registry.avro.encoding=JSON) is not read by Sluice; use BINARY` };
    }
    // The deserializer resolves by global id before content id.
    for (const kind of ['globalId', 'contentId'] as const) {
      const h = last(`apicurio.${role}.${kind}`);
      if (!h) continue;
      if (h.value === null || h.value.length !== 8) {
        return { error: `header apicurio.${role}.${kind} holds ${h.value === null ? 'no value' : `${h.value.length} bytes`}, not an 8-byte id` };
      }
      const id = new DataView(h.value.buffer, h.value.byteOffset, 8).getBigInt64(0);
      if (id < 0n || id > BigInt(Number.MAX_SAFE_INTEGER)) return { error: `header apicurio.${role}.${kind} holds ${id}, not a registry id` };
      return { ref: { kind, id: Number(id) }, bodyStart: 0 };
    }
    if (last(`apicurio.${role}.artifactId`)) {
      return { error: `the schema is named by the headers apicurio.${role}.groupId/artifactId/version rather than an id; Sluice reads apicurio.${role}.globalId or apicurio.${role}.contentId` };
    }
  }
  const need = 1 + wire.idSize;
  if (bytes.length < need || bytes[0] !== MAGIC_BYTE) {
    const what = bytes.length < need ? `is ${bytes.length} bytes, too short for` : `does not start with the magic byte 0 (got ${bytes[0]}) of`;
    return {
      error: `no apicurio.${role}.globalId or apicurio.${role}.contentId header, and the ${role} ${what} Apicurio's framing in the payload ` +
        `(magic byte 0, ${wire.idSize}-byte ${wire.useId}, Avro binary)`,
    };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + 1, wire.idSize);
  const id = wire.idSize === 8 ? view.getBigInt64(0) : BigInt(view.getInt32(0));
  if (id < 0n || id > BigInt(Number.MAX_SAFE_INTEGER)) return { error: `the ${role}'s payload holds ${wire.useId} ${id}, not a registry id` };
  return { ref: { kind: wire.useId, id: Number(id) }, bodyStart: need };
}

export class ApicurioAvroDecoder implements Decoder {
  readonly usesHeaders = true;
  private readonly compiled = new Map<string, Compiled>();
  /** Ids without a usable schema, with the reason: their records fail one by one. Asked again by the next batch. */
  private readonly unusable = new Map<string, string>();

  constructor(
    private readonly registry: SchemaRegistryClient,
    private readonly role: 'key' | 'value',
    private readonly wire: ApicurioWire,
    /** decoders.ts's avroType: the one Avro reading every decoder shares (passed in, not imported, to keep the modules acyclic). */
    private readonly avroType: (schema: unknown) => avro.Type,
  ) {}

  async prepare(values: Iterable<Uint8Array | null>, _topic?: string, headersOf?: (i: number) => readonly KafkaHeader[]): Promise<void> {
    const wanted = new Map<string, SchemaRef>();
    let i = -1;
    for (const v of values) {
      i++;
      if (v === null) continue;
      const r = apicurioSchemaRef(v, headersOf?.(i), this.role, this.wire);
      if ('error' in r) continue; // decode() reports it
      const k = `${r.ref.kind}:${r.ref.id}`;
      if (!this.compiled.has(k)) wanted.set(k, r.ref);
    }
    // An outage (RetriableError) or a registry that refuses Sluice (SluiceError) fails the whole batch.
    await Promise.all([...wanted].map(([k, ref]) => this.load(k, ref)));
  }

  private async load(k: string, ref: SchemaRef): Promise<void> {
    this.unusable.delete(k);
    let text: string;
    try {
      text = (await this.registry.apicurioContent(ref.kind, ref.id)).schema;
    } catch (err) {
      if (err instanceof UnknownSchemaError) return void this.unusable.set(k, err.message);
      throw err;
    }
    try {
      const parsed = JSON.parse(text);
      this.compiled.set(k, { type: this.avroType(parsed), schema: recordSchemaFromAvro(`apicurio:${k}`, parsed) });
    } catch (err) {
      this.unusable.set(k, `Apicurio ${ref.kind} ${ref.id} is not an Avro schema Sluice can read: ${(err as Error).message}`);
    }
  }

  decode(bytes: Uint8Array, headers?: () => readonly KafkaHeader[]): Decoded {
    const r = apicurioSchemaRef(bytes, headers?.(), this.role, this.wire);
    if ('error' in r) throw new Error(r.error);
    const k = `${r.ref.kind}:${r.ref.id}`;
    const c = this.compiled.get(k);
    if (!c) throw new Error(this.unusable.get(k) ?? `Apicurio ${r.ref.kind} ${r.ref.id} could not be loaded`);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset + r.bodyStart, bytes.length - r.bodyStart);
    const res = c.type.decode(buf, 0);
    if (res.offset < 0) throw new Error(`Avro body does not match Apicurio ${r.ref.kind} ${r.ref.id}'s schema (truncated or corrupt)`);
    if (res.offset !== buf.length) throw new Error(`Avro body has ${buf.length - res.offset} trailing bytes after Apicurio ${r.ref.kind} ${r.ref.id}'s record`);
    return { value: res.value, schema: c.schema };
  }
}
