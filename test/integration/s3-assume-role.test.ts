// s3.credentials.provider.class=AwsAssumeRoleCredentialsProvider end to end: MinIO serves STS
// AssumeRole at its S3 URL (for a regular user it accepts any role ARN), so Sluice assumes the
// role with aws.access.key.id/aws.secret.access.key as source credentials (sts.endpoint=the
// MinIO URL) and writes with the temporary session. A wrong source secret stops Sluice with
// the provider named and the secret nowhere in its output.
import { beforeAll, describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders } from '../helpers/orders.js';
import { createTopic, produce } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { S3_SECRET_KEY, S3_URL, uniqueName } from '../helpers/stack.js';
import { deletePrefix, ensurePythonReaders, listObjects, readParquet, runS3ToEnd, s3Connector } from './s3-support.js';

const CLASS = 'io.confluent.connect.s3.auth.AwsAssumeRoleCredentialsProvider';
const ROLE = {
  's3.credentials.provider.class': CLASS,
  'sts.role.arn': 'arn:aws:iam::123456789012:role/sluice-writer',
  'sts.role.session.name': 'sluice-it',
  'sts.role.external.id': 'sluice-external-42',
  'sts.endpoint': S3_URL,
};

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

describe('S3 sink with AwsAssumeRoleCredentialsProvider', () => {
  it('assumes the role through STS and writes every record with the session credentials', async () => {
    const topic = uniqueName('s3_assume');
    const dir = uniqueName('it');
    await createTopic(topic, 2);
    const all = [...orders(600, 3)];
    await produce(topic, all.map((o, i) => ({ value: encodeOrder('json', o), partition: i % 2 })));
    const out = await runS3ToEnd(topic, dir, { ...converterConfig('json'), ...ROLE, 'flush.size': '100' });
    expect(out).not.toContain(S3_SECRET_KEY);
    const keys = (await listObjects(`${dir}/${topic}/`)).map((o) => o.key);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const ids = (await readParquet(`${dir}/${topic}/`, ['id'])).flatMap((f) => f.data.map((r) => r.id as number)).sort((a, b) => a - b);
    expect(ids).toEqual(all.map((o) => o.id).sort((a, b) => a - b));
    await deletePrefix(`${dir}/`);
  }, 240_000);

  it('a wrong source secret stops Sluice with an error naming the provider and the role, never the secret', async () => {
    const topic = uniqueName('s3_assume_bad');
    const dir = uniqueName('it');
    await createTopic(topic, 1);
    await produce(topic, [...orders(10, 1)].map((o) => ({ value: encodeOrder('json', o), partition: 0 })));
    const wrong = 'wrong-source-secret-7c1d2e';
    const file = writeConnector(s3Connector(topic, dir, { ...converterConfig('json'), ...ROLE, 'aws.secret.access.key': wrong }), uniqueName('s3'));
    const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '1', SLUICE_LOG_LEVEL: 'debug' });
    try {
      await sluice.waitForLine(/AssumeRole of arn:aws:iam::123456789012:role\/sluice-writer refused/, 90_000);
      const exit = await Promise.race([sluice.exited, new Promise<undefined>((r) => setTimeout(r, 60_000, undefined))]);
      expect(exit?.code, sluice.output().slice(-3000)).not.toBe(0);
      expect(exit?.code, sluice.output().slice(-3000)).not.toBeNull();
      const out = sluice.output();
      expect(out).toContain(`s3.credentials.provider.class=${CLASS}`);
      expect(out).not.toContain(wrong);
      expect(out).not.toContain(ROLE['sts.role.external.id']);
      expect(await listObjects(`${dir}/`)).toEqual([]);
    } finally {
      if (sluice.child.exitCode === null) await sluice.stop('SIGKILL');
    }
  }, 240_000);
});
