import { marked, type Token, type Tokens } from 'marked';
import { plain } from './markdown.ts';

/**
 * FAQ entries: an official question and its official answer, as a province or ministry publishes them
 * (`knowledge/faq/**\/<id>.md`, front matter `kind: faq`). Unlike a guide the answer may be of any length: it is
 * shown a phone screen at a time ({@link paginate}).
 */

/** Longest page of an FAQ answer: one phone screen. */
export const FAQ_PAGE_CHARS = 900;
/** Longest derived title. */
const FAQ_TITLE_CHARS = 90;
/** The one section an FAQ entry has, for search indexing. */
export const FAQ_HEADING = 'Trả lời';
export const FAQ_DEFAULT_CATEGORY = 'dich-vu-cong';

/** One paragraph, list item, heading or table row of an answer. Blocks of the same `group` (a list) stay on one line each. */
export interface Block {
  /** As shown: `**bold**` kept, list items with their marker (`- `, `2. `). */
  text: string;
  /** As indexed: plain text without the list marker. */
  line: string;
  kind: 'paragraph' | 'item' | 'heading' | 'other';
  group?: number;
}

export interface FaqBody {
  /** The first paragraph (plain). */
  answer: string;
  /** Every block of the body as plain text. */
  lines: string[];
  /** The body split into phone screens. */
  pages: string[];
}

export function parseFaqBody(markdown: string, pageChars = FAQ_PAGE_CHARS): FaqBody {
  const blocks = answerBlocks(markdown);
  const answer = blocks.find((b) => b.kind === 'paragraph')?.line ?? blocks[0]?.line ?? '';
  return { answer, lines: blocks.map((b) => b.line).filter(Boolean), pages: paginate(blocks, pageChars) };
}

/** Markdown → blocks of plain text. */
function answerBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let group = 0;
  const walk = (tokens: Token[]) => {
    for (const token of tokens) {
      switch (token.type) {
        case 'heading': {
          const line = plain((token as Tokens.Heading).text).replace(/\*\*/g, '');
          if (line) blocks.push({ text: `**${line}**`, line, kind: 'heading' });
          break;
        }
        case 'paragraph':
        case 'text': {
          const line = plain((token as Tokens.Paragraph).text);
          if (line) blocks.push({ text: line, line, kind: 'paragraph' });
          break;
        }
        case 'blockquote':
          walk((token as Tokens.Blockquote).tokens);
          break;
        case 'list': {
          const list = token as Tokens.List;
          const g = ++group;
          const start = typeof list.start === 'number' ? list.start : 1;
          list.items.forEach((item, i) => {
            const line = plain(item.text);
            if (line) blocks.push({ text: `${list.ordered ? `${start + i}.` : '-'} ${line}`, line, kind: 'item', group: g });
          });
          break;
        }
        case 'table': {
          const table = token as Tokens.Table;
          const g = ++group;
          for (const row of [table.header, ...table.rows]) {
            const line = row
              .map((cell) => plain(cell.text))
              .filter(Boolean)
              .join(' | ');
            if (line) blocks.push({ text: line, line, kind: 'item', group: g });
          }
          break;
        }
        case 'code': {
          const text = (token as Tokens.Code).text.trim();
          if (text) blocks.push({ text, line: plain(text), kind: 'other' });
          break;
        }
        case 'html': {
          const line = plain((token as Tokens.HTML).text.replace(/<[^>]*>/g, ' '));
          if (line) blocks.push({ text: line, line, kind: 'paragraph' });
          break;
        }
        default:
          break; // space, hr, link definitions
      }
    }
  };
  walk(marked.lexer(markdown));
  return blocks;
}

/**
 * Blocks → pages of at most `max` characters, cut between paragraphs or list items. Only a single block longer than
 * a page is cut inside, at a sentence, else at a word ({@link splitLong}).
 */
export function paginate(blocks: readonly Pick<Block, 'text' | 'group'>[], max = FAQ_PAGE_CHARS): string[] {
  const pieces: { text: string; group?: number }[] = [];
  for (const b of blocks) {
    if (b.text.length <= max) pieces.push(b);
    else pieces.push(...splitLong(b.text, max).map((text) => ({ text })));
  }
  const pages: string[] = [];
  let page = '';
  let lastGroup: number | undefined;
  for (const p of pieces) {
    const sep = !page ? '' : p.group !== undefined && p.group === lastGroup ? '\n' : '\n\n';
    if (page && page.length + sep.length + p.text.length > max) {
      pages.push(page);
      page = p.text;
    } else page += sep + p.text;
    lastGroup = p.group;
  }
  if (page) pages.push(page);
  return pages;
}

const SENTENCE_END = /(?<=[.!?…;])\s+/u;

/** A text longer than `max` → pieces of at most `max` characters, cut at sentences, else words, else anywhere. */
export function splitLong(text: string, max = FAQ_PAGE_CHARS): string[] {
  const units: string[] = [];
  for (const sentence of text.split(SENTENCE_END)) {
    if (sentence.length <= max) units.push(sentence);
    else for (const word of sentence.split(/\s+/)) units.push(...hardCut(word, max));
  }
  const joined = pack(units.filter(Boolean), max);
  return balanceBold(joined, max);
}

/** Greedy packing of units joined by a space. */
function pack(units: string[], max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const u of units) {
    if (cur && cur.length + 1 + u.length > max) {
      out.push(cur);
      cur = u;
    } else cur = cur ? `${cur} ${u}` : u;
  }
  if (cur) out.push(cur);
  return out;
}

function hardCut(word: string, max: number): string[] {
  if (word.length <= max) return [word];
  const chars = Array.from(word);
  const out: string[] = [];
  for (let i = 0; i < chars.length;) {
    let piece = '';
    while (i < chars.length && piece.length + chars[i]!.length <= max) piece += chars[i++];
    out.push(piece);
  }
  return out;
}

/** A `**bold**` span cut in two is closed at the end of one piece and reopened at the start of the next. */
function balanceBold(pieces: string[], max: number): string[] {
  const out: string[] = [];
  let open = false;
  for (let p of pieces) {
    if (open) p = `**${p}`;
    open = (p.match(/\*\*/g)?.length ?? 0) % 2 === 1;
    if (open) p = `${p}**`;
    out.push(p);
  }
  // the added markers may push a piece past the limit: then pack once more without them
  return out.every((p) => p.length <= max) ? out : pieces;
}

/** The title of an FAQ entry written without one: the first question, else the answer's first sentence (≤ 90 characters, cut at a word). */
export function deriveTitle(questions: readonly string[], answer: string): string {
  if (questions[0]) return questions[0];
  const sentence = (answer.replace(/\*\*/g, '').split(SENTENCE_END)[0] ?? '').trim().replace(/[\s.;:,!…]+$/u, '');
  return cutAtWord(sentence, FAQ_TITLE_CHARS);
}

/** At most `max` characters, cut at a space, with "…" when cut. */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const window = text.slice(0, max);
  const space = window.lastIndexOf(' ');
  const cut = (space > max * 0.4 ? window.slice(0, space) : window.slice(0, max - 1)).replace(/[\s,;:.\-–]+$/u, '');
  return `${cut}…`;
}
