import type { Logger } from '../log.ts';

/**
 * A periodic job of the process: the lesson scheduler, a push source's delivery, the ticket sweeper, the pruner.
 * `run` does one round and says whether there may be more to do at once (then it runs again without waiting).
 */
export interface PeriodicTask {
  name: string;
  everyMs: number;
  /** One round. `stopping()` turns true on a normal stop: finish or hand back what is held, start nothing new. */
  run(stopping: () => boolean): Promise<boolean | void>;
}

export interface Workers {
  /** Runs that task now rather than at its next tick (a handler just queued something). */
  kick(name: string): void;
  /** Resolves when that task has had a round with nothing more to do after this call (tests). */
  idle(name: string): Promise<void>;
  /** A normal stop: every round in progress ends (sends in flight finish, rows not started go back); idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs every periodic task of the process, each in its own loop: a round, then — unless it has more to do or was
 * kicked meanwhile — a wait of `everyMs`. A round that throws is logged and the task waits its interval. A normal
 * stop never duplicates: a round in progress sees `stopping()` and finishes the sends in flight; what it had not
 * started is handed back. At-least-once across a kill -9: the leases bring back whatever was in hand.
 */
export function runWorkers(tasks: PeriodicTask[], log: Logger): Workers {
  let stopped = false;
  const stopping = () => stopped;
  const loops = new Map<string, { kick(): void; idle(): Promise<void>; wake(): void; done: Promise<void> }>();
  for (const task of tasks) {
    let kicked = false;
    let wake: (() => void) | undefined;
    let idleWaiters: (() => void)[] = [];
    const settleIdle = () => {
      for (const w of idleWaiters) w();
      idleWaiters = [];
    };
    const done = (async () => {
      while (!stopped) {
        kicked = false;
        let more = false;
        try {
          more = (await task.run(stopping)) === true;
        } catch (err) {
          log.error({ task: task.name, err: (err as Error).message }, 'background task failed');
        }
        if (stopped) break;
        if (more || kicked) continue;
        settleIdle();
        await new Promise<void>((ok) => {
          const timer = setTimeout(ok, task.everyMs);
          wake = () => {
            clearTimeout(timer);
            ok();
          };
        });
        wake = undefined;
      }
      settleIdle();
    })();
    loops.set(task.name, {
      kick() {
        kicked = true;
        wake?.();
      },
      idle() {
        if (stopped) return Promise.resolve();
        return new Promise<void>((ok) => {
          idleWaiters.push(ok);
          kicked = true;
          wake?.();
        });
      },
      wake: () => wake?.(),
      done,
    });
  }
  let stoppedAll: Promise<void> | undefined;
  const loop = (name: string) => {
    const l = loops.get(name);
    if (!l) throw new Error(`no background task named ${name}`);
    return l;
  };
  return {
    kick: (name) => loop(name).kick(),
    idle: (name) => loop(name).idle(),
    stop() {
      stoppedAll ??= (async () => {
        stopped = true;
        for (const l of loops.values()) l.wake();
        await Promise.all([...loops.values()].map((l) => l.done));
      })();
      return stoppedAll;
    },
  };
}
