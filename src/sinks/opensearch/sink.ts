// Main-thread half of the Elasticsearch / OpenSearch sink: makes the index
// (with the mapping the workers derived, schema.ignore=false) or the data
// stream, then sends each batch's NDJSON in _bulk requests of at most
// batch.size documents / bulk.size.bytes and reads every item's result.
//
// Exactly-once per document: ids are the key or topic+partition+offset and
// index/delete carry version_type=external with the offset as version, so a
// batch sent again after a crash is refused as "not newer" (409), which
// counts as done. THE RULE (common/sink.ts): a batch resolves only when every
// item is acknowledged: written, a replay's 409, or dealt with per
// behavior.on.malformed.documents (skipped, or in the dead-letter topic).
// Items answered 429/5xx are sent again, alone, with backoff; one partition's
// requests go in order, max.in.flight.requests across partitions.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import { RecordError, RetriableError, SluiceError } from '../../errors.js';
import type { SinkPlan } from '../../workers/protocol.js';
import { retryWithBackoff, type RetryPolicy } from '../common/retry.js';
import { tpKey, type EncodedBatch, type RejectedRecord, type Sink, type TopicPartition } from '../common/sink.js';
import { clientSettings, errorText, SearchClient } from './client.js';
import type { OpenSearchConfig } from './config.js';
import { OP_NAMES, type OpenSearchMeta, type OpenSearchPlan } from './protocol.js';

export { dataStreamNameOf, indexNameOf } from './protocol.js';

/** A Semaphore for max.in.flight.requests. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

interface ItemResult {
  /** Index into the batch's actions. */
  action: number;
  outcome: 'done' | 'retry' | 'refused';
  reason?: string;
}

