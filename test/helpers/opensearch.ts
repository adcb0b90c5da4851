// OpenSearch and Elasticsearch of the local stack (scripts/stack/opensearch.sh,
// elasticsearch.sh): where they listen, small REST helpers (OpenSearch unless
// a base URL is given), and stopping / killing / restarting a node for outage
// tests (integration tests run one file at a time).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const OPENSEARCH = process.env.SLUICE_TEST_OPENSEARCH_URL ?? `http://127.0.0.1:${process.env.SLUICE_STACK_OPENSEARCH_PORT ?? 19200}`;
export const ELASTICSEARCH = process.env.SLUICE_TEST_ELASTICSEARCH_URL ?? `http://127.0.0.1:${process.env.SLUICE_STACK_ELASTICSEARCH_PORT ?? 19201}`;
const STACK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/stack');
const run = promisify(execFile);

export async function os(method: string, urlPath: string, body?: unknown, base = OPENSEARCH): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${urlPath}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Every document of an index (refreshed first), by id. */
export async function allDocs(index: string, base = OPENSEARCH): Promise<Map<string, { source: any; version: number }>> {
  await os('POST', `/${index}/_refresh`, undefined, base);
  const out = new Map<string, { source: any; version: number }>();
  let res = await os('POST', `/${index}/_search?scroll=1m`, { size: 5000, version: true, sort: ['_doc'], query: { match_all: {} } }, base);
  if (res.status === 404) return out;
  if (res.status !== 200) throw new Error(`search ${index}: ${res.status} ${JSON.stringify(res.body)}`);
  for (;;) {
    const hits = res.body.hits.hits as any[];
    for (const h of hits) out.set(h._id, { source: h._source, version: h._version });
    if (hits.length === 0) break;
    res = await os('POST', '/_search/scroll', { scroll: '1m', scroll_id: res.body._scroll_id }, base);
  }
  return out;
}

export async function docCount(index: string, base = OPENSEARCH): Promise<number> {
  await os('POST', `/${index}/_refresh`, undefined, base);
  const res = await os('GET', `/${index}/_count`, undefined, base);
  return res.status === 200 ? res.body.count : 0;
}

/** The stack's node: down (TERM), kill (-9), up. */
export async function searchService(action: 'down' | 'kill' | 'up', flavor: 'opensearch' | 'elasticsearch' = 'opensearch'): Promise<void> {
  await run('bash', [path.join(STACK, `${flavor}.sh`), action], { env: process.env, timeout: 180_000 });
}
