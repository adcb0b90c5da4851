// S3 (MinIO) for the benchmarks: what a run wrote, and removing it again.
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { StackEndpoints } from './stack.js';

function client(st: StackEndpoints): S3Client {
  return new S3Client({
    endpoint: st.s3Url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: st.s3AccessKey, secretAccessKey: st.s3SecretKey },
  });
}

async function list(c: S3Client, bucket: string, prefix: string): Promise<{ Key?: string; Size?: number }[]> {
  const out: { Key?: string; Size?: number }[] = [];
  let token: string | undefined;
  do {
    const res = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    out.push(...(res.Contents ?? []));
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export async function countObjects(st: StackEndpoints, prefix: string): Promise<{ objects: number; bytes: number }> {
  const c = client(st);
  try {
    const objs = await list(c, st.s3Bucket, prefix + '/');
    return { objects: objs.length, bytes: objs.reduce((s, o) => s + (o.Size ?? 0), 0) };
  } finally {
    c.destroy();
  }
}

export async function deletePrefix(st: StackEndpoints, prefix: string): Promise<void> {
  const c = client(st);
  try {
    const objs = await list(c, st.s3Bucket, prefix + '/');
    for (let i = 0; i < objs.length; i += 1000) {
      const Objects = objs.slice(i, i + 1000).map((o) => ({ Key: o.Key! }));
      await c.send(new DeleteObjectsCommand({ Bucket: st.s3Bucket, Delete: { Objects } }));
    }
  } finally {
    c.destroy();
  }
}
