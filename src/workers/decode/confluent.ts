// What the Confluent wire-format decoders for Protobuf and JSON Schema share:
// magic byte 0 and a 4-byte big-endian schema id before the body, schemas
// fetched from the registry once per id before the synchronous pass, and the
// same split of registry failures as the Avro decoder (registry.ts): an id the
// registry does not have, or a schema Sluice cannot read, fails only the
// records that carry it; an outage fails the batch as retriable.
import { SluiceError } from '../../errors.js';
import type { Decoded, Decoder } from './decoders.js';
import { UnknownSchemaError, type RegisteredSchema, type SchemaRegistryClient } from './registry.js';

export abstract class WireFormatDecoder<C> implements Decoder {
  private readonly compiled = new Map<number, C>();
  /** Ids without a usable schema, with the reason. Asked again by the next batch that has them. */
  private readonly unusable = new Map<number, string>();

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

  async prepare(values: Iterable<Uint8Array | null>): Promise<void> {
    let wanted: Set<number> | undefined;
    let last = -1;
    for (const v of values) {
      if (v === null || v.length < 5 || v[0] !== 0) continue; // decode() reports it
      const id = schemaIdOf(v);
      if (id === last || this.compiled.has(id)) continue;
      last = id;
      (wanted ??= new Set()).add(id);
    }
    if (!wanted) return;
    for (const id of wanted) this.unusable.delete(id);
    // An outage (RetriableError) or a registry that refuses Sluice (SluiceError) fails the whole batch.
    await Promise.all([...wanted].map((id) => this.load(id)));
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
    return this.decodeBody(c, id, bytes, 5);
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
