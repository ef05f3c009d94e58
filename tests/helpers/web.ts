import { expect } from 'vitest';
import type { WebReply } from '../../src/channels/web.ts';

/**
 * The web chat as the page uses it: POST /api/chat on the server at `base`, answered 200 with replies.
 *
 * @example
 * const chat = webChat(base);
 * const [first] = await chat('session-0001', { text: 'quen mat khau vneid' });
 */
export function webChat(base: string) {
  return async (session: string, body: { text?: string; choice?: string }): Promise<WebReply[]> => {
    const res = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session, ...body }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { replies: WebReply[] }).replies;
  };
}
