/**
 * A Zalo OA webhook event reduced to what the assistant needs. The OA scopes user ids to itself (`sender.id` of a
 * user's event, `recipient.id` of an OA echo); ids are kept as strings (some are 64-bit integers).
 *
 * @example
 * parseOaEvent({ app_id: '1', event_name: 'user_send_text', sender: { id: '84' }, recipient: { id: 'oa' },
 *   message: { msg_id: 'm1', text: 'quen mat khau' }, timestamp: '1765000000000' })
 * // → { kind: 'text', name: 'user_send_text', userId: '84', msgId: 'm1', text: 'quen mat khau', at: 1765000000000 }
 */
export type OaEvent =
  | (OaBase & { kind: 'text'; text: string })
  /** A button of ours pressed: the payload of an `oa.query.hide` button comes back as the user's text. */
  | (OaBase & { kind: 'choice'; choice: string })
  | (OaBase & { kind: 'media'; mediaType: string })
  | (OaBase & { kind: 'follow' | 'unfollow' | 'submit-info' })
  /** What the OA sent (by us, or by a person in the OA's admin app): `userId` is who it went to. */
  | (OaBase & { kind: 'echo'; text?: string });

interface OaBase {
  name: string;
  userId: string;
  /** The event's message id (the de-duplication key), or a key made of the event's name, user and time. */
  msgId: string;
  at: number;
}

/** Payloads of our buttons start with this, so a citizen typing `#…` is not taken for a button press. */
export const CHOICE_PAYLOAD_PREFIX = '#bd:';

const MEDIA: Record<string, string> = {
  user_send_image: 'photo',
  user_send_gif: 'photo',
  user_send_sticker: 'sticker',
  user_send_audio: 'voice',
  user_send_video: 'video',
  user_send_file: 'document',
  user_send_location: 'location',
  user_send_link: 'link',
  user_send_business_card: 'contact',
};

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
const id = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);

/** Parses a checked webhook body; undefined for events the assistant does not act on or bodies without a user. */
export function parseOaEvent(body: Record<string, unknown>): OaEvent | undefined {
  const name = text(body.event_name);
  const at = Number(body.timestamp);
  if (!name || !Number.isFinite(at)) return undefined;
  const sender = (body.sender ?? {}) as Record<string, unknown>;
  const recipient = (body.recipient ?? {}) as Record<string, unknown>;
  const follower = (body.follower ?? {}) as Record<string, unknown>;
  const message = (body.message ?? {}) as Record<string, unknown>;
  const echo = name.startsWith('oa_send_');
  const userId = echo ? id(recipient.id) : (id(sender.id) ?? id(follower.id) ?? id(body.user_id_by_app));
  if (!userId) return undefined;
  const msgId = id(message.msg_id) ?? `${name}:${userId}:${at}`;
  const base = { name, userId, msgId, at };
  if (echo) {
    const said = text(message.text);
    return { ...base, kind: 'echo', ...(said !== undefined ? { text: said } : {}) };
  }
  if (name === 'user_send_text') {
    const said = text(message.text) ?? '';
    if (said.startsWith(CHOICE_PAYLOAD_PREFIX)) return { ...base, kind: 'choice', choice: said.slice(CHOICE_PAYLOAD_PREFIX.length) };
    return { ...base, kind: 'text', text: said };
  }
  const media = MEDIA[name];
  if (media) return { ...base, kind: 'media', mediaType: media };
  if (name === 'follow' || name === 'unfollow') return { ...base, kind: name };
  if (name === 'user_submit_info') return { ...base, kind: 'submit-info' };
  return undefined;
}
