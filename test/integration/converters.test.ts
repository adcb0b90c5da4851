// Converters a connector does not set: Kafka Connect takes them from its
// worker config, whose shipped default is JsonConverter with schemas enabled.
// Sluice does the same, and says which converter is in effect and why.
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { runSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName } from '../helpers/stack.js';
import { envelope, pgConnector, runUntilCommitted } from './postgres-helpers.js';

const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';
const DEFAULT_KEY_LINE = `key converter: ${JSON_CONVERTER} (schemas.enable=true) — default: no key.converter in the connector config (Kafka Connect's worker default)`;

/** The shared test connector without its key.converter, as a Connect user migrating would have it. */
function withoutKeyConverter(topic: string, extra: Record<string, unknown>): Record<string, unknown> {
  const { 'key.converter': _omitted, ...rest } = pgConnector(topic, extra);
  return rest;
}

describe('converters not set in the connector', () => {
  it("pk.mode=record_key without key.converter reads the key as Connect's default JSON converter would, not as the envelope's text", async () => {
    const topic = uniqueName('conv_key');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (k text PRIMARY KEY, name text NOT NULL)`);
    const key = (k: string) => JSON.stringify({ schema: { type: 'string', optional: false }, payload: k });
    const value = (n: string) => envelope([{ field: 'name', type: 'string', optional: false }], { name: n });
    await produce(topic, [{ key: key('k1'), value: value('a') }, { key: key('k2'), value: value('b') }, { key: key('k1'), value: value('c') }]);
    const out = await runUntilCommitted(withoutKeyConverter(topic, { 'insert.mode': 'upsert', 'pk.mode': 'record_key', 'pk.fields': 'k' }), [topic]);
    expect(await sql(`SELECT k, name FROM ${topic} ORDER BY k`)).toEqual([{ k: 'k1', name: 'c' }, { k: 'k2', name: 'b' }]);
    // The start-up log says which converters are in effect, and warns about the one taken by default.
    expect(out).toContain(DEFAULT_KEY_LINE);
    expect(out).toContain(`value converter: ${JSON_CONVERTER} (value.converter.schemas.enable=true) — connector config: value.converter`);
    expect(out).toMatch(/"level":"warn".*key\.converter is not set: keys are read with Kafka Connect's worker default/);
  });

  it('sluice check names each converter in effect and where it came from (connector config, environment, default)', async () => {
    const file = writeConnector(withoutKeyConverter('t', { 'pk.mode': 'record_key', 'insert.mode': 'upsert', 'value.converter.basic.auth.user.info': 'reg:hunter22' }), uniqueName('conv_check'));
    const r = await runSluice(['check', '--config', file]);
    expect(r.code, r.output).toBe(0);
    const lines = r.output.trim().split('\n');
    expect(lines[1]).toBe(DEFAULT_KEY_LINE);
    expect(lines[2]).toBe(`value converter: ${JSON_CONVERTER} (value.converter.schemas.enable=true) — connector config: value.converter`);
    expect(lines[3]).toMatch(/^warning: key\.converter is not set/);
    expect(r.output).not.toContain('hunter22');
    const env = await runSluice(['check', '--config', file], { SLUICE_KEY_CONVERTER: 'org.apache.kafka.connect.storage.StringConverter' });
    expect(env.output.trim().split('\n')[1]).toBe('key converter: org.apache.kafka.connect.storage.StringConverter — environment: SLUICE_KEY_CONVERTER');
    expect(env.output).not.toContain('warning:');
  });
});
