import { join } from 'node:path';
import { Command, Option } from 'commander';
import { createApp } from './app.ts';
import { evaluate, readEvalFile, type EvalFigures } from './ask/eval.ts';
import { evaluateConversations, readConversations } from './ask/eval-conversations.ts';
import { getGuide } from './ask/guides.ts';
import { renderAnswer } from './ask/render.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { checkKnowledge } from './knowledge/check.ts';
import { ImportFaqError, importFaq, importSummary } from './knowledge/import-faq.ts';
import { createLogger } from './log.ts';
import { plainText } from './channels/render.ts';
import { DataDirLockedError, openDb } from './db/index.ts';
import { ROLES, SETUP_DAYS } from './console/accounts.ts';
import { setupLink } from './console/access.ts';
import { ADMIN_COMMANDS, runInAssistant, type AdminCommand, type AdminResult } from './http/admin.ts';

/**
 * Operator and editor commands: `ask`, `eval`, `ingest`, `knowledge check|import-faq`, `volunteer …`, `handoff stats|suggestions`,
 * `console add-user|list-users`.
 * Output meant for scripts (`--json`) goes to stdout alone; progress goes to stderr.
 */
const program = new Command('binhdan').description('Bình Dân assistant: command line').showHelpAfterError();

const knowledgeOption = new Option('--knowledge <dir>', 'knowledge folder (default: KNOWLEDGE_DIR or ./knowledge)');
const dbOption = new Option('--db <where>', '"memory" for a throw-away embedded database (default: the configured one)').choices([
  'memory',
  'default',
]);

function configWith(opts: { knowledge?: string }): Config {
  return loadConfig({ ...process.env, ...(opts.knowledge ? { KNOWLEDGE_DIR: opts.knowledge } : {}) });
}

async function withApp<T>(opts: { knowledge?: string; db?: string }, fn: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>) {
  const config = configWith(opts);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'stderr');
  let app;
  try {
    app = await createApp(config, log, { memory: opts.db === 'memory', progress: (l) => process.stderr.write(`${l}\n`) });
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    // never open the folder a second time; the running assistant indexes the guides itself when it starts
    throw new Error(
      `the assistant is running on the embedded database (PID ${err.holder.pid}): this command needs it stopped, ` +
        `or --db memory for a throw-away copy, or a PostgreSQL server (DATABASE_URL)`,
      { cause: err },
    );
  }
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
      const answer = top ? plainText(renderAnswer(top).text) : null;
      if (opts.json) {
        console.log(JSON.stringify({ ...result, answer }, null, 2));
        return;
      }
      console.log(`decision: ${result.decision}   confidence: ${result.confidence.toFixed(3)}   ${result.latencyMs.toFixed(1)} ms`);
      for (const c of result.candidates) {
        console.log(
          `  ${c.confidence.toFixed(3)}  ${c.guideId.padEnd(30)} ` +
            `cov ${c.coverage.toFixed(2)} vec ${c.vector.toFixed(2)} trgm ${c.trigram.toFixed(2)}`,
        );
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
        `${f.offtopic ? f.abstain_precision.toFixed(3) : '    - '}  ${f.offtopic ? f.abstain_recall.toFixed(3) : '    - '}  ` +
        `${f.false_abstain.toFixed(3)}  ${f.p50_ms.toFixed(1).padStart(6)}  ${f.p95_ms.toFixed(1).padStart(6)}`;
      console.log(`${'style'.padEnd(14)}    n  hit@1  hit@3    mrr  abst.P abst.R false.A  p50 ms  p95 ms`);
      console.log(row('all', report));
      for (const [style, f] of Object.entries(report.by_style)) console.log(row(style, f));
      const t = report.twins;
      if (t.pairs)
        console.log(
          `\naccented/diacritic-free twins: ${t.pairs} pairs, ` +
            `hit@1 ${t.accented_hit1.toFixed(3)} accented vs ${t.plain_hit1.toFixed(3)} without diacritics`,
        );
      const misses = report.misses.slice(0, Number(opts.misses));
      if (misses.length) console.log(`\nmisses (${report.misses.length}: top-1 wrong, or wrongly abstained/answered):`);
      for (const m of misses)
        console.log(
          `  [${m.style ?? '-'}] ${m.q}\n` +
            `      expect ${JSON.stringify(m.expect)} got ${JSON.stringify(m.got)} (${m.decision} ${m.confidence})`,
        );
    });
  });

