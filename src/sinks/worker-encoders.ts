// The registry's worker-side entry: a plan's sink kind → that sink's
// WorkerEncoder. The only module under sinks/ that workers/ imports; it loads
// the registry's light records and, on first use, the one encoder asked for.
import type { WorkerEncoder } from '../workers/encoder.js';
import { SINKS } from './registry.js';

export async function createWorkerEncoder(kind: string): Promise<WorkerEncoder<any>> {
  const sink = SINKS.find((s) => s.kind === kind);
  if (!sink) throw new Error(`no sink "${kind}" in the registry (a plan for a sink this build does not have)`);
  return sink.createEncoder();
}
