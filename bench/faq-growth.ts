/**
 * How ingestion, the search index and asking grow when a province adds thousands of FAQ entries.
 * Synthetic sizes repeat the dev answers with perturbations (a sentence dropped, two sentences swapped, numbers
 * changed, a province name added), so that copies are near duplicates — the hard case for ranking and for pruning.
 *
 *   npm run -s bench:faq-growth -- [--data FILE] [--sizes 2000,20000] [--json]
 *
 * Prints per size: ingestion time, index build time, resident memory, retrieval p50/p95 over 300 questions
 * (both styles), and R@1/R@3 of the original entry among its near duplicates.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_DATA, entryId, faqApp, percentile, plain, readFaqRows, type FaqRow } from './faq-corpus.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, sizes: { type: 'string' }, json: { type: 'boolean' } } });
const dev = readFaqRows(values.data ?? DEFAULT_DATA);
const sizes = (values.sizes ?? '2000,20000').split(',').map(Number);

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const PROVINCES = ['Hà Giang', 'Cao Bằng', 'Nghệ An', 'Quảng Trị', 'Đắk Lắk', 'Cà Mau', 'An Giang', 'Lào Cai', 'Thái Bình', 'Bình Định'];

function perturb(answer: string, rnd: () => number): string {
  const sentences = answer.split(/(?<=[.;:])\s+|\n+/).filter(Boolean);
  if (sentences.length > 2 && rnd() < 0.5) sentences.splice(Math.floor(rnd() * sentences.length), 1);
  if (sentences.length > 2 && rnd() < 0.5) {
    const i = Math.floor(rnd() * (sentences.length - 1));
    [sentences[i], sentences[i + 1]] = [sentences[i + 1]!, sentences[i]!];
  }
  let text = sentences.join(' ').replace(/\d+/g, (d) => (rnd() < 0.3 ? String(Number(d) + 1 + Math.floor(rnd() * 9)) : d));
  if (rnd() < 0.7) text += ` Áp dụng tại tỉnh ${PROVINCES[Math.floor(rnd() * PROVINCES.length)]}.`;
  return text;
}

function synthetic(size: number): FaqRow[] {
  const rnd = random(size);
  const rows: FaqRow[] = [...dev];
  for (let i = 0; rows.length < size; i++) {
    const base = dev[i % dev.length]!;
    rows.push({ ...base, id: `${base.id}-copy${Math.floor(i / dev.length) + 1}`, answer: perturb(base.answer, rnd) });
  }
  return rows.slice(0, size);
}

const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const results = [];
for (const size of sizes) {
  const rows = synthetic(size);
  const before = mb();
  const { app, cleanup } = await faqApp(rows);
  const ingestS = app.ingestSummary.ms / 1000;
  let started = performance.now();
  await app.retriever.index.current();
  const indexS = (performance.now() - started) / 1000;
  const asked = dev.slice(0, 150).flatMap((r) => [
    { q: r.q, id: entryId(r.id) },
    { q: plain(r.q), id: entryId(r.id) },
  ]);
  const ms: number[] = [];
  let hit1 = 0;
  let hit3 = 0;
  for (const a of asked) {
    started = performance.now();
    const { candidates } = await app.retriever.retrieve(a.q);
    ms.push(performance.now() - started);
    const at = candidates.findIndex((c) => c.guideId === a.id);
    if (at === 0) hit1++;
    if (at >= 0 && at < 3) hit3++;
  }
  const row = {
    entries: size,
    ingest_s: Math.round(ingestS * 10) / 10,
    index_build_s: Math.round(indexS * 100) / 100,
    rss_mb: mb(),
    rss_growth_mb: mb() - before,
    p50_ms: Math.round(percentile(ms, 50) * 10) / 10,
    p95_ms: Math.round(percentile(ms, 95) * 10) / 10,
    hit1: Math.round((hit1 / asked.length) * 1000) / 1000,
    hit3: Math.round((hit3 / asked.length) * 1000) / 1000,
  };
  results.push(row);
  if (!values.json) console.error(JSON.stringify(row));
  await cleanup();
}
if (values.json) console.log(JSON.stringify(results));
else {
  console.log(
    '| entries | ingestion | index build | RSS | retrieval p50 | retrieval p95 | R@1 among near duplicates | R@3 |\n' +
      '|---|---|---|---|---|---|---|---|',
  );
  for (const r of results)
    console.log(
      `| ${r.entries} | ${r.ingest_s} s | ${r.index_build_s} s | ${r.rss_mb} MB | ` +
        `${r.p50_ms} ms | ${r.p95_ms} ms | ${r.hit1} | ${r.hit3} |`,
    );
}
