import type { Abbreviations } from '../text/abbreviations.ts';
import { analyze } from '../text/analyze.ts';
import type { Embedder } from './types.ts';

/**
 * Local, deterministic embeddings: no network, no model file.
 *
 * Feature hashing ("the hashing trick") of what a Vietnamese question is made of — folded syllables, syllable
 * bigrams (abbreviations expanded) and character trigrams of each syllable (so "mat khua" still lands near
 * "mat khau") — into a fixed number of signed dimensions, L2-normalised so cosine similarity is a dot product.
 */
export class LocalHashEmbedder implements Embedder {
  readonly id: string;

  constructor(
    private readonly abbreviations: Abbreviations,
    readonly dims = 384,
  ) {
    this.id = `local-hash-v1:${dims}`;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): number[] {
    const v = new Float64Array(this.dims);
    const { terms } = analyze(text, this.abbreviations);
    for (const term of terms) {
      const isBigram = term.includes('_');
      this.add(v, term, isBigram ? 1.2 : 1);
      if (!isBigram) {
        const padded = `<${term}>`;
        for (let i = 0; i + 3 <= padded.length; i++) this.add(v, `#${padded.slice(i, i + 3)}`, 0.35);
      }
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    return Array.from(v, (x) => Math.round((x / norm) * 1e6) / 1e6);
  }

  private add(v: Float64Array, feature: string, weight: number): void {
    const h = fnv1a(feature);
    v[h % this.dims]! += (h & 0x80000000 ? -1 : 1) * weight;
  }
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across runs and machines. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
