import pino, { type Logger } from 'pino';

/** Paths pino replaces with [redacted]: secrets never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'bindPassword',
  '*.bindPassword',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** The root logger (only the CLI makes one; libraries get children of it), JSON to stderr. */
export function createRootLogger(level = 'info'): Logger {
  return pino(
    { level, base: { app: 'lvs7' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    pino.destination({ dest: 2, sync: false }),
  );
}
