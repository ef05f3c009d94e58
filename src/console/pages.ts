import { inboxPages } from './inbox.ts';
import type { ConsolePages } from './routes.ts';

/** The console's pages besides access (login, setup, accounts, audit), each slice registering its own routes. */
export const CONSOLE_PAGES: readonly ConsolePages[] = [inboxPages];
