import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { fold } from '../text/normalize.ts';

/*
 * Where to go when there is no guide: the content-editable map `knowledge/pointers.yaml`. A public-service matter the
 * guides do not cover (land, marriage, social insurance, tax…) gets a short honest pointer to where it is handled; a
 * question that is not a public-service matter at all (weather, lottery) gets one friendly line and what the bot can
 * do; a message of only emoji or signs gets a short friendly reply. Read here; matched in src/ask/pointers.ts.
 */

/** One public-service matter and where it is handled. */
export interface PointerTopic {
  id: string;
  /** Trigger words and phrases, folded (no diacritics, lower case): a whole-word match picks the topic. */
  words: string[];
  /** What the citizen is told. */
  text: string;
  /** Where the pointer comes from (shown to the citizen). */
  source: string;
}

export interface Pointers {
  topics: PointerTopic[];
  offTopic: { words: string[]; text: string };
  /** The reply to a message without a single letter or digit (only emoji, signs). */
  noWords: string;
}

export const NO_WORDS = 'Mình chưa hiểu biểu tượng này 🙂. Bạn gõ câu hỏi bằng chữ giúp mình nhé, ví dụ: "quên mật khẩu VNeID".';

/** The map from the file's text, with what is wrong in it (`cli knowledge check` lists those). */
export function parsePointers(source: string): { pointers: Pointers; problems: string[] } {
  const problems: string[] = [];
  const empty: Pointers = { topics: [], offTopic: { words: [], text: '' }, noWords: NO_WORDS };
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (err) {
    return { pointers: empty, problems: [`not valid YAML: ${(err as Error).message.split('\n')[0]}`] };
  }
  const obj = (doc ?? {}) as Record<string, unknown>;
  const text = (v: unknown, where: string): string => {
    if (typeof v !== 'string' || !v.trim()) {
      problems.push(`${where} must be a non-empty text`);
      return '';
    }
    return v.trim();
  };
  const words = (v: unknown, where: string): string[] => {
    if (!Array.isArray(v) || !v.length || v.some((x) => typeof x !== 'string' || !fold(x))) {
      problems.push(`${where} must be a list of words`);
      return [];
    }
    return (v as string[]).map(fold);
  };
  const topics: PointerTopic[] = [];
  if (!Array.isArray(obj.topics)) problems.push('"topics" must be a list');
  for (const [i, raw] of (Array.isArray(obj.topics) ? obj.topics : []).entries()) {
    const t = (raw ?? {}) as Record<string, unknown>;
    const id = typeof t.id === 'string' && /^[a-z0-9-]+$/.test(t.id) ? t.id : '';
    if (!id) problems.push(`topic ${i + 1}: "id" must be lower-case words joined by -`);
    const where = `topic ${id || i + 1}`;
    const source = text(t.source, `${where}: "source"`);
    if (source && !/^https:\/\//.test(source)) problems.push(`${where}: "source" must be an https:// address`);
    topics.push({ id, words: words(t.words, `${where}: "words"`), text: text(t.text, `${where}: "text"`), source });
  }
  const off = (obj.off_topic ?? {}) as Record<string, unknown>;
  const offTopic = { words: words(off.words, 'off_topic: "words"'), text: text(off.text, 'off_topic: "text"') };
  const noWords = obj.no_words === undefined ? NO_WORDS : text(obj.no_words, '"no_words"');
  return { pointers: { topics, offTopic, noWords }, problems };
}

/** Reads `knowledge/pointers.yaml`; a broken file stops start-up naming the file. */
export async function loadPointers(path: string): Promise<Pointers> {
  const { pointers, problems } = parsePointers(await readFile(path, 'utf8'));
  if (problems.length) throw new Error(`${path}: ${problems[0]}`);
  return pointers;
}
