// Sluice's file sink raced against Apache Kafka's own FileStreamSinkConnector
// (connect-file, on a real connect-standalone worker): the same topic, the
// same connector config, and the two files must be byte for byte the same.
// The records cover what lines.ts reproduces of Java's toString: structs,
// nested structs, arrays, maps (HashMap order, non-string keys), Decimal's
// BigDecimal.toString, java.util.Date for Date/Time/Timestamp, Float and
// Double.toString, optional nulls, tombstones, schemaless JSON. Left out on
// purpose: bytes, which Java prints as an identity hash ([B@1b6d3586) and
// Sluice as base64.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTopic, produce, type TestMessage } from '../helpers/kafka.js';
import { ConnectStandalone } from '../helpers/kafka-connect.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { KAFKA, uniqueName } from '../helpers/stack.js';
import { waitUntilCommitted } from './postgres-helpers.js';

const s = (type: string, extra: Record<string, unknown> = {}) => ({ type, optional: false, ...extra });
const opt = (type: string, extra: Record<string, unknown> = {}) => ({ type, optional: true, ...extra });
const field = (name: string, schema: object) => ({ field: name, ...schema });
const DECIMAL = (scale: number) => ({ name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: String(scale) } });
/** Decimal's payload: the unscaled value, big-endian two's complement in the fewest bytes (BigInteger.toByteArray), base64. */
function unscaled(n: bigint): string {
  let bytes = 1;
  while (n < -(1n << BigInt(8 * bytes - 1)) || n >= 1n << BigInt(8 * bytes - 1)) bytes++;
  const v = n < 0n ? (1n << BigInt(8 * bytes)) + n : n;
  return Buffer.from(v.toString(16).padStart(bytes * 2, '0'), 'hex').toString('base64');
}
const env = (schema: object, payload: unknown) => JSON.stringify({ schema, payload });

/** Values with schemas (JsonConverter schemas.enable=true). */
function withSchemas(): (string | null)[] {
  const flat = s('struct', {
    name: 'flat',
    fields: [
      field('i8', s('int8')), field('i16', s('int16')), field('i32', s('int32')), field('i64', s('int64')),
      field('f32', s('float')), field('f64', s('double')), field('b', s('boolean')), field('str', s('string')), field('maybe', opt('string')),
    ],
  });
  const nested = s('struct', {
    name: 'outer',
    fields: [
      field('id', s('int32')),
      field('inner', s('struct', { name: 'inner', fields: [field('x', s('int64')), field('tags', s('array', { items: s('string') }))] })),
      field('counts', s('map', { keys: s('string'), values: s('int32') })),
      field('byId', s('map', { keys: s('int32'), values: opt('string') })),
      field('maybeInner', opt('struct', { name: 'maybe', fields: [field('y', s('int32'))] })),
    ],
  });
  const logical = s('struct', {
    name: 'logical',
    fields: [
      field('amount', s('bytes', DECIMAL(2))), field('tiny', s('bytes', DECIMAL(10))), field('neg', s('bytes', DECIMAL(3))),
      field('whole', s('bytes', DECIMAL(0))),
      field('day', s('int32', { name: 'org.apache.kafka.connect.data.Date' })),
      field('at', s('int32', { name: 'org.apache.kafka.connect.data.Time' })),
      field('ts', s('int64', { name: 'org.apache.kafka.connect.data.Timestamp' })),
    ],
  });
  const floats = [1, 1e10, 1.5e-7, 0.1, 100, 1234567, 1e7, 9999999, -0.5, 123456789.125, 1e-3, 1e21, 2e23, 1e23];
  const out: (string | null)[] = [];
  floats.forEach((f, i) => out.push(env(flat, {
    i8: -128 + i, i16: 32767 - i, i32: -2147483648 + i, i64: 9007199254740991 - i, f32: Math.fround(f), f64: f, b: i % 2 === 0,
    str: ['plain', 'tab\there', 'ünïcødé ✓', '', 'a=b, c={d}', 'x'.repeat(40)][i % 6], maybe: i % 3 === 0 ? null : `m${i}`,
  })));
  for (let i = 0; i < 6; i++) {
    out.push(env(nested, {
      id: i, inner: { x: i * 1000003, tags: Array.from({ length: i }, (_, j) => `t${j}`) },
      counts: Object.fromEntries(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'Aa', 'BB'].slice(0, i + 2).map((k, j) => [k, j * i])),
      byId: [[i, `v${i}`], [i + 17, null], [-i - 3, 'neg']],
      maybeInner: i % 2 ? { y: i } : null,
    }));
  }
  const decimals: [bigint, bigint, bigint, bigint][] = [
    [12345n, 1n, -1n, 0n], [-99n, 123456789n, -123456n, 12345678901234567890n], [0n, 0n, 0n, -1n], [100n, 10000000000n, 5n, 1000n],
  ];
  decimals.forEach(([amount, tiny, neg, whole], i) => out.push(env(logical, {
    amount: unscaled(amount), tiny: unscaled(tiny), neg: unscaled(neg), whole: unscaled(whole),
    day: [0, 19000, -1, 2932896][i], at: [0, 86_399_999, 3_600_000, 45_296_789][i], ts: [0, 1_700_000_000_123, -1_000, 253_402_300_799_999][i],
  })));
  // Whole values of other schemas: primitives, an array, a map, an optional null, a tombstone.
  out.push(env(s('string'), 'just a string'), env(s('int64'), -42), env(s('boolean'), false), env(s('double'), 2.5e-8));
  out.push(env(s('array', { items: opt('int32') }), [3, null, 1]));
  out.push(env(s('map', { keys: s('string'), values: s('double') }), { one: 1, two: 2.25, three: -0.0 }));
  out.push(env(opt('struct', { name: 'gone', fields: [field('a', s('int32'))] }), null));
  out.push(null);
  return out;
}

