// What the Confluent wire-format decoders for Protobuf and JSON Schema share:
// magic byte 0 and a 4-byte big-endian schema id before the body, schemas
// fetched from the registry once per id before the synchronous pass, and the
// same split of registry failures as the Avro decoder (registry.ts): an id the
// registry does not have, or a schema Sluice cannot read, fails only the
// records that carry it; an outage fails the batch as retriable.
import { SluiceError } from '../../errors.js';
import type { Decoded, Decoder } from './decoders.js';
import { UnknownSchemaError, type RegisteredSchema, type SchemaRegistryClient } from './registry.js';
import { hasRegistryVersion, setRegistryVersion, type RecordSchema } from '../schema.js';
import { valueSubject, type SubjectStrategy } from './subjects.js';
import { decodeWithoutWindow, windowWords, type WindowSuffix } from './windowed.js';

export abstract class WireFormatDecoder<C> implements Decoder {
  private readonly compiled = new Map<number, C>();
  /** Ids without a usable schema, with the reason. Asked again by the next batch that has them. */
  private readonly unusable = new Map<number, string>();
  private readonly registered = new Map<number, RegisteredSchema>();
  /** schema.compatibility: look each value schema's version up under the subject this strategy names. */
  private versionsBy?: SubjectStrategy;
  /** This batch's schemas without a version, with the reason: their records fail, as the converter's lookup fails them. */
  private readonly noVersion = new Map<RecordSchema, string>();
  /** Reads record keys: a ksqlDB window after the key is recognised (windowed.ts). */
  protected keys = false;

  constructor(
    protected readonly registry: SchemaRegistryClient,
    /** How the registry names the schema type this decoder reads: PROTOBUF, JSON. */
    private readonly schemaType: string,
    /** How messages name the format: "Protobuf", "JSON Schema". */
    private readonly formatName: string,
  ) {}

  /** Builds what decodeBody needs from a registered schema; throws (any error) when Sluice cannot read it. */
  protected abstract compile(id: number, schema: RegisteredSchema): Promise<C>;
  /** Decodes bytes[start..] with the compiled schema; throws with the reason when they are bad. */
  protected abstract decodeBody(c: C, id: number, bytes: Uint8Array, start: number): Decoded;
  /**
   * The RecordSchema a value decodes with and the record name its subject
   * may need (RecordNameStrategy), without decoding the body; undefined when
   * decode() will report the value bad.
   */
  protected abstract versionTarget(c: C, id: number, bytes: Uint8Array): { schema: RecordSchema; recordName?: string } | undefined;

  /**
   * A key that reads completely once its last 8 or 16 bytes (a ksqlDB window)
   * are left off, and failed with them: the key's value, or an error. By
   * default an error that says so (Connect's ProtobufConverter fails on it).
   */
  protected windowedKey(_d: Decoded, _bytes: Uint8Array, suffix: WindowSuffix, err: Error): Decoded {
    throw new Error(`${err.message}; without its last ${suffix} bytes the key reads completely: it looks like a ksqlDB windowed key (the key, then ` +
      `${windowWords(suffix)}), which Kafka Connect's ${this.formatName} converter fails on too (it reads the window as ${this.formatName}); ` +
      'give the windowed table an AVRO or JSON_SR key format, or take the key from the value (ValueToKey)');
  }

  /** Reads record keys (windowed.ts: a ksqlDB window suffix). */
  forKeys(): this {
    this.keys = true;
    return this;
  }

  /** As the converter with schema and version (Kafka Connect): each schema's version under its subject. */
  withVersions(strategy: SubjectStrategy): this {
    this.versionsBy = strategy;
    return this;
  }

  async prepare(values: Iterable<Uint8Array | null>, topic?: string): Promise<void> {
    let wanted: Set<number> | undefined;
    let last = -1;
    const framed = this.versionsBy !== undefined && topic !== undefined ? ([] as Uint8Array[]) : undefined;
    this.noVersion.clear();
    for (const v of values) {
      if (v === null || v.length < 5 || v[0] !== 0) continue; // decode() reports it
      framed?.push(v);
      const id = schemaIdOf(v);
      if (id === last || this.compiled.has(id)) continue;
      last = id;
      (wanted ??= new Set()).add(id);
    }
    if (wanted) {
      for (const id of wanted) this.unusable.delete(id);
      // An outage (RetriableError) or a registry that refuses Sluice (SluiceError) fails the whole batch.
      await Promise.all([...wanted].map((id) => this.load(id)));
    }
    if (framed) await this.loadVersions(framed, topic!, this.versionsBy!);
  }

