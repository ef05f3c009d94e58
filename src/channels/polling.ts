import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';

export interface PollingLoop {
  /** Aborts the request in flight and any back-off wait; resolves once the loop has ended. */
  stop(): Promise<void>;
}

/**
 * A long-polling loop (Telegram's getUpdates, Zalo's): `round` asks for updates and records them, again and again until
 * {@link PollingLoop.stop}; it gets the signal that aborts its request. A failing round is logged and the next one waits
 * (1 s, doubling up to 30 s); an error `quiet` says is expected (Zalo's 408 "no update") is not a failure.
 */
export function runPolling(options: {
  channel: string;
  log: Logger;
  round: (signal: AbortSignal) => Promise<void>;
  quiet?: (err: unknown) => boolean;
}): PollingLoop {
  const abort = new AbortController();
  const { signal } = abort;
  const done = (async () => {
    let backoffMs = 1000;
    while (!signal.aborted) {
      try {
        await options.round(signal);
        backoffMs = 1000;
      } catch (err) {
        if (signal.aborted) break;
        if (options.quiet?.(err)) continue;
        options.log.warn({ err: (err as Error).message, retryInMs: backoffMs }, `${options.channel}: polling failed`);
        await sleep(backoffMs, undefined, { signal }).catch(() => {});
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      await done;
    },
  };
}
