/**
 * Splits a message into parts of at most `max` characters, at paragraph boundaries where possible, then at line
 * breaks, then at spaces; a part is never empty and the text is never reordered.
 */
export function splitMessage(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = window.lastIndexOf('\n\n');
    if (cut < max * 0.3) cut = window.lastIndexOf('\n');
    if (cut < max * 0.3) cut = window.lastIndexOf(' ');
    if (cut <= 0) cut = max;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest) parts.push(rest);
  return parts.filter(Boolean);
}
