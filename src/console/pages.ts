import { chartAssets } from './assets.ts';
import { deskPages } from './desk.ts';
import { guidesPages } from './guides.ts';
import { inboxPages } from './inbox.ts';
import { learningPages } from './learning.ts';
import { overviewPages } from './overview.ts';
import { privacyPages } from './privacy.ts';
import type { ConsolePages } from './routes.ts';
import { unansweredPages } from './unanswered.ts';
import { zaloOaPages } from './zalo-oa.ts';

/** The console's pages besides access (login, setup, accounts, audit), each slice registering its own routes. */
export const CONSOLE_PAGES: readonly ConsolePages[] = [
  chartAssets,
  overviewPages,
  unansweredPages,
  guidesPages,
  learningPages,
  deskPages,
  inboxPages,
  privacyPages,
  zaloOaPages,
];
