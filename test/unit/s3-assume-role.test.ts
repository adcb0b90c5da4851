// s3.credentials.provider.class=AwsAssumeRoleCredentialsProvider: the sts.* keys checked at
// startup, and the provider against a local HTTP server that answers as STS (and as S3 for
// HEAD): what AssumeRole is asked, refresh before expiry, and STS refusals as errors naming
// the provider and never a secret.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, RetriableError, SluiceError } from '../../src/errors.js';
import { loadConfig } from '../../src/sinks/index.js';
import { assumeRoleSource } from '../../src/sinks/s3-parquet/assume-role.js';
import { credentialSource } from '../../src/sinks/s3-parquet/formats.js';
import { classifyS3Error, credentialProvider, S3Service } from '../../src/sinks/s3-parquet/service.js';
import { S3ParquetSink } from '../../src/sinks/s3-parquet/sink.js';

const CLASS = 'io.confluent.connect.s3.auth.AwsAssumeRoleCredentialsProvider';
const ARN = 'arn:aws:iam::123456789012:role/sluice-writer';

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('AwsAssumeRoleCredentialsProvider keys', () => {
  it('maps the class with its sts.* keys; the access keys are its source credentials, not a static provider', () => {
    expect(credentialSource(CLASS, true, { 'sts.role.arn': ARN, 'sts.role.session.name': 'sluice-orders', 'sts.role.external.id': 'ext-42', 'sts.region': 'eu-west-1' }))
      .toEqual({ kind: 'assume-role', roleArn: ARN, sessionName: 'sluice-orders', externalId: 'ext-42', region: 'eu-west-1' });
    expect(credentialSource(CLASS, false, { 'sts.role.arn': ARN, 'sts.endpoint': 'http://127.0.0.1:9000' }))
      .toEqual({ kind: 'assume-role', roleArn: ARN, endpoint: 'http://127.0.0.1:9000' });
    // Empty values (as Confluent configs often carry) are unset.
    expect(assumeRoleSource({ 'sts.role.arn': ARN, 'sts.role.session.name': '', 'sts.role.external.id': '', 'sts.region': '' })).toEqual({ kind: 'assume-role', roleArn: ARN });
  });

  it('refuses a missing or malformed key at startup, naming it, never echoing the external id', () => {
    expect(problems(() => credentialSource(CLASS, false))).toEqual([`sts.role.arn: required with s3.credentials.provider.class=${CLASS}`]);
    expect(problems(() => assumeRoleSource({ 'sts.role.arn': 'sluice-writer' }))[0]).toMatch(/^sts.role.arn: "sluice-writer" is not a role ARN/);
    const bad = problems(() => assumeRoleSource({
      'sts.role.arn': ARN, 'sts.role.session.name': 'has space', 'sts.role.external.id': 'secret id!', 'sts.endpoint': 'sts.local:9000',
    }));
    expect(bad).toEqual([
      'sts.role.session.name: "has space" must be 2 to 64 of letters, digits and _+=,.@-',
      'sts.role.external.id: must be 2 to 1224 of letters, digits and _+=,.@:/-',
      'sts.endpoint: "sts.local:9000" is not an http(s) URL',
    ]);
    expect(problems(() => assumeRoleSource({ 'sts.role.arn': ARN, 'sts.role.session.name': 'x'.repeat(65) }))[0]).toMatch(/^sts.role.session.name:/);
  });

  it('a Confluent connector config with the provider runs unchanged; without sts.role.arn it is refused naming the key', () => {
    const connector = (extra: Record<string, string>) => ({
      name: 'orders-s3', config: {
        'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: 'orders', 'bootstrap.servers': 'k:9092',
        's3.bucket.name': 'b', 's3.region': 'eu-west-1', 'flush.size': '1000', 's3.credentials.provider.class': CLASS,
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false', ...extra,
      },
    });
    const log = pino({ level: 'silent' });
    expect(() => new S3ParquetSink(loadConfig({ json: connector({ 'sts.role.arn': ARN, 'sts.role.session.name': 'connect', 'sts.role.external.id': 'e-1' }), env: {} }), log)).not.toThrow();
    expect(problems(() => new S3ParquetSink(loadConfig({ json: connector({ 'sts.role.session.name': 'connect' }), env: {} }), log))).toEqual([
      `sts.role.arn: required with s3.credentials.provider.class=${CLASS}`,
    ]);
  });
});

interface Seen { method: string; url: string; body: string; auth: string; token: string }

