// OpenSearch of the local stack (scripts/stack/opensearch.sh): where it
// listens, small REST helpers, and stopping / killing / restarting it for
// outage tests (integration tests run one file at a time).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const OPENSEARCH = process.env.SLUICE_TEST_OPENSEARCH_URL ?? `http://127.0.0.1:${process.env.SLUICE_STACK_OPENSEARCH_PORT ?? 19200}`;
const STACK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/stack/opensearch.sh');
const run = promisify(execFile);

export async function os(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${OPENSEARCH}${urlPath}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Every document of an index (refreshed first), by id. */
export async function allDocs(index: string): Promise<Map<string, { source: any; version: number }>> {
  await os('POST', `/${index}/_refresh`);
  const out = new Map<string, { source: any; version: number }>();
  let res = await os('POST', `/${index}/_search?scroll=1m`, { size: 5000, version: true, sort: ['_doc'], query: { match_all: {} } });
  if (res.status === 404) return out;
  if (res.status !== 200) throw new Error(`search ${index}: ${res.status} ${JSON.stringify(res.body)}`);
  for (;;) {
    const hits = res.body.hits.hits as any[];
    for (const h of hits) out.set(h._id, { source: h._source, version: h._version });
    if (hits.length === 0) break;
    res = await os('POST', '/_search/scroll', { scroll: '1m', scroll_id: res.body._scroll_id });
  }
  return out;
}

export async function docCount(index: string): Promise<number> {
  await os('POST', `/${index}/_refresh`);
  const res = await os('GET', `/${index}/_count`);
  return res.status === 200 ? res.body.count : 0;
}

/** stack.sh's opensearch: down (TERM), kill (-9), up. */
export async function opensearchService(action: 'down' | 'kill' | 'up'): Promise<void> {
  await run('bash', [STACK, action], { env: process.env, timeout: 180_000 });
}
