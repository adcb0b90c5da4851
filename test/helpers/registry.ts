import { REGISTRY } from './stack.js';

/** Registers an Avro schema under a subject; returns the id the wire format carries. */
export async function registerSchema(subject: string, schema: object): Promise<number> {
  const res = await fetch(`${REGISTRY}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(schema) }),
  });
  if (!res.ok) throw new Error(`register ${subject}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

export async function schemaById(id: number): Promise<string> {
  const res = await fetch(`${REGISTRY}/schemas/ids/${id}`);
  if (!res.ok) throw new Error(`schema ${id}: HTTP ${res.status}`);
  return ((await res.json()) as { schema: string }).schema;
}

export async function latestVersion(subject: string): Promise<{ id: number; version: number; schema: string }> {
  const res = await fetch(`${REGISTRY}/subjects/${encodeURIComponent(subject)}/versions/latest`);
  if (!res.ok) throw new Error(`latest ${subject}: HTTP ${res.status}`);
  return (await res.json()) as { id: number; version: number; schema: string };
}

/** Confluent wire format: 0, schema id (big endian), Avro body. */
export function confluentFrame(id: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(id, 1);
  body.copy(out, 5);
  return out;
}
