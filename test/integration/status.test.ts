// The status endpoint answers in Kafka Connect's shape and the metrics carry
// Kafka Connect's sink metric names; neither reveals a secret.
import { describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDERS_TABLE_DDL } from '../helpers/orders.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { pgConnector } from '../helpers/connectors.js';
import { uniqueName, waitFor } from '../helpers/stack.js';

describe('status and metrics', () => {
  it('serves Connect-style status and Prometheus metrics without secrets', async () => {
    const topic = uniqueName('status');
    await createTopic(topic, 3);
    await sql(ORDERS_TABLE_DDL(topic));
    await produce(topic, [...orders(3000, 2)].map((o) => ({ value: encodeOrder('json', o), partition: o.id % 3 })));
    const name = uniqueName('st');
    const secret = 'pw-never-shown-42';
    const file = writeConnector(pgConnector(topic, {
      'connection.password': '${env:SLUICE_TEST_PW}', ...converterConfig('json'), 'status.port': '0',
    }), name);
    const sluice = startSluice(['run', '--config', file], { SLUICE_TEST_PW: secret });
    try {
      const port = JSON.parse(await sluice.waitForLine(/status endpoint listening/)).port as number;
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
      const status = await (await fetch(`http://127.0.0.1:${port}/connectors/${name}/status`)).json() as {
        name: string; type: string; connector: { state: string; worker_id: string }; tasks: { id: number; state: string }[];
      };
      expect(status.name).toBe(name);
      expect(status.type).toBe('sink');
      expect(status.connector.state).toBe('RUNNING');
      expect(status.tasks[0]!.state).toBe('RUNNING');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('RUNNING');
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const metric = (m: string) => Number(new RegExp(`^${m}\\{connector="${name}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(metric('sluice_sink_record_read_total')).toBe(3000);
      expect(metric('sluice_sink_record_send_total')).toBe(3000);
      expect(metric('sluice_sink_record_active_count')).toBe(0);
      expect(metric('sluice_sink_record_lag_max')).toBe(0);
      expect(metric('sluice_offset_commit_completion_total')).toBeGreaterThan(0);
      expect(metric('sluice_assigned_partitions')).toBe(3);
      expect(metric('sluice_put_batch_max_time_ms')).toBeGreaterThan(0);
      expect(text).toContain('sluice_process_resident_memory_bytes');
      expect(text).toContain('sluice_nodejs_heap_size_used_bytes');
      const json = await (await fetch(`http://127.0.0.1:${port}/metrics.json`)).text();
      for (const body of [JSON.stringify(status), text, json, sluice.output()]) expect(body).not.toContain(secret);
    } finally {
      expect((await sluice.stop()).code).toBe(0);
    }
  });
});