/** Schemaless values (JsonConverter schemas.enable=false). */
function schemaless(): (string | null)[] {
  return [
    '{"b":1,"a":2,"c":{"z":true,"y":null,"x":[1,2.5,"s"]},"longer key":"v"}',
    '{"id":9007199254740993,"g":0.000001,"h":1e-7,"neg":-17,"f":1.5}',
    // The known difference (see DIFFERENT below), in a record of its own.
    '{"big":123456789012345678901234567890}',
    // Integral numbers written as doubles: JsonConverter makes Doubles of them (1.0, not 1), and so does Sluice.
    '{"f":1.0,"e":1e2,"g":[2.0,3,4.00],"h":{"i":-0.0,"j":1.5e1,"n":7},"k":1E7,"l":10.50}',
    '{"alpha":1,"beta":2,"gamma":3,"delta":4,"epsilon":5,"zeta":6,"eta":7,"theta":8,"iota":9,"kappa":10,"lambda":11,"mu":12,"nu":13}',
    '[{"k":"v"},[],{},null,true,"text"]',
    '"a bare string"', '12', '3.25', 'true', 'null', null,
    '{"unicode":"ünïcødé ✓","empty":"","nested":{"deep":{"deeper":{"deepest":[[1],[2,[3]]]}}}}',
  ];
}

// Float and Double.toString give the shortest digits that read back to the
// same value from JDK 19 on (JDK-4511638), as Sluice does; JDK 17, which
// Kafka Connect also runs on, prints some values with more digits. These are
// the values above where the two differ: (JDK 17, JDK 19+).
const JDK17_DIGITS: [string, string][] = [['=1.23456792E8', '=1.2345679E8'], ['=1.9999999999999998E23', '=2.0E23'], ['=9.999999999999999E22', '=1.0E23']];
const javaMajor = Number(/version "(\d+)/.exec(spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr)?.[1] ?? 0);

// The schemaless value where Sluice writes other text than Connect, on purpose: a JSON integer
// beyond int64. JsonConverter takes BigInteger.longValue(), which wraps it silently; Sluice keeps
// the number as written.
const DIFFERENT = { connect: '{big=-4362896299872285998}', sluice: '{big=123456789012345678901234567890}' };

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(0, -1) : [];
}

describe('file sink raced against Kafka Connect FileStreamSinkConnector', () => {
  it('writes the same bytes as Connect for values with and without schemas', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-race-file-'));
    const cases = [
      { topic: uniqueName('race_file_schemas'), values: withSchemas(), schemas: 'true' },
      { topic: uniqueName('race_file_schemaless'), values: schemaless(), schemas: 'false' },
    ];
    for (const c of cases) {
      await createTopic(c.topic, 1);
      await produce(c.topic, c.values.map((value, i): TestMessage => ({ key: `k${i}`, value })));
    }
    const config = (c: (typeof cases)[number], file: string): Record<string, string> => ({
      'connector.class': 'FileStreamSink', 'tasks.max': '1', topics: c.topic, file,
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': c.schemas,
    });
    const connectFile = (c: (typeof cases)[number]) => path.join(dir, `${c.topic}.connect.txt`);
    const sluiceFile = (c: (typeof cases)[number]) => path.join(dir, `${c.topic}.sluice.txt`);

    const connect = new ConnectStandalone(cases.map((c) => ({ name: uniqueName('race_file'), config: config(c, connectFile(c)) })), { 'offset.flush.interval.ms': '500' });
    try {
      for (const c of cases) {
        const name = uniqueName('race_file');
        const sluice = startSluice(['run', '--config', writeConnector({ ...config(c, sluiceFile(c)), 'bootstrap.servers': KAFKA }, name)], { SLUICE_BATCH_LINGER_MS: '50' });
        try {
          await waitUntilCommitted(sluice, `connect-${name}`, [c.topic], 120_000);
        } finally {
          expect((await sluice.stop('SIGTERM')).code, sluice.output().slice(-3000)).toBe(0);
        }
      }
      // FileStreamSinkTask flushes its PrintStream when offsets are committed.
      for (const c of cases) await connect.waitFor(`${c.values.length} lines in ${connectFile(c)}`, async () => lines(connectFile(c)).length >= c.values.length);
    } finally {
      await connect.stop();
    }
    for (const c of cases) {
      let theirs = lines(connectFile(c));
      expect(theirs).toHaveLength(c.values.length);
      if (javaMajor < 19) theirs = theirs.map((l) => JDK17_DIGITS.reduce((t, [old, now]) => t.replaceAll(old, now), l));
      const ours = lines(sluiceFile(c));
      const known = theirs.indexOf(DIFFERENT.connect);
      if (c.schemas === 'false') {
        expect(known, 'the known difference record').toBeGreaterThan(-1);
        expect(ours[known]).toBe(DIFFERENT.sluice);
        theirs[known] = DIFFERENT.sluice;
      }
      expect(ours, `schemas.enable=${c.schemas}`).toEqual(theirs);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);
});
