import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The process logger. Message texts are never logged raw: callers log redacted text only (see safety/redact.ts),
 * and bot tokens that sit in API URLs are scrubbed here as a last line of defence.
 */
export function createLogger(level: string = 'info', stream: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ['token', '*.token', 'headers.authorization', '*.headers.authorization'], censor: '[hidden]' },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  }, pino.destination(stream === 'stderr' ? 2 : 1));
}

/** Removes bot tokens from URLs (`/bot<token>/`) and bearer keys from a string. */
export function scrubSecrets(text: string): string {
  return text.replace(/\/bot[^/\s]+/g, '/bot[hidden]').replace(/(Bearer\s+)\S+/gi, '$1[hidden]').replace(/sk-[A-Za-z0-9_-]{8,}/g, 'sk-[hidden]');
}

export const silentLogger: Logger = pino({ level: 'silent' });