  private async loadVersions(values: Uint8Array[], topic: string, strategy: SubjectStrategy): Promise<void> {
    const targets = new Map<RecordSchema, { id: number; recordName?: string }>();
    for (const v of values) {
      const id = schemaIdOf(v);
      const c = this.compiled.get(id);
      if (c === undefined) continue;
      let t: ReturnType<typeof this.versionTarget>;
      try {
        t = this.versionTarget(c, id, v);
      } catch {
        continue; // decode() reports it
      }
      if (!t || targets.has(t.schema) || hasRegistryVersion(t.schema, topic)) continue;
      targets.set(t.schema, { id, ...(t.recordName !== undefined ? { recordName: t.recordName } : {}) });
    }
    await Promise.all(
      [...targets].map(async ([schema, { id, recordName }]) => {
        const subject = valueSubject(strategy, topic, recordName);
        if (typeof subject !== 'string') return void this.noVersion.set(schema, `schema id ${id}: ${subject.error}; schema.compatibility compares versions`);
        const registered = this.registered.get(id)!;
        const version = await this.registry.versionOf(subject, registered.schema, registered);
        if (version !== undefined) setRegistryVersion(schema, topic, version);
        else {
          this.noVersion.set(schema, `schema id ${id} is not registered under the subject ${subject}, so it has no version there ` +
            `(the ${this.formatName} converter looks it up under that subject; schema.compatibility compares versions)`);
        }
      }),
    );
  }

  private async load(id: number): Promise<void> {
    let registered: RegisteredSchema;
    try {
      registered = await this.registry.schemaInfoById(id);
    } catch (err) {
      if (err instanceof UnknownSchemaError) return void this.unusable.set(id, err.message);
      throw err;
    }
    if (registered.schemaType !== this.schemaType) {
      return void this.unusable.set(id, `schema id ${id} is a ${registered.schemaType} schema, not ${this.formatName}`);
    }
    try {
      this.compiled.set(id, await this.compile(id, registered));
      this.registered.set(id, registered);
    } catch (err) {
      if (err instanceof UnknownSchemaError) return void this.unusable.set(id, err.message);
      if (err instanceof SluiceError) throw err; // a SluiceError from the registry (references): not the schema's fault
      this.unusable.set(id, `schema id ${id} is not a ${this.formatName} schema Sluice can read: ${(err as Error).message}`);
    }
  }

  decode(bytes: Uint8Array): Decoded {
    if (bytes.length < 5) throw new Error(`${bytes.length} bytes, too short for the Confluent ${this.formatName} wire format (magic byte 0, 4-byte schema id, body)`);
    if (bytes[0] !== 0) throw new Error(`not the Confluent ${this.formatName} wire format: does not start with the magic byte 0 (got ${bytes[0]})`);
    const id = schemaIdOf(bytes);
    const c = this.compiled.get(id);
    if (c === undefined) throw new Error(this.unusable.get(id) ?? `schema id ${id} could not be loaded`);
    let d: Decoded;
    try {
      d = this.decodeBody(c, id, bytes, 5);
    } catch (err) {
      // Keys only, and only once the whole key failed: is it a key and a window?
      const w = this.keys ? decodeWithoutWindow(bytes, 6, (k) => this.decodeBody(c, id, k, 5)) : undefined;
      if (w === undefined) throw err;
      d = this.windowedKey(w.value, bytes, w.suffix, err as Error);
    }
    const missing = this.noVersion.size > 0 ? this.noVersion.get(d.schema) : undefined;
    if (missing) throw new Error(missing);
    return d;
  }
}

function schemaIdOf(v: Uint8Array): number {
  return ((v[1]! << 24) | (v[2]! << 16) | (v[3]! << 8) | v[4]!) >>> 0;
}

/**
 * Every schema a registered schema references, transitively, by the name it
 * is referenced under (a Protobuf import path, a JSON Schema $ref URL).
 */
export async function referencedSchemas(registry: SchemaRegistryClient, root: RegisteredSchema): Promise<Map<string, RegisteredSchema>> {
  const out = new Map<string, RegisteredSchema>();
  const walk = async (s: RegisteredSchema): Promise<void> => {
    const todo = s.references.filter((r) => !out.has(r.name));
    const got = await Promise.all(todo.map((r) => registry.schemaBySubject(r.subject, r.version)));
    const fresh: RegisteredSchema[] = [];
    todo.forEach((r, i) => {
      if (out.has(r.name)) return;
      out.set(r.name, got[i]!);
      fresh.push(got[i]!);
    });
    for (const f of fresh) await walk(f);
  };
  await walk(root);
  return out;
}

/** An integer as the big-endian two's complement bytes of a decimal's unscaled value (as Avro and Connect hold it), shortest form. */
export function bigToBytes(n: bigint): Uint8Array {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (!((v === 0n && (bytes[0]! & 0x80) === 0) || (v === -1n && (bytes[0]! & 0x80) !== 0)));
  return Uint8Array.from(bytes);
}