/** An STS (POST /) and S3 (HEAD: 404) stand-in; `sts` answers each AssumeRole. */
async function fakeAws(sts: (n: number) => { status: number; xml: string }): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  let calls = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, auth: String(req.headers.authorization ?? ''), token: String(req.headers['x-amz-security-token'] ?? '') });
      if (req.method === 'POST' && body.includes('Action=AssumeRole')) {
        const r = sts(++calls);
        res.writeHead(r.status, { 'content-type': 'text/xml' }).end(r.xml);
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const granted = (n: number, expiresInMs: number) => ({
  status: 200,
  xml: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
    `<AccessKeyId>ASIATEMP${n}</AccessKeyId><SecretAccessKey>temp-secret-${n}</SecretAccessKey><SessionToken>token-${n}</SessionToken>` +
    `<Expiration>${new Date(Date.now() + expiresInMs).toISOString()}</Expiration></Credentials>` +
    `<AssumedRoleUser><Arn>${ARN}/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>` +
    `<ResponseMetadata><RequestId>r${n}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
});
const refused = (status: number, code: string, message: string) => ({
  status,
  xml: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
});

function service(url: string, secret: string): S3Service {
  const source = credentialSource(CLASS, true, { 'sts.role.arn': ARN, 'sts.role.session.name': 'sluice-test', 'sts.role.external.id': 'ext-42', 'sts.endpoint': url });
  return new S3Service({
    bucket: 'b', region: 'us-east-1', endpoint: url, pathStyle: true, accessKeyId: 'AKIASOURCE', secretAccessKey: secret, credentials: source,
    partSize: 5 * 1024 * 1024, partConcurrency: 1, retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 1 }, log: pino({ level: 'silent' }),
  });
}

describe('AwsAssumeRoleCredentialsProvider against STS', () => {
  let server: Server | undefined;
  afterEach(() => { server?.close(); server = undefined; });

  it('assumes the role with the source keys and the sts.* values, signs S3 requests with the session, and assumes again before expiry', async () => {
    // 60 s left: inside the SDK's refresh window, so each S3 request resolves fresh credentials.
    const fake = await fakeAws((n) => granted(n, 60_000));
    server = fake.server;
    const s3 = service(fake.url, 'source-secret');
    expect(await s3.head('a/b.parquet')).toBeUndefined();
    expect(await s3.head('a/c.parquet')).toBeUndefined();
    s3.close();
    const assume = fake.seen.filter((s) => s.method === 'POST');
    const heads = fake.seen.filter((s) => s.method === 'HEAD');
    // The SDK may resolve more than once per request; what counts: the second request has fresh credentials.
    expect(assume.length).toBeGreaterThanOrEqual(2);
    const params = new URLSearchParams(assume[0]!.body);
    expect(Object.fromEntries(params)).toMatchObject({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: ARN, RoleSessionName: 'sluice-test', ExternalId: 'ext-42' });
    expect(assume[0]!.auth).toContain('Credential=AKIASOURCE/');
    const used = heads.map((h) => ({ key: h.auth.match(/Credential=ASIATEMP(\d+)\//)?.[1], token: h.token.match(/^token-(\d+)$/)?.[1] }));
    expect(used.length).toBe(2);
    for (const u of used) expect(u.key !== undefined && u.key === u.token, JSON.stringify(used)).toBe(true);
    expect(Number(used[1]!.key)).toBeGreaterThan(Number(used[0]!.key));
  });

  it('keeps credentials that are far from expiry (one AssumeRole for many requests)', async () => {
    const fake = await fakeAws((n) => granted(n, 3_600_000));
    server = fake.server;
    const s3 = service(fake.url, 'source-secret');
    for (const k of ['a', 'b', 'c']) await s3.head(k);
    s3.close();
    expect(fake.seen.filter((s) => s.method === 'POST').length).toBe(1);
  });

  it('a wrong source secret stops with an error naming the provider and the role, never the secret', async () => {
    const fake = await fakeAws(() => refused(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'));
    server = fake.server;
    const secret = 'wrong-source-secret-9f8e7d';
    const s3 = service(fake.url, secret);
    const err = await s3.head('a/b.parquet').then(() => undefined, (e: unknown) => e);
    s3.close();
    expect(err).toBeInstanceOf(SluiceError);
    expect(err).not.toBeInstanceOf(RetriableError);
    const text = `${(err as Error).message} ${(err as Error).stack ?? ''}`;
    expect((err as Error).message).toContain(`s3.credentials.provider.class=${CLASS}: AssumeRole of ${ARN} refused: SignatureDoesNotMatch (HTTP 403)`);
    expect(text).not.toContain(secret);
  });

  it('an STS outage (5xx) stays retriable', async () => {
    const fake = await fakeAws(() => refused(503, 'ServiceUnavailable', 'try later'));
    server = fake.server;
    const provider = await credentialProvider(
      credentialSource(CLASS, true, { 'sts.role.arn': ARN, 'sts.endpoint': fake.url, 'sts.region': 'us-east-1' }),
      { accessKeyId: 'AKIASOURCE', secretAccessKey: 'source-secret' },
    ) as () => Promise<unknown>;
    const err = await provider().then(() => undefined, (e: unknown) => e);
    expect(classifyS3Error(err, 'HEAD x')).toBeInstanceOf(RetriableError);
  }, 30_000);
});
