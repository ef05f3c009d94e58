/**
 * Bình Dân's retrieval against two BM25 baselines over the same guides and questions, in one run: plain BM25
 * (wink-bm25-text-search, lower-case word tokens, no diacritic folding, no abbreviations, no typo handling) and the
 * well-tuned lexical baseline of bench/faq.ts (folded syllables + syllable bigrams, k1 1.5, b 0.75).
 * Prints a Markdown table of hit@1 / hit@3 per question style for both, for each eval file.
 *   npx tsx bench/bm25-baseline.ts [knowledge/eval/questions.jsonl knowledge/eval/holdout.jsonl]
 */
import bm25 from 'wink-bm25-text-search';
import { createApp } from '../src/app.ts';
import { evaluate, readEvalFile, type EvalLine } from '../src/ask/eval.ts';
import { loadConfig } from '../src/config.ts';
import { loadGuides } from '../src/knowledge/load.ts';
import { createLogger } from '../src/log.ts';
import { baselineBm25 } from './faq-corpus.ts';

const files = process.argv.slice(2).length ? process.argv.slice(2) : ['knowledge/eval/questions.jsonl', 'knowledge/eval/holdout.jsonl'];
const config = loadConfig();
const app = await createApp(config, createLogger('silent', 'stderr'), { memory: true, progress: () => {} });
const { guides } = await loadGuides(config.knowledgeDir);

const engine = bm25();
const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
engine.defineConfig({ fldWeights: { title: 2, questions: 2, keywords: 1, body: 1 } });
engine.definePrepTasks([words]);
for (const g of guides) {
  engine.addDoc(
    {
      title: g.title,
      questions: g.questions.join('\n'),
      keywords: g.keywords.join(' '),
      body: [g.answer, ...g.sections.flatMap((s) => s.lines)].join('\n'),
    },
    g.id,
  );
}
engine.consolidate();
const folded = baselineBm25(
  guides.map((g) => [g.title, ...g.questions, ...g.keywords, g.answer, ...g.sections.flatMap((s) => s.lines)].join('\n')),
);

type Tally = { n: number; hit1: number; hit3: number; f1: number; f3: number };
const tally = () => ({ n: 0, hit1: 0, hit3: 0, f1: 0, f3: 0 });
function baseline(lines: EvalLine[]): Map<string, Tally> {
  const by = new Map<string, Tally>([['all', tally()]]);
  for (const l of lines.filter((x) => x.expect.length)) {
    const ids = (engine.search(l.q, 3) as [string, number][]).map(([id]) => id);
    const fids = folded(l.q, 3).map((i) => guides[i]!.id);
    for (const key of ['all', l.style ?? 'unspecified']) {
      const t = by.get(key) ?? tally();
      t.n++;
      if (l.expect.includes(ids[0] ?? '')) t.hit1++;
      if (ids.some((id) => l.expect.includes(id))) t.hit3++;
      if (l.expect.includes(fids[0] ?? '')) t.f1++;
      if (fids.some((id) => l.expect.includes(id))) t.f3++;
      by.set(key, t);
    }
  }
  return by;
}

const f = (x: number) => x.toFixed(3);
for (const file of files) {
  const lines = await readEvalFile(file);
  const ours = await evaluate(lines, (q) => app.asker.ask(q));
  const base = baseline(lines);
  console.log(
    `\n${file}\n\n| style | n | BM25 hit@1 | BM25 hit@3 | folded BM25 hit@1 | folded BM25 hit@3 | Bình Dân hit@1 | Bình Dân hit@3 |\n` +
      '|---|---|---|---|---|---|---|---|',
  );
  for (const [style, t] of [...base].sort((a, b) => (a[0] === 'all' ? -1 : b[0] === 'all' ? 1 : a[0].localeCompare(b[0])))) {
    const o = style === 'all' ? ours : ours.by_style[style]!;
    console.log(
      `| ${style} | ${t.n} | ${f(t.hit1 / t.n)} | ${f(t.hit3 / t.n)} | ${f(t.f1 / t.n)} | ${f(t.f3 / t.n)} | ${f(o.hit1)} | ${f(o.hit3)} |`,
    );
  }
}
await app.close();
