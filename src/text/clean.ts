/** C0 control characters except tab and newline (a carriage return included), DEL, and C1. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * Inbound text as the core may see it: NUL and the other control characters (C0 except tab and newline, DEL, C1)
 * removed, a carriage return dropped, lone UTF-16 surrogates replaced. Postgres refuses NUL (and lone surrogates) in
 * text and jsonb, so an update carrying one could never be recorded or answered.
 */
export function cleanText(text: string): string {
  return text.toWellFormed().replace(CONTROL, '');
}
