// Structured logs (pino, JSON lines on stdout). Config values are never
// logged; error texts pass through redact() so a secret that found its way
// into a driver's message is masked.
import { pino, type Logger } from 'pino';
import { redact } from './config/load.js';

export function createLogger(level: string, secrets: readonly string[] = []): Logger {
  return pino({
    level,
    base: { svc: 'sluice' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        if (secrets.length > 0) {
          for (let i = 0; i < args.length; i++) {
            const a = args[i];
            if (typeof a === 'string') args[i] = redact(a, secrets);
            else if (a && typeof a === 'object') args[i] = JSON.parse(redact(JSON.stringify(a), secrets));
          }
        }
        method.apply(this, args as Parameters<typeof method>);
      },
    },
  });
}
