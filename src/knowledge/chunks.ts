import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { fold } from '../text/normalize.ts';
import type { Guide } from './guide.ts';

export interface Chunk {
  kind: 'title' | 'question' | 'section';
  section: string;
  text: string;
  folded: string;
}

/** Longest section chunk; longer sections are split on paragraph, line, then sentence boundaries. */
const CHUNK_CHARS = 900;
const splitter = new RecursiveCharacterTextSplitter({ chunkSize: CHUNK_CHARS, chunkOverlap: 120, separators: ['\n\n', '\n', '. ', ' '] });

/**
 * The searchable pieces of a guide: its title, each way citizens ask it, and each section (the one-line answer goes
 * with the steps). Section text starts with the guide title so that a piece read alone still says what it is about.
 */
export async function chunkGuide(guide: Guide): Promise<Chunk[]> {
  const chunks: Chunk[] = [{ kind: 'title', section: 'title', text: guide.title, folded: fold(guide.title) }];
  for (const q of guide.questions) chunks.push({ kind: 'question', section: 'question', text: q, folded: fold(q) });
  for (const s of guide.sections) {
    const lines = s.heading === 'Các bước' ? [guide.answer, ...s.lines.map((l, i) => `${i + 1}. ${l}`)] : s.lines;
    const body = lines.join('\n');
    if (!body.trim()) continue;
    for (const piece of await splitter.splitText(body)) {
      const text = `${guide.title} — ${s.heading}\n${piece}`;
      chunks.push({ kind: 'section', section: s.heading, text, folded: fold(text) });
    }
  }
  return chunks;
}
