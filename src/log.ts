import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The process logger: one JSON line per event. Callers log ids, counts and error messages, not what citizens write
 * (the core stores messages redacted).
 *
 * Secrets are scrubbed from every line as it is written, whatever it holds: the message and its format arguments,
 * objects and arrays at any depth, errors (`err.message`, `err.stack`, their causes and own fields), child bindings.
 * Scrubbed are bot tokens in API URLs (`/bot<token>/…`, Telegram and Zalo) and on their own (`123456:AA…`), bearer
 * keys, OpenAI-style `sk-…` keys and `token=`/`key=` query parameters; fields named `token` and authorization
 * headers are hidden by name as well.
 */
export function createLogger(level: string = 'info', stream: 'stdout' | 'stderr' | DestinationStream = 'stdout'): Logger {
  const destination = typeof stream === 'string' ? pino.destination(stream === 'stderr' ? 2 : 1) : stream;
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['token', '*.token', 'headers.authorization', '*.headers.authorization'], censor: '[hidden]' },
    },
    scrubbing(destination),
  );
}

/** `destination`, with {@link scrubSecrets} applied to each serialised line before it is written. */
function scrubbing(destination: DestinationStream): DestinationStream {
  const flushable = destination as DestinationStream & { flush?: (cb?: (err?: Error) => void) => void; flushSync?: () => void };
  return {
    write: (line: string) => destination.write(scrubSecrets(line)),
    ...(flushable.flush ? { flush: (cb?: (err?: Error) => void) => flushable.flush!(cb) } : {}),
    ...(flushable.flushSync ? { flushSync: () => flushable.flushSync!() } : {}),
  } as DestinationStream;
}

/**
 * What {@link scrubSecrets} replaces. The character classes stop at quotes, backslashes and white space, so that a
 * secret inside a JSON string is replaced without eating the rest of the line (a stack's `\n`, the closing quote).
 */
const SECRETS: readonly (readonly [RegExp, string])[] = [
  // Telegram and Zalo Bot API URLs: https://api.telegram.org/bot<token>/getMe
  [/(?<!\/)\/bot[^/\s"'\\?#]+/g, '/bot[hidden]'],
  // a bot token on its own: Telegram 123456789:AA…, Zalo 1234567890:abc…
  [/\b\d{5,}:[\w.~+=-]{8,}/g, '[hidden]'],
  [/(Bearer\s+)[^\s"'\\]+/gi, '$1[hidden]'],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, 'sk-[hidden]'],
  [/([?&](?:access_token|token|api_key|key|secret)=)[^&\s"'\\#]+/gi, '$1[hidden]'],
];

/** The text with bot tokens (in URLs or alone), bearer keys, `sk-…` keys and secret query parameters replaced. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out;
}

export const silentLogger: Logger = pino({ level: 'silent' });
