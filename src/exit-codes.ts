// How `sluice run` ends, as an exit code (README, "Shutdown"):
//   0   stopped on SIGTERM/SIGINT (or asked to) and drained: everything read is durable and committed
//   1   stopped on a failure
//   2   configuration error
//   3   stopped on SIGTERM/SIGINT, but the drain did not finish within shutdown.grace.ms: what was not
//       durable was not committed and is read again on the next start (nothing is lost, some is re-delivered)
//   130 a second signal cut the drain short
import { RetryAbortedError } from './errors.js';
import type { StopReason } from './pipeline/engine.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_CONFIG = 2;
export const EXIT_UNDRAINED = 3;
export const EXIT_SECOND_SIGNAL = 130;

/**
 * What the engine reports when it stops. `drained` (signal/requested stops):
 * whether every batch read was durable and committed before the grace period
 * ran out; absent is taken as drained.
 */
export type ReportedStop = StopReason & { drained?: boolean };

export type StopOutcome = 'clean' | 'undrained' | 'failed';

/**
 * How the run ended. `sinkPending`: the sink was closed with writes still
 * pending (Sink.closedWithPendingWrites), which means the drain did not
 * finish even when the engine does not (yet) say so.
 */
export function stopOutcome(reason: ReportedStop, sinkPending = false): StopOutcome {
  if (reason.kind === 'failed') {
    // A retry given up because the shutdown closed the sink is the drain running out of time, not a failure.
    return isShutdownAbort(reason.error) ? 'undrained' : 'failed';
  }
  return reason.drained === false || sinkPending ? 'undrained' : 'clean';
}

export function exitCodeFor(reason: ReportedStop, sinkPending = false): number {
  switch (stopOutcome(reason, sinkPending)) {
    case 'clean': return EXIT_OK;
    case 'undrained': return EXIT_UNDRAINED;
    case 'failed': return EXIT_FAILED;
  }
}

function isShutdownAbort(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RetryAbortedError) return true;
  }
  return false;
}
