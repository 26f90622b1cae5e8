import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'res.headers["set-cookie"]',
          '*.password',
          '*.password_hash',
        ],
        censor: '[redacted]',
      },
    },
    // Asynchronous writes: lines logged while a write is under way go out together in the next
    // one instead of a system call per request line (~3 % of a busy process's CPU); pino
    // flushes what is left when the process exits.
    pino.destination({ dest: 1, sync: false }),
  );
}
