import type { Choice, Reply } from '../core/message.ts';
import { escapeHtml } from '../text/html.ts';

/** Reply markup (`**bold**`) → plain text, for channels without formatting. */
export function plainText(text: string): string {
  return text.replace(/\*\*(.+?)\*\*/gs, '$1');
}

/** Reply markup → HTML (escaped), for the web chat and Telegram's HTML parse mode. */
export function htmlText(text: string): string {
  return escapeHtml(text).replace(/\*\*(.+?)\*\*/gs, '<b>$1</b>');
}

/** Choices as a numbered list, for channels without buttons: the user answers "1", "2"… */
export function numberedChoices(choices: readonly Choice[]): string {
  return choices.map((c, i) => `${i + 1}. ${c.label}`).join('\n');
}

/** A whole reply as plain text with numbered choices (terminal, Zalo). */
export function plainReply(r: Reply): string {
  const body = plainText(r.text);
  return r.choices?.length ? `${body}\n\n${numberedChoices(r.choices)}\n(Gõ số để chọn)` : body;
}
