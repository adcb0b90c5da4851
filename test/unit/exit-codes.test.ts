import { describe, expect, it } from 'vitest';
import { ConnectionLostError, RetryAbortedError, SluiceError } from '../../src/errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_UNDRAINED, exitCodeFor } from '../../src/exit-codes.js';

describe('exit codes', () => {
  it('0 for a stop that drained, 1 for a failure', () => {
    expect(exitCodeFor({ kind: 'signal' })).toBe(EXIT_OK);
    expect(exitCodeFor({ kind: 'signal', drained: true })).toBe(EXIT_OK);
    expect(exitCodeFor({ kind: 'requested' })).toBe(EXIT_OK);
    expect(exitCodeFor({ kind: 'failed', error: new SluiceError('table t does not exist') })).toBe(EXIT_FAILED);
    expect(exitCodeFor({ kind: 'failed', error: new ConnectionLostError('down') })).toBe(EXIT_FAILED);
  });

  it('3 when the drain did not finish within the grace period: reported by the engine, or by a sink closed with writes pending', () => {
    expect(EXIT_UNDRAINED).toBe(3);
    expect(exitCodeFor({ kind: 'signal', drained: false })).toBe(EXIT_UNDRAINED);
    expect(exitCodeFor({ kind: 'signal' }, true)).toBe(EXIT_UNDRAINED);
    // A retry the shutdown gave up is not a failure of the destination.
    expect(exitCodeFor({ kind: 'failed', error: new RetryAbortedError('writing: given up on shutdown') })).toBe(EXIT_UNDRAINED);
    expect(exitCodeFor({ kind: 'failed', error: new SluiceError('partition 0', { cause: new RetryAbortedError('x') }) })).toBe(EXIT_UNDRAINED);
  });
});
