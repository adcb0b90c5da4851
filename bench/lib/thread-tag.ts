// Preloaded into the e2e runner (node --import): every worker thread tells
// the main thread its Linux thread id, so /proc CPU time can be split into
// main thread and workers. Worker threads are all named "node", so their
// names cannot tell them apart.
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const CHANNEL = 'sluice-bench-thread-ids';
const workerTids = new Set<number>();

function ownTid(): number {
  // /proc/thread-self → "<pid>/task/<tid>"
  return Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
}

if (isMainThread) {
  const bc = new BroadcastChannel(CHANNEL);
  bc.onmessage = (e) => workerTids.add((e as unknown as { data: number }).data);
  (bc as unknown as { unref(): void }).unref();
} else {
  const bc = new BroadcastChannel(CHANNEL);
  bc.postMessage(ownTid());
  bc.close();
}

/** Thread ids of the worker threads started so far. */
export function workerThreadIds(): ReadonlySet<number> {
  return workerTids;
}
