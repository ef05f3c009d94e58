import type { OutputAdapter } from '../core/output.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { PushSignal, startPushWorker, type PushWorker } from '../push/outbox.ts';
import { Intake } from './intake.ts';

/**
 * The intake a channel records into: the process's shared one (`npm start`), or — when none is given (tests,
 * benchmarks) — one of the channel's own, with a push worker that sends the replies it queues through the channel's
 * output adapter (the shared intake's replies go out through the process's push worker, by the same adapter).
 */
export class ChannelIntake {
  readonly intake: Intake;
  private readonly own?: { signal: PushSignal; pushes?: PushWorker };
  private readonly db: Db;
  private readonly log: Logger;

  constructor(options: { shared?: Intake; db: Db; log: Logger }) {
    if (options.shared) {
      this.intake = options.shared;
    } else {
      const signal = new PushSignal();
      this.own = { signal };
      this.intake = new Intake({ db: options.db, log: options.log, signal });
    }
    this.db = options.db;
    this.log = options.log;
  }

  /** Starts the channel's own intake and push worker (once); nothing when the intake is shared. */
  async startOwn(output: OutputAdapter): Promise<void> {
    if (!this.own) return;
    const senders = { [output.name]: output };
    this.own.pushes ??= startPushWorker({ db: this.db, senders, log: this.log, signal: this.own.signal, intervalMs: 500 });
    await this.intake.start();
  }

  /** Stops the channel's own intake and push worker; a shared intake is stopped by its owner. */
  async stopOwn(): Promise<void> {
    if (!this.own) return;
    await this.intake.stop();
    await this.own.pushes?.stop();
  }

  /** Waits until the intake (and the own push worker, if any) has nothing in hand. */
  async idle(): Promise<void> {
    await this.intake.idle();
    await this.own?.pushes?.idle();
  }
}
