import type { Feature } from '../core/conversation.ts';
import { reply, type Reply } from '../core/message.ts';
import { fold } from '../text/normalize.ts';
import type { OfficialDomains } from './domains.ts';
import { findLinks } from './links.ts';
import { isScamStory } from './signals.ts';
import { LINK_VERDICT, MEDIA_REPLY, SCAM_WARNING } from './texts.ts';

/**
 * Safety: runs before any answer. A scam story gets the warning first; every link gets a verdict (official, store,
 * shortener, .apk, look-alike, unknown); a message that is only a link stops there. Photos and contacts are not
 * stored, and the user is told not to send ID documents.
 */
export function safetyFeature(deps: { domains: OfficialDomains }): Feature {
  return {
    name: 'safety',
    async screen(turn) {
      const replies: Reply[] = [];
      if (isScamStory(turn.text)) replies.push(reply(SCAM_WARNING));
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
          return { replies, stop: true };
      }
      return replies.length ? { replies, stop: false } : undefined;
    },
    async media(turn) {
      const kind = turn.inbound.mediaType ?? 'default';
      return [reply(MEDIA_REPLY[kind] ?? MEDIA_REPLY.default!)];
    },
  };
}
