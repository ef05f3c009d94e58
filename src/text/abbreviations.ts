import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { tokenize } from './normalize.ts';

/** Folded key words → folded meanings (the first is the main one). */
export type Abbreviations = ReadonlyMap<string, readonly string[][]>;

/** Longest key, in words, that {@link expand} looks for. */
const MAX_KEY_WORDS = 4;

/**
 * Parses the content-editable abbreviation file (`knowledge/abbreviations.yaml`).
 * Returns the map and the problems found, so the knowledge checker can report them per line.
 */
export function parseAbbreviations(source: string): { map: Abbreviations; problems: string[] } {
  const problems: string[] = [];
  const map = new Map<string, string[][]>();
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (err) {
    return { map, problems: [`not valid YAML: ${(err as Error).message.split('\n')[0]}`] };
  }
  if (doc == null) return { map, problems };
  if (typeof doc !== 'object' || Array.isArray(doc)) return { map, problems: ['expected "key: meaning" lines'] };
  for (const [rawKey, rawValue] of Object.entries(doc as Record<string, unknown>)) {
    const key = tokenize(rawKey);
    const values = Array.isArray(rawValue) ? rawValue : [rawValue];
    const meanings = values.filter((v) => typeof v === 'string' && tokenize(v).length > 0).map((v) => tokenize(v as string));
    if (key.length === 0 || key.length > MAX_KEY_WORDS) problems.push(`"${rawKey}": a key must be 1–${MAX_KEY_WORDS} words`);
    else if (meanings.length !== values.length || meanings.length === 0)
      problems.push(`"${rawKey}": the meaning must be text or a list of texts`);
    else map.set(key.join(' '), meanings);
  }
  return { map, problems };
}

export async function loadAbbreviations(path: string): Promise<Abbreviations> {
  const { map, problems } = parseAbbreviations(await readFile(path, 'utf8'));
  if (problems.length) throw new Error(`${path}: ${problems[0]}`);
  return map;
}

/**
 * Rewrites folded words with their meanings.
 * `main` has each abbreviation replaced by its main meaning (so "quen mk" gives the phrase "quen mat khau");
 * `extra` has the original words that were replaced and any alternative meanings.
 */
export function expand(words: readonly string[], abbreviations: Abbreviations): { main: string[]; extra: string[][] } {
  const main: string[] = [];
  const extra: string[][] = [];
  let i = 0;
  while (i < words.length) {
    let matched = false;
    for (let n = Math.min(MAX_KEY_WORDS, words.length - i); n >= 1; n--) {
      const key = words.slice(i, i + n);
      const meanings = abbreviations.get(key.join(' '));
      if (!meanings) continue;
      const [first, ...rest] = meanings;
      main.push(...first!);
      if (first!.join(' ') !== key.join(' ')) extra.push(key);
      extra.push(...rest);
      i += n;
      matched = true;
      break;
    }
    if (!matched) main.push(words[i++]!);
  }
  return { main, extra };
}