export class OpenSearchSink implements Sink {
  readonly refusesRows = true;
  // Each record goes to the index named after its own topic after the
  // transforms (a TimestampRouter's day, a RegexRouter's rename), as
  // Confluent's sink names it from SinkRecord.topic(): the workers name it.
  readonly routesPerRecord = true;
  private readonly c: OpenSearchConfig;
  private readonly client: SearchClient;
  private readonly slots: Slots;
  private readonly abort = new AbortController();
  /** Each partition's last write: the next one starts after it. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Indices and data streams known to exist. */
  private readonly ready = new Map<string, Promise<void>>();
  private plan1: OpenSearchPlan | undefined;
  private pendingWrites = 0;
  private closing = false;
  closedWithPendingWrites = false;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly log: Logger,
  ) {
    this.c = config.options as OpenSearchConfig;
    this.client = new SearchClient(clientSettings(config));
    this.slots = new Slots(this.c['max.in.flight.requests']);
  }

  async plan(_topic: string): Promise<SinkPlan> {
    // One plan for every topic: what depends on the topic (index, topic.key.ignore…) follows each record's routed topic in the workers.
    if (!this.plan1) {
      const c = this.c;
      this.plan1 = {
        ...(c['data.stream.type'] !== 'none' ? { dataStream: { type: c['data.stream.type'], dataset: c['data.stream.dataset']!, namespace: c['data.stream.namespace'] } } : {}),
        keyIgnore: c['key.ignore'],
        keyIgnoreTopics: c['topic.key.ignore'] ?? [],
        schemaIgnore: c['schema.ignore'],
        schemaIgnoreTopics: c['topic.schema.ignore'] ?? [],
        compactMaps: c['compact.map.entries'],
        nullValues: c['behavior.on.null.values'],
        writeMethod: c['write.method'],
        retryOnConflict: Math.min(c['max.in.flight.requests'], 5),
        ...(c['external.version.header'] ? { versionHeader: c['external.version.header'] } : {}),
        timestampFields: c['data.stream.timestamp.field'] ?? [],
        dropInvalid: c['drop.invalid.message'],
      };
    }
    return { sink: 'opensearch', plan: this.plan1 };
  }

  submit(batch: EncodedBatch): Promise<void> {
    const key = tpKey(batch.topic, batch.partition);
    const prev = this.chains.get(key) ?? Promise.resolve();
    this.pendingWrites++;
    const next = prev.catch(() => {}).then(() => this.write(batch)).finally(() => this.pendingWrites--);
    this.chains.set(key, next);
    return next;
  }

  async flush(partitions: readonly TopicPartition[]): Promise<void> {
    await Promise.all(partitions.map((p) => this.chains.get(tpKey(p.topic, p.partition))?.catch(() => {})));
  }

  drop(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.chains.delete(tpKey(p.topic, p.partition));
  }

  async close(): Promise<void> {
    this.closing = true;
    this.closedWithPendingWrites = this.pendingWrites > 0;
    this.abort.abort();
    await Promise.allSettled([...this.chains.values()]);
    await this.client.close();
  }

  private policy(what: string): RetryPolicy {
    const common = this.config.common;
    return {
      what, log: this.log, signal: this.abort.signal,
      maxRetries: this.c['max.retries'],
      initialDelayMs: Math.max(1, this.c['retry.backoff.ms']),
      maxDelayMs: common['errors.retry.delay.max.ms'],
      timeoutMs: common['errors.retry.timeout'],
    };
  }

  private async write(batch: EncodedBatch): Promise<void> {
    if (this.closing) throw new SluiceError('the OpenSearch sink is closed');
    const meta = batch.meta as OpenSearchMeta | undefined;
    for (const d of meta?.dropped ?? []) {
      this.log.error({ topic: batch.topic, partition: batch.partition, offset: d.offset }, `drop.invalid.message: skipped a record that cannot be a document: ${d.reason}`);
    }
    if (!batch.output || !meta || meta.starts.length === 0) return;
    const plan = ((await this.plan(batch.topic)) as { plan: OpenSearchPlan }).plan;
    for (const ix of meta.indices) await this.ensureIndex(ix.name, plan.dataStream !== undefined, ix.mapping);

    const body = new Uint8Array(batch.output, 0, batch.outputBytes);
    const n = meta.starts.length;
    const end = (i: number) => (i + 1 < n ? meta.starts[i + 1]! : batch.outputBytes);
    // Requests of at most batch.size actions and about bulk.size.bytes.
    const maxDocs = this.c['batch.size'];
    const maxBytes = this.c['bulk.size.bytes'];
    const refused: { action: number; reason: string }[] = [];
    for (let from = 0; from < n; ) {
      let to = from + 1;
      while (to < n && to - from < maxDocs && end(to) - meta.starts[from]! <= maxBytes) to++;
      const actions = Array.from({ length: to - from }, (_, k) => from + k);
      refused.push(...(await this.slots.run(() => this.sendActions(batch, body, meta, actions, end))));
      from = to;
    }
    if (refused.length > 0) await this.handleRefused(batch, meta, refused);
  }

  /** Sends these actions until every one is done or refused; 429/5xx items go again with backoff. */
  private async sendActions(
    batch: EncodedBatch, body: Uint8Array, meta: OpenSearchMeta, actions: number[], end: (i: number) => number,
  ): Promise<{ action: number; reason: string }[]> {
    let pending = actions;
    const refused: { action: number; reason: string }[] = [];
    const where = `_bulk for topic ${batch.topic} partition ${batch.partition} offsets ${meta.offsets[actions[0]!]}..${meta.offsets[actions[actions.length - 1]!]}`;
    await retryWithBackoff(async () => {
      const payload = slices(body, meta, pending, end);
      const res = await this.client.send('POST', '/_bulk', payload, 'application/x-ndjson', this.abort.signal);
      if (res.status !== 200 || !Array.isArray(res.body?.items)) {
        throw new SluiceError(`${where}: HTTP ${res.status} ${errorText(res.body)}`);
      }
      const items = res.body.items as Record<string, any>[];
      if (items.length !== pending.length) throw new SluiceError(`${where}: the response has ${items.length} items for ${pending.length} actions`);
      const retry: number[] = [];
      let lastRetryReason = '';
      for (let i = 0; i < items.length; i++) {
        const r = classify(items[i]!, meta.ops[pending[i]!]!);
        if (r.outcome === 'retry') {
          retry.push(pending[i]!);
          lastRetryReason = r.reason ?? '';
        } else if (r.outcome === 'refused') refused.push({ action: pending[i]!, reason: r.reason ?? 'refused' });
      }
      if (retry.length > 0) {
        pending = retry;
        throw new RetriableError(`${where}: ${retry.length} of ${items.length} documents not taken yet (${lastRetryReason})`);
      }
    }, this.policy(where));
    return refused;
  }

  /** behavior.on.malformed.documents: ignore, warn, or fail (dead letters with errors.tolerance=all, else a stop). */
  private async handleRefused(batch: EncodedBatch, meta: OpenSearchMeta, refused: { action: number; reason: string }[]): Promise<void> {
    const behavior = this.c['behavior.on.malformed.documents'];
    if (behavior === 'ignore') return;
    if (behavior === 'warn') {
      for (const r of refused) {
        this.log.warn({ topic: batch.topic, partition: batch.partition, offset: meta.offsets[r.action] }, `document refused, skipped (behavior.on.malformed.documents=warn): ${r.reason}`);
      }
      return;
    }
    if (!batch.deadLetter) {
      const first = refused[0]!;
      throw new RecordError({ topic: batch.topic, partition: batch.partition, offset: String(meta.offsets[first.action]) }, 'write', `the cluster refused the document: ${first.reason}`);
    }
    const rejected: RejectedRecord[] = refused.map((r) => ({ offset: meta.offsets[r.action]!, reason: `the cluster refused the document: ${r.reason}` }));
    await batch.deadLetter(rejected);
  }

  private ensureIndex(index: string, dataStream: boolean, mapping: string | undefined): Promise<void> {
    // Known with its mapping, or known at all when there is none to put: an
    // index first met without a mapping (tombstones only) gets it later.
    const key = mapping === undefined ? index : `${index}\u0000mapping`;
    let p = this.ready.get(key);
    if (!p) {
      p = retryWithBackoff(() => (dataStream ? this.makeDataStream(index) : this.makeIndex(index, mapping)), this.policy(`creating ${index}`));
      this.ready.set(key, p);
      if (mapping !== undefined) this.ready.set(index, p);
      p.catch(() => {
        if (this.ready.get(key) === p) this.ready.delete(key);
        if (this.ready.get(index) === p) this.ready.delete(index);
      });
    }
    return p;
  }

  private async makeIndex(index: string, mapping: string | undefined): Promise<void> {
    const path = `/${encodeURIComponent(index)}`;
    const head = await this.client.send('HEAD', path);
    if (head.status === 404) {
      // Made empty, so that index templates apply as they do to Confluent's sink (createIndexOrDataStream).
      this.log.info({ index, mapping: mapping !== undefined }, 'creating index');
      const res = await this.client.send('PUT', path, '{}');
      if (!(res.status === 400 && res.body?.error?.type === 'resource_already_exists_exception')) await this.expectOk(res, `creating index ${index}`);
    } else if (head.status !== 200) throw new SluiceError(`index ${index}: HTTP ${head.status} on HEAD`);
    if (!mapping) return;
    // The schema's mapping goes only into an index whose mapping is empty, as Confluent's sink decides
    // (ElasticsearchClient.hasMapping): what an index template gave it (dynamic templates: geo_point,
    // date fields) or a mapping made by hand is left as it is.
    const got = await this.client.send('GET', `${path}/_mapping`);
    await this.expectOk(got, `reading the mapping of ${index}`);
    const current = (Object.values(got.body ?? {})[0] as { mappings?: Record<string, unknown> } | undefined)?.mappings;
    if (!current || Object.keys(current).length === 0) await this.expectOk(await this.client.send('PUT', `${path}/_mapping`, mapping), `putting the mapping of ${index}`);
  }

  private async makeDataStream(name: string): Promise<void> {
    const path = `/_data_stream/${encodeURIComponent(name)}`;
    const got = await this.client.send('GET', path);
    if (got.status === 200) return;
    let res = await this.client.send('PUT', path);
    if (res.status === 400 && /no matching index template|matching index template/i.test(errorText(res.body))) {
      // OpenSearch ships no logs-*-* templates: a template for exactly this stream.
      this.log.info({ dataStream: name }, 'no index template matches the data stream; creating one');
      await this.expectOk(await this.client.send('PUT', `/_index_template/${encodeURIComponent(`sluice-${name}`)}`, JSON.stringify({ index_patterns: [name], data_stream: {}, priority: 200 })), `creating an index template for ${name}`);
      res = await this.client.send('PUT', path);
    }
    if (res.status === 400 && res.body?.error?.type === 'resource_already_exists_exception') return;
    await this.expectOk(res, `creating data stream ${name}`);
  }

  private async expectOk(res: { status: number; body: any }, what: string): Promise<void> {
    if (res.status >= 200 && res.status < 300) return;
    throw new SluiceError(`${what}: HTTP ${res.status} ${errorText(res.body)}`);
  }
}

