import { Command, Option } from 'commander';
import { createApp } from './app.ts';
import { evaluate, readEvalFile, type EvalFigures } from './ask/eval.ts';
import { getGuide } from './ask/guides.ts';
import { renderGuide } from './ask/render.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { checkKnowledge } from './knowledge/check.ts';
import { createLogger } from './log.ts';
import { plainText } from './channels/render.ts';

/**
 * Operator and editor commands: `ask`, `eval`, `ingest`, `knowledge check`.
 * Output meant for scripts (`--json`) goes to stdout alone; progress goes to stderr.
 */
const program = new Command('binhdan').description('Bình Dân assistant: command line').showHelpAfterError();

const knowledgeOption = new Option('--knowledge <dir>', 'knowledge folder (default: KNOWLEDGE_DIR or ./knowledge)');
const dbOption = new Option('--db <where>', '"memory" for a throw-away embedded database (default: the configured one)').choices(['memory', 'default']);

function configWith(opts: { knowledge?: string }): Config {
  return loadConfig({ ...process.env, ...(opts.knowledge ? { KNOWLEDGE_DIR: opts.knowledge } : {}) });
}

async function withApp<T>(opts: { knowledge?: string; db?: string }, fn: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>) {
  const config = configWith(opts);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'stderr');
  const app = await createApp(config, log, { memory: opts.db === 'memory', progress: (l) => process.stderr.write(`${l}\n`) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

program
  .command('ask')
  .description('answer one question and show the top guides with their scores')
  .argument('<question...>')
  .option('--json', 'print JSON')
  .addOption(knowledgeOption)
  .addOption(dbOption)
  .action(async (words: string[], opts: { json?: boolean; knowledge?: string; db?: string }) => {
    await withApp(opts, async (app) => {
      const result = await app.asker.ask(words.join(' '));
      const top = result.decision === 'answer' && result.candidates[0] ? await getGuide(app.db, result.candidates[0].guideId) : undefined;
      const answer = top ? plainText(renderGuide(top).text) : null;
      if (opts.json) {
        console.log(JSON.stringify({ ...result, answer }, null, 2));
        return;
      }
      console.log(`decision: ${result.decision}   confidence: ${result.confidence.toFixed(3)}   ${result.latencyMs.toFixed(1)} ms`);
      for (const c of result.candidates) {
        console.log(`  ${c.confidence.toFixed(3)}  ${c.guideId.padEnd(30)} cov ${c.coverage.toFixed(2)} vec ${c.vector.toFixed(2)} trgm ${c.trigram.toFixed(2)}`);
      }
      if (answer) console.log(`\n${answer}`);
    });
  });

program
  .command('eval')
  .description('measure retrieval on a JSONL file of {"q", "expect": [ids], "style"?}')
  .argument('<file>')
  .option('--json', 'print one JSON object')
  .option('--misses <n>', 'how many misses to list', '40')
  .addOption(knowledgeOption)
  .addOption(dbOption)
  .action(async (file: string, opts: { json?: boolean; knowledge?: string; db?: string; misses: string }) => {
    const lines = await readEvalFile(file);
    await withApp(opts, async (app) => {
      const report = await evaluate(lines, (q) => app.asker.ask(q));
      if (opts.json) {
        console.log(JSON.stringify(report));
        return;
      }
      const row = (name: string, f: EvalFigures) =>
        `${name.padEnd(14)} ${String(f.n).padStart(4)}  ${f.hit1.toFixed(3)}  ${f.hit3.toFixed(3)}  ${f.mrr.toFixed(3)}  ` +
        `${f.offtopic ? f.abstain_precision.toFixed(3) : '    - '}  ${f.offtopic ? f.abstain_recall.toFixed(3) : '    - '}  ${f.false_abstain.toFixed(3)}  ${f.p50_ms.toFixed(1).padStart(6)}  ${f.p95_ms.toFixed(1).padStart(6)}`;
      console.log(`${'style'.padEnd(14)}    n  hit@1  hit@3    mrr  abst.P abst.R false.A  p50 ms  p95 ms`);
      console.log(row('all', report));
      for (const [style, f] of Object.entries(report.by_style)) console.log(row(style, f));
      const t = report.twins;
      if (t.pairs) console.log(`\naccented/diacritic-free twins: ${t.pairs} pairs, hit@1 ${t.accented_hit1.toFixed(3)} accented vs ${t.plain_hit1.toFixed(3)} without diacritics`);
      const misses = report.misses.slice(0, Number(opts.misses));
      if (misses.length) console.log(`\nmisses (${report.misses.length}: top-1 wrong, or wrongly abstained/answered):`);
      for (const m of misses) console.log(`  [${m.style ?? '-'}] ${m.q}\n      expect ${JSON.stringify(m.expect)} got ${JSON.stringify(m.got)} (${m.decision} ${m.confidence})`);
    });
  });

program
  .command('ingest')
  .description('index the guides (only what changed)')
  .addOption(knowledgeOption)
  .addOption(dbOption)
  .action(async (opts: { knowledge?: string; db?: string }) => {
    await withApp(opts, async (app) => {
      if (app.ingestSummary.problems.length) process.exitCode = 1;
    });
  });

const knowledge = program.command('knowledge').description('content tools');
knowledge
  .command('check')
  .description('check guides, lists and eval files; prints "file: problem" lines')
  .addOption(knowledgeOption)
  .action(async (opts: { knowledge?: string }) => {
    const config = configWith(opts);
    const { problems, guides, courses } = await checkKnowledge(config.knowledgeDir);
    for (const p of problems) console.log(`${p.file}: ${p.problem}`);
    console.error(problems.length ? `${problems.length} problem(s)` : `ok: ${guides} guides, ${courses} courses`);
    process.exitCode = problems.length ? 1 : 0;
  });

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : `error: ${(err as Error).message}`);
  process.exit(1);
});
