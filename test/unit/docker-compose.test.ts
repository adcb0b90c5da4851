// There is no Docker engine on the CI machines, so the compose file is checked
// against Sluice's own config: every variable it sets is one Sluice knows,
// and together they make a valid configuration.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/sinks/index.js';

const root = path.resolve(__dirname, '../..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { build?: string; environment?: Record<string, string>; image?: string; depends_on?: unknown }>;
};

/** Compose's ${VAR:-default} interpolation, with defaults only. */
function interpolate(v: string): string {
  return String(v).replace(/\$\{([A-Z_]+)(?::-([^}]*))?\}/g, (_m, _name, def) => def ?? '');
}

describe('docker-compose.yml', () => {
  it('runs Kafka in KRaft mode, a schema registry, PostgreSQL, MinIO and Sluice built from the Dockerfile', () => {
    const s = compose.services;
    expect(s.kafka!.environment!.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(s['schema-registry']!.image).toMatch(/apicurio-registry/);
    expect(s.postgres!.image).toMatch(/^postgres:/);
    expect(s.minio!.image).toMatch(/minio/);
    expect(s.sluice!.build).toBe('.');
    expect(fs.existsSync(path.join(root, 'Dockerfile'))).toBe(true);
  });

  it('configures Sluice only through variables Sluice knows, which load without error', () => {
    const env = Object.fromEntries(Object.entries(compose.services.sluice!.environment!).map(([k, v]) => [k, interpolate(v)]));
    for (const k of Object.keys(env)) expect(k).toMatch(/^SLUICE_/);
    const c = loadConfig({ env });
    expect(c.sink).toBe('postgres');
    expect(c.common['bootstrap.servers']).toBe('kafka:9092');
    expect(c.options['insert.mode']).toBe('upsert');
    expect(c.valueFormat).toBe('avro');
    expect(c.kafka['fetch.max.bytes']).toBe('52428800');
  });

  it('points Sluice at services that exist in the file', () => {
    const env = compose.services.sluice!.environment!;
    const hosts = [env.SLUICE_BOOTSTRAP_SERVERS, env.SLUICE_CONNECTION_URL, env.SLUICE_VALUE_CONVERTER_SCHEMA_REGISTRY_URL]
      .map((u) => /(?:\/\/)?([a-z-]+):\d+/.exec(u!)![1]!);
    for (const h of hosts) expect(Object.keys(compose.services)).toContain(h);
  });
});
