/**
 * The neutral message model. Features speak only this; channel adapters translate platform updates into an
 * {@link Inbound} and render each {@link Reply} with what the platform has (buttons or a numbered list, HTML or plain).
 *
 * Reply text uses one piece of markup: `**bold**`. Adapters escape everything else for their platform.
 */
export interface Inbound {
  /** Channel name: `web`, `terminal`, `telegram`, `zalo`. */
  channel: string;
  /** The user's id on that channel (a Telegram user id, a Zalo user id, a web session id). */
  userId: string;
  displayName?: string;
  /** What the user typed. */
  text?: string;
  /** The id of a choice the user picked (a button press). */
  choice?: string;
  /** `media`: a photo, sticker, voice…; `other`: anything else the channel could not read. */
  kind: 'text' | 'choice' | 'media' | 'other';
  /** For media: what it was (photo, sticker, voice, location, contact…). */
  mediaType?: string;
  /** Sent in a group chat (the bot was mentioned there), not in the user's private chat with the bot. */
  inGroup?: boolean;
  /**
   * Where pushes to this user go, given with a message from their own chat with the bot: that chat's id when it is
   * not the user id (Zalo's can differ; Telegram's private chat id is the user id). The core stores it; absent in
   * groups and on channels without pushes.
   */
  address?: string;
}

export interface Choice {
  /** Opaque to channels; at most 64 bytes (Telegram callback data). */
  id: string;
  label: string;
}

export interface Reply {
  text: string;
  choices?: Choice[];
  /** A picture served by our HTTP server at this path (e.g. a certificate); channels send it as a photo. */
  image?: { path: string; alt: string };
}

export const reply = (text: string, choices?: Choice[]): Reply => (choices?.length ? { text, choices } : { text });
