// The progress bar (cli-progress): one bar over all steps of the run, the
// current step's records as a fraction of it, and log lines above it.
import cliProgress from 'cli-progress';

export class Progress {
  private readonly multi?: cliProgress.MultiBar;
  private readonly bar?: cliProgress.SingleBar;
  private done = 0;
  private step = '';

  constructor(
    private readonly total: number,
    enabled: boolean,
  ) {
    if (!enabled) return;
    this.multi = new cliProgress.MultiBar(
      {
        format: ' {bar} {percentage}% | step {stepNo}/{steps} | {step} {detail}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        barsize: 30,
        fps: 5,
        // A pipe gets a line now and then instead of nothing.
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.multi.create(total, 0, { stepNo: 0, steps: total, step: 'starting', detail: '' });
  }

  /** Starts the next step. */
  begin(step: string): void {
    this.step = step;
    this.bar?.update(this.done, { stepNo: Math.min(this.done + 1, this.total), step, detail: '' });
  }

  /** Progress inside the current step. */
  detail(fraction: number, detail: string): void {
    this.bar?.update(this.done + Math.max(0, Math.min(1, fraction)) * 0.99, { step: this.step, detail });
  }

  end(): void {
    this.done++;
    this.bar?.update(this.done, { detail: '' });
  }

  log(line: string): void {
    if (this.multi) this.multi.log(line + '\n');
    else process.stdout.write(line + '\n');
  }

  stop(): void {
    this.multi?.stop();
  }
}
