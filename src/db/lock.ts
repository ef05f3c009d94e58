import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Logger } from '../log.ts';

/*
 * One writer per embedded data folder. PGlite is a single process's database: two processes on one folder both
 * start and silently corrupt it. The first takes `<folder>.lock` (exclusive create) holding its PID, host and start
 * time; a second one is refused naming the first; a lock whose process is gone is taken over with a warning.
 */

/** What the lock file says about the process holding it. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** Linux: the process's start time in clock ticks since boot (/proc/<pid>/stat), so a reused PID is told apart. */
  pidStart?: string;
  argv?: string;
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded database ${dir} is in use by another Bình Dân process (PID ${holder.pid} on ${holder.host}, ` +
        `started ${holder.startedAt}); two processes on one data folder would corrupt it. Stop that one first, ` +
        `use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server (if that process is surely gone, ` +
        `for instance on another host, delete ${lockPathOf(dir)})`,
    );
  }
}

export interface DataDirLock {
  path: string;
  release(): void;
}

export function lockPathOf(dir: string): string {
  return `${dir.replace(/[/\\]+$/, '')}.lock`;
}

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (2nd field) may contain spaces: count fields after its closing parenthesis; start time is #22
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `holder` still runs (on this host; another host's lock is taken as held). */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0 || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStart(holder.pid);
  return !(holder.pidStart && now && holder.pidStart !== now);
}

function readHolder(path: string): { text: string; holder: LockHolder | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return { text, holder: JSON.parse(text) as LockHolder };
  } catch {
    return { text, holder: undefined }; // half-written or foreign: handled as stale below
  }
}

const held = new Map<string, string>();
let exitHookInstalled = false;

/** Takes the lock of the embedded database folder `dir`, or throws {@link DataDirLockedError}. */
export function lockDataDir(dir: string, log?: Logger): DataDirLock {
  const path = lockPathOf(dir);
  mkdirSync(dirname(path), { recursive: true });
  const mine: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...(processStart(process.pid) ? { pidStart: processStart(process.pid)! } : {}),
    argv: process.argv.slice(1).join(' ').slice(0, 200),
  };
  const text = `${JSON.stringify(mine)}\n`;
  if (held.has(path)) throw new DataDirLockedError(dir, JSON.parse(held.get(path)!) as LockHolder);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      held.set(path, text);
      installExitHook();
      return { path, release: () => releaseLock(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = readHolder(path);
    if (!current) continue; // released meanwhile: try again
    if (current.holder && holderAlive(current.holder)) throw new DataDirLockedError(dir, current.holder);
    // Stale: move it aside under a name of our own, then check that what we moved is what we judged (not a lock
    // another process took over in between); if it is not, put it back.
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = readFileSync(aside, 'utf8');
    if (moved !== current.text) {
      try {
        renameSync(aside, path);
      } catch {
        /* it will be judged again */
      }
      continue;
    }
    unlinkSync(aside);
    log?.warn(
      current.holder
        ? `took over the stale lock of ${dir}: PID ${current.holder.pid} (started ${current.holder.startedAt}) is not running`
        : `took over the unreadable lock file ${path}`,
    );
  }
  const current = readHolder(path);
  if (current?.holder) throw new DataDirLockedError(dir, current.holder);
  throw new Error(`could not take the lock ${path}`);
}

/** Who holds the lock of `dir` now, if a running process does. */
export function lockHolderOf(dir: string): LockHolder | undefined {
  const current = readHolder(lockPathOf(dir));
  return current?.holder && holderAlive(current.holder) ? current.holder : undefined;
}

/** Whether this process holds the lock of `dir`. */
export function holdsLock(dir: string): boolean {
  return held.has(lockPathOf(dir));
}

function releaseLock(path: string): void {
  const text = held.get(path);
  if (text === undefined) return;
  held.delete(path);
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** `process.exit()` skips `finally` blocks and close(): the locks this process holds are released anyway. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const path of [...held.keys()]) releaseLock(path);
  });
}
