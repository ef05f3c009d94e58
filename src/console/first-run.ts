import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { firstRunToken } from './accounts.ts';
import { setupLink } from './access.ts';
import type { ConsoleDeps } from './routes.ts';

/**
 * At start, while no operator exists: a fresh first-run link, printed in the start-up log (whoever can read the
 * log of the process may create the first operator). Returns the link, or undefined once an operator exists.
 */
export async function announceFirstRun(db: Db, log: Logger, config: ConsoleDeps['config']): Promise<string | undefined> {
  const token = await firstRunToken(db);
  if (!token) return undefined;
  const link = setupLink({ config } as ConsoleDeps, token);
  log.warn(
    { link },
    'console: no operator yet — open this link to create the first one (or: npm run cli -- console add-user --role operator)',
  );
  return link;
}
