import type { Feature } from '../core/conversation.ts';
import { reply, type Reply } from '../core/message.ts';
import { fold } from '../text/normalize.ts';
import type { OfficialDomains } from './domains.ts';
import { findLinks } from './links.ts';
import { isScamStory, matchScamSignals, type ScamSignal } from './signals.ts';
import { LINK_VERDICT, MEDIA_REPLY, scamWarning } from './texts.ts';

/**
 * Safety: runs before any answer. A scam story gets the warning first (with a line on each scam of
 * knowledge/scam-signals.yaml it matches); every link gets a verdict (official, store,
 * shortener, .apk, look-alike, unknown); a message that is only a link stops there. Photos and contacts are not
 * stored, and the user is told not to send ID documents.
 */
export function safetyFeature(deps: { domains: OfficialDomains; scamSignals?: readonly ScamSignal[] }): Feature {
  return {
    name: 'safety',
    async screen(turn) {
      const replies: Reply[] = [];
      const known = matchScamSignals(turn.text, deps.scamSignals ?? []);
      if (known.length || isScamStory(turn.text)) replies.push(reply(scamWarning([...new Set(known.map((s) => s.warning))])));
      const links = findLinks(turn.text, deps.domains);
      if (links.length) {
        replies.push(reply(links.map((l) => LINK_VERDICT[l.kind](l.host)).join('\n\n')));
        let rest = turn.text;
        for (const l of links) rest = rest.replace(l.url, ' ');
        if (
          fold(rest)
            .split(' ')
            .filter((w) => w.length > 1).length < 3
        )
          return { replies, stop: true, answered: true };
      }
      // the warning and the verdicts answer the message; a guide that answers the rest of it still follows
      return replies.length ? { replies, stop: false, answered: true } : undefined;
    },
    async media(turn) {
      const kind = turn.inbound.mediaType ?? 'default';
      return [reply(MEDIA_REPLY[kind] ?? MEDIA_REPLY.default!)];
    },
  };
}
