// Where the local stack listens (scripts/stack.sh), and names no earlier run used.
import { randomBytes } from 'node:crypto';

export interface StackEndpoints {
  kafka: string;
  pgUrl: string;
  s3Url: string;
  s3Bucket: string;
  s3AccessKey: string;
  s3SecretKey: string;
  registry: string;
}

export function stackEndpoints(env: NodeJS.ProcessEnv = process.env): StackEndpoints {
  return {
    kafka: env.SLUICE_TEST_KAFKA ?? `127.0.0.1:${env.SLUICE_STACK_KAFKA_PORT ?? 19092}`,
    pgUrl: env.SLUICE_TEST_PG ?? `postgresql://postgres@127.0.0.1:${env.SLUICE_STACK_PG_PORT ?? 15432}/postgres`,
    s3Url: env.SLUICE_TEST_S3 ?? `http://127.0.0.1:${env.SLUICE_STACK_S3_PORT ?? 19000}`,
    s3Bucket: env.SLUICE_TEST_S3_BUCKET ?? 'sluice',
    s3AccessKey: env.SLUICE_TEST_S3_ACCESS_KEY ?? 'sluice',
    s3SecretKey: env.SLUICE_TEST_S3_SECRET_KEY ?? 'sluice-secret-key',
    registry: env.SLUICE_TEST_REGISTRY ?? `http://127.0.0.1:${env.SLUICE_STACK_REGISTRY_PORT ?? 18081}/apis/ccompat/v7`,
  };
}

/** bench_<what>_<time>_<random>: lower case, valid as a topic, table and group name. */
export function uniqueName(what: string): string {
  return `bench_${what}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Registers an Avro schema under a subject; returns the id the wire format carries. */
export async function registerSchema(registry: string, subject: string, schema: object): Promise<number> {
  const res = await fetch(`${registry}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(schema) }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`registering ${subject} in the schema registry: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}