program
  .command('eval-conversations')
  .description('run multi-turn conversations (JSONL of {"id", "turns": [{"say", "expect"}]}) through the assistant; per-turn accuracy')
  .argument('<file>')
  .option('--json', 'print one JSON object')
  .option('--misses <n>', 'how many misses to list', '40')
  .addOption(knowledgeOption)
  .action(async (file: string, opts: { json?: boolean; knowledge?: string; misses: string }) => {
    const scenarios = await readConversations(file);
    // always a throw-away database: the conversations create users and remember topics
    await withApp({ ...opts, db: 'memory' }, async (app) => {
      const titles = new Map(
        (await app.db.query<{ id: string; title: string }>('select id, title from guides')).map((r) => [r.title, r.id]),
      );
      const report = await evaluateConversations(scenarios, (inbound) => app.conversation.handle(inbound), titles);
      if (opts.json) {
        console.log(JSON.stringify(report));
        return;
      }
      const pct = (f: { n: number; accuracy: number }) => `${f.accuracy.toFixed(3)} (${f.n})`;
      console.log(`answers: ${app.answers}   ${report.scenarios} scenarios, ${report.turns} turns`);
      console.log(
        `per-turn accuracy ${report.accuracy.toFixed(3)}   first messages ${pct(report.first)}   follow-ups ${pct(report.followups)}`,
      );
      for (const [style, f] of Object.entries(report.by_style)) console.log(`  ${style.padEnd(14)} ${pct(f)}`);
      const misses = report.misses.slice(0, Number(opts.misses));
      if (misses.length) console.log(`\nmisses (${report.misses.length}):`);
      for (const m of misses) {
        const got = m.got.guides.map((g) => `${g.id}/${g.part}`).join(', ') || '-';
        const flags = ['warned', 'abstained', 'refused', 'pointer'].filter((k) => m.got[k as keyof typeof m.got] === true).join(' ');
        console.log(`  ${m.scenario} #${m.turn} "${m.say}"\n      expect ${JSON.stringify(m.expect)} got ${got} ${flags}`);
      }
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

knowledge
  .command('import-faq')
  .description('official Q&A (CSV or JSONL) → one knowledge/faq/<id>.md per row; running it again rewrites only what changed')
  .argument('<file>', '.csv, or .jsonl / .json (other names: sniffed)')
  .option('--out <dir>', 'where to write (default: <KNOWLEDGE_DIR>/faq)')
  .option('--question-column <name>', 'question column (default: cauHoi, question or q)')
  .option('--answer-column <name>', 'answer column (default: cauTraLoi, answer or a)')
  .option('--source-column <name>', 'source URL column (default: link, url or source)')
  .option('--ministry-column <name>', 'ministry column (default: boNganh or ministry)')
  .option('--audience-column <name>', 'audience column (default: phanLoai or audience)')
  .option('--source <url>', 'source URL for rows without one')
  .option('--last-verified <date>', 'YYYY-MM-DD for every file (default: kept from an existing file, else today)')
  .option('--id-prefix <prefix>', 'first word of the ids', 'faq')
  .addOption(knowledgeOption)
  .action(
    async (
      file: string,
      opts: {
        out?: string;
        questionColumn?: string;
        answerColumn?: string;
        sourceColumn?: string;
        ministryColumn?: string;
        audienceColumn?: string;
        source?: string;
        lastVerified?: string;
        idPrefix: string;
        knowledge?: string;
      },
    ) => {
      const outDir = opts.out ?? join(configWith(opts).knowledgeDir, 'faq');
      const columns = {
        ...(opts.questionColumn ? { question: opts.questionColumn } : {}),
        ...(opts.answerColumn ? { answer: opts.answerColumn } : {}),
        ...(opts.sourceColumn ? { source: opts.sourceColumn } : {}),
        ...(opts.ministryColumn ? { ministry: opts.ministryColumn } : {}),
        ...(opts.audienceColumn ? { audience: opts.audienceColumn } : {}),
      };
      try {
        const result = await importFaq({
          file,
          outDir,
          columns,
          idPrefix: opts.idPrefix,
          ...(opts.source ? { source: opts.source } : {}),
          ...(opts.lastVerified ? { lastVerified: opts.lastVerified } : {}),
        });
        console.log(importSummary(result));
        console.error(`into ${outDir}; check with: npm run cli -- knowledge check`);
      } catch (err) {
        if (!(err instanceof ImportFaqError)) throw err;
        console.error(`error: ${err.message}`);
        process.exitCode = 1;
      }
    },
  );

/**
 * One operator command on the configured database (migrated). With the embedded database in use by the running
 * assistant, the command is run by that process (`POST /admin/cli` on loopback) instead of opening the folder twice.
 */
async function operator<C extends AdminCommand>(command: C, args: Record<string, unknown> = {}): Promise<AdminResult<C>> {
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'stderr');
  const config = loadConfig();
  let db;
  try {
    db = await openDb(config, log);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    return runInAssistant(config.pgliteDir, command, args);
  }
  try {
    return (await ADMIN_COMMANDS[command](db, args)) as AdminResult<C>;
  } finally {
    await db.close();
  }
}

const volunteer = program
  .command('volunteer')
  .description('register the people who answer help requests (with the embedded database, a running assistant does it)');
volunteer
  .command('add')
  .description('register a Telegram or Zalo user as a volunteer')
  .requiredOption('--channel <channel>', 'telegram or zalo')
  .requiredOption('--id <id>', 'their user id on that channel (Telegram: a number; ask them to send /start to the bot first)')
  .requiredOption('--name <name>', 'first name the citizen sees under replies')
  .action(async (opts: { channel: string; id: string; name: string }) => {
    if (!['telegram', 'zalo'].includes(opts.channel)) throw new Error('--channel must be telegram or zalo');
    const v = await operator('volunteer add', { channel: opts.channel, id: opts.id, name: opts.name });
    console.log(`volunteer ${v.id}: ${v.name} (${v.channel} ${v.address})`);
  });
volunteer
  .command('invite')
  .description('create a one-time code the future volunteer sends to the bot: /thamgia <code>')
  .requiredOption('--name <name>', 'first name the citizen will see')
  .option('--days <n>', 'days the code stays valid', '7')
  .action(async (opts: { name: string; days: string }) => {
    const code = await operator('volunteer invite', { name: opts.name, days: Number(opts.days) });
    console.log(`${code}\n(send it to ${opts.name}; they send "/thamgia ${code}" to the bot on Telegram or Zalo within ${opts.days} days)`);
  });
volunteer
  .command('list')
  .description('list volunteers')
  .action(async () => {
    for (const v of await operator('volunteer list'))
      console.log(`${String(v.id).padStart(4)}  ${v.active ? 'active  ' : 'inactive'}  ${v.channel.padEnd(8)}  ${v.name}`);
  });
volunteer
  .command('remove')
  .description('deactivate a volunteer (their history stays)')
  .argument('<id>')
  .action(async (id: string) => {
    const ok = await operator('volunteer remove', { id: Number(id) });
    console.log(ok ? `volunteer ${id} deactivated` : `no active volunteer ${id}`);
    process.exitCode = ok ? 0 : 1;
  });

const consoleCommand = program
  .command('console')
  .description('accounts of the web console at /console (with the embedded database, a running assistant does it)');
consoleCommand
  .command('add-user')
  .description('create a console account and print its one-time setup link (the person sets a password there)')
  .addOption(
    new Option('--role <role>', 'operator (every page), editor (content pages) or volunteer (the inbox)')
      .choices(ROLES)
      .makeOptionMandatory(),
  )
  .requiredOption('--login <login>', 'what they type to log in: 2–60 letters without accents, digits, . _ @ -')
  .requiredOption('--name <name>', 'how the console names them (volunteers: the name under their replies)')
  .action(async (opts: { role: string; login: string; name: string }) => {
    const { account, token } = await operator('console add-user', { role: opts.role, login: opts.login, name: opts.name });
    console.log(setupLink({ config: loadConfig() }, token));
    console.error(
      `account ${account.id}: ${account.login} (${account.role}); send the link above to ${account.name} privately: ` +
        `it works once, within ${SETUP_DAYS} days`,
    );
  });
consoleCommand
  .command('list-users')
  .description('list console accounts')
  .action(async () => {
    for (const a of await operator('console list-users'))
      console.log(
        `${String(a.id).padStart(4)}  ${a.role.padEnd(9)}  ${(a.active ? (a.ready ? 'active' : 'no password yet') : 'off').padEnd(15)}  ` +
          `${a.login}  (${a.name})`,
      );
  });

const handoff = program.command('handoff').description('help-desk records');
handoff
  .command('stats')
  .description('first-response time, resolution time and rating, per volunteer and overall')
  .option('--days <n>', 'only requests of the last n days')
  .option('--json', 'print JSON')
  .action(async (opts: { days?: string; json?: boolean }) => {
    const since = opts.days ? new Date(Date.now() - Number(opts.days) * 86_400_000) : undefined;
    const stats = await operator('handoff stats', since ? { since: since.toISOString() } : {});
    if (opts.json) {
      console.log(JSON.stringify(stats));
      return;
    }
    const fmt = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits)).padStart(8);
    console.log(`${'volunteer'.padEnd(24)} tickets  closed waiting  1st resp (min)  resolved (min)  rating (n)`);
    for (const f of [stats.overall, ...stats.volunteers]) {
      console.log(
        `${f.volunteer.padEnd(24)} ${String(f.tickets).padStart(7)} ${String(f.closed).padStart(7)} ${String(f.waiting).padStart(7)} ` +
          `${fmt(f.first_response_min).padStart(15)} ${fmt(f.resolution_min).padStart(15)}  ${fmt(f.rating, 2)} (${f.ratings})`,
      );
    }
    console.log(`unmet (no volunteer reachable): ${stats.overall.unmet}`);
  });
handoff
  .command('suggestions')
  .description('answers volunteers saved with /luu, as Markdown for content editors')
  .action(async () => {
    const rows = await operator('handoff suggestions');
    if (!rows.length) console.log('no new suggestions');
    for (const r of rows)
      console.log(
        `## #${r.id} — ${r.question}\n_${r.volunteer ?? '?'}, ${new Date(r.created_at).toISOString().slice(0, 10)}_\n\n${r.answer}\n`,
      );
  });

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : `error: ${(err as Error).message}`);
  process.exit(1);
});