/** The bytes of these actions, one after another (the whole body when they are all of it). */
function slices(body: Uint8Array, meta: OpenSearchMeta, actions: readonly number[], end: (i: number) => number): Buffer {
  let size = 0;
  for (const a of actions) size += end(a) - meta.starts[a]!;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  // Runs of consecutive actions are copied at once.
  for (let i = 0; i < actions.length; ) {
    let j = i;
    while (j + 1 < actions.length && actions[j + 1] === actions[j]! + 1) j++;
    const from = meta.starts[actions[i]!]!;
    const to = end(actions[j]!);
    out.set(body.subarray(from, to), at);
    at += to - from;
    i = j + 1;
  }
  return out;
}

/** What one item of a _bulk response means. */
export function classify(item: Record<string, any>, op: number): Omit<ItemResult, 'action'> {
  const r = item[OP_NAMES[op]!] ?? Object.values(item)[0];
  const status = Number(r?.status);
  if (status >= 200 && status < 300) return { outcome: 'done' };
  const reason = r?.error ? `${r.error.type ?? 'error'}: ${r.error.reason ?? ''}${r.error.caused_by?.reason ? ` (${r.error.caused_by.reason})` : ''}` : `HTTP ${status}`;
  // A replay: the document already holds this version or a newer one (external
  // versioning), or a data stream's create finds its id there.
  if (status === 409 && op !== 2) return { outcome: 'done' };
  // Deleting what is not there (never written, or already deleted).
  if (status === 404 && op === 3) return { outcome: 'done' };
  if (status === 429 || status >= 500 || status === 409) return { outcome: 'retry', reason };
  if (status === 403 && r?.error?.type === 'cluster_block_exception') return { outcome: 'retry', reason };
  return { outcome: 'refused', reason };
}

