/** A Zalo Bot update reduced to what the assistant needs. */
export interface ZaloUpdate {
  event: string;
  messageId: string;
  userId: string;
  chatId: string;
  group: boolean;
  displayName?: string;
  text?: string;
  kind: 'text' | 'media' | 'other';
  mediaType?: string;
}

const MEDIA_EVENTS: Record<string, string> = {
  'message.image.received': 'photo',
  'message.sticker.received': 'sticker',
  'message.voice.received': 'voice',
};

/**
 * Parses a webhook body or a getUpdates result: wrapped `{ok, result: {...}}` or bare `{event_name, message}`.
 * Ids are strings. Returns undefined for anything that is not a message update.
 */
export function parseZaloUpdate(body: unknown): ZaloUpdate | undefined {
  const obj = body as Record<string, unknown> | null;
  if (!obj || typeof obj !== 'object') return undefined;
  const inner = (obj.result && typeof obj.result === 'object' ? obj.result : obj) as Record<string, unknown>;
  const event = typeof inner.event_name === 'string' ? inner.event_name : undefined;
  const message = inner.message as Record<string, any> | undefined;
  if (!event || !message || typeof message !== 'object') return undefined;
  const from = message.from ?? {};
  const chat = message.chat ?? {};
  const userId = from.id ?? chat.id;
  const messageId = message.message_id;
  if (userId === undefined || messageId === undefined) return undefined;
  const base = {
    event,
    messageId: String(messageId),
    userId: String(userId),
    chatId: String(chat.id ?? userId),
    group: typeof chat.chat_type === 'string' && chat.chat_type.toUpperCase() !== 'PRIVATE',
    ...(typeof from.display_name === 'string' ? { displayName: from.display_name } : {}),
  };
  if (event === 'message.text.received' && typeof message.text === 'string') return { ...base, kind: 'text', text: message.text };
  const media = MEDIA_EVENTS[event];
  if (media) return { ...base, kind: 'media', mediaType: media };
  return { ...base, kind: 'other' };
}
