import { join } from 'node:path';
import { Asker, DEFAULT_MIN_CONFIDENCE } from './ask/asker.ts';
import { askFeature } from './ask/feature.ts';
import { loadPointers } from './knowledge/pointers.ts';
import { Retriever } from './ask/retrieve.ts';
import { WEB_CHANNEL } from './channels/web.ts';
import type { Config } from './config.ts';
import { Conversation } from './core/conversation.ts';
import { openDb, type Db } from './db/index.ts';
import { LocalHashEmbedder } from './embeddings/local.ts';
import { OpenAIEmbedder } from './embeddings/openai.ts';
import type { Embedder } from './embeddings/types.ts';
import { Answerer } from './generate/answerer.ts';
import { OpenAIChatModel } from './generate/model.ts';
import { loadPrompts } from './generate/prompts.ts';
import { handoffFeature, type HandoffSettings } from './handoff/feature.ts';
import { CONSOLE_CHANNEL } from './handoff/volunteers.ts';
import type { RegisterRoutes } from './http/server.ts';
import { PushSignal } from './push/outbox.ts';
import { helpFeature } from './help/feature.ts';
import { loadCourses } from './learn/content.ts';
import { learnFeature, type PushLinks } from './learn/feature.ts';
import { registerLearnRoutes } from './learn/http.ts';
import { OaOAuthClient, OaTokenStore } from './channels/zalo-oa/tokens.ts';
import { CONSOLE_PAGES } from './console/pages.ts';
import { registerConsole } from './console/routes.ts';
import { learnPictures, type Pictures } from './learn/pictures.ts';
import { syncCourses } from './learn/sync.ts';
import { ingest, type IngestSummary } from './knowledge/ingest.ts';
import type { Logger } from './log.ts';
import { loadOfficialDomains, type OfficialDomains } from './safety/domains.ts';
import { loadScamSignals } from './safety/signals.ts';
import { safetyFeature } from './safety/feature.ts';
import { loadAbbreviations, type Abbreviations } from './text/abbreviations.ts';

/** Everything one process needs, built from the configuration. Channels take `conversation`. */
export interface App {
  config: Config;
  log: Logger;
  db: Db;
  abbreviations: Abbreviations;
  domains: OfficialDomains;
  embedder: Embedder;
  retriever: Retriever;
  asker: Asker;
  /** Generated answers, when an LLM is configured (`OPENAI_MODEL`). */
  answerer?: Answerer;
  /** How questions are answered: `retrieval` (the guides as they are) or `llm:<model>` (generated from them). */
  answers: string;
  conversation: Conversation;
  /** Rung when a handler queued pushes (relayed messages, announcements); the push worker listens. */
  pushSignal: PushSignal;
  /**
   * The channels that can reach their users after the fact, live: the web chat and the console's volunteer inbox from
   * the start (their pages fetch what is queued for them), Telegram and Zalo once `startChannels` has connected them —
   * never one that failed to connect, never the terminal. Handoff announces only on these; learn offers daily lessons
   * on those that send by themselves.
   */
  pushChannels: Set<string>;
  /** The Telegram and Zalo bots' names and links, set by `startChannels` as each connects: /dangky on the web names them. */
  botLinks: PushLinks;
  /** Learn's pictures by path (certificates, lesson pictures): served by learn's routes, uploaded by Telegram. */
  pictures: Pictures;
  /** The slices' HTTP routes, added by `createServer`. */
  routes: RegisterRoutes[];
  handoff: HandoffSettings;
  ingestSummary: IngestSummary;
  /** The Zalo OA's OAuth tokens, when `ZALO_OA_APP_ID` and `ZALO_OA_APP_SECRET` are set (the channel, the console, /healthz). */
  zaloOa?: OaTokenStore;
  close(): Promise<void>;
}

export interface AppOptions {
  /** Throw-away in-memory database (tests, `--db memory`). */
  memory?: boolean;
  /** Printed progress of ingestion. */
  progress?: (line: string) => void;
  /** An already open database (tests share one). */
  db?: Db;
  /** With `memory`: start from a copy of this embedded database (tests: migrated and ingested once per run). */
  loadDataDir?: Blob;
}

/** config → database (migrated) → knowledge lists → embedder → ingestion → retrieval → features → conversation. */
export async function createApp(config: Config, log: Logger, options: AppOptions = {}): Promise<App> {
  const db =
    options.db ??
    (await openDb(config, log, { memory: options.memory, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) }));
  try {
    const abbreviations = await loadAbbreviations(join(config.knowledgeDir, 'abbreviations.yaml'));
    const domains = await loadOfficialDomains(join(config.knowledgeDir, 'official-domains.yaml'));
    const scamSignals = await loadScamSignals(join(config.knowledgeDir, 'scam-signals.yaml'));
    const pointers = await loadPointers(join(config.knowledgeDir, 'pointers.yaml'));
    const minConfidence = config.ASK_MIN_CONFIDENCE ?? DEFAULT_MIN_CONFIDENCE;
    // Before ingestion, so that a broken prompt file stops start-up at once.
    const answerer = await createAnswerer(config, db, log, minConfidence);
    const embedder = await createEmbedder(config, abbreviations);
    const ingestSummary = await ingest(db, {
      knowledgeDir: config.knowledgeDir,
      abbreviations,
      embedder,
      progress: options.progress ?? ((line) => log.info(line)),
    });
    const { courses, problems: lessonProblems } = await loadCourses(
      config.knowledgeDir,
      new Set((await db.query<{ id: string }>('select id from guides')).map((r) => r.id)),
    );
    // a course with a problem is not loaded (loadCourses leaves it out): say which file to fix
    for (const p of lessonProblems) (options.progress ?? ((l: string) => log.warn(l)))(`course skipped: ${p.file}: ${p.problem}`);
    await syncCourses(db, courses);
    const retriever = new Retriever(db, { abbreviations, embedder });
    // Build the search index now, so that the first question does not wait for it.
    await retriever.index.current();
    const asker = new Asker(retriever, minConfidence);
    const pushSignal = new PushSignal();
    const handoff = handoffSettings(config);
    // the web chat and the console's volunteer inbox: their pages fetch what is queued for them
    const pushChannels = new Set([WEB_CHANNEL, CONSOLE_CHANNEL]);
    // daily lessons need a channel that sends by itself: not one whose page must be open to fetch them
    const canPush = (channel: string) => channel !== WEB_CHANNEL && channel !== CONSOLE_CHANNEL && pushChannels.has(channel);
    const botLinks: PushLinks = {};
    const pushLinks = (): PushLinks => ({
      ...(botLinks.telegram && pushChannels.has('telegram') ? { telegram: botLinks.telegram } : {}),
      ...(botLinks.zalo && pushChannels.has('zalo') ? { zalo: botLinks.zalo } : {}),
    });
    const pictures = learnPictures(db, config.knowledgeDir, publicBase(config));
    const conversation = new Conversation({
      db,
      log,
      maxMessageChars: config.MAX_MESSAGE_CHARS,
      ...(config.MESSAGES_PER_USER_PER_MINUTE
        ? { rateLimit: { capacity: config.MESSAGES_PER_USER_PER_MINUTE, refillMs: 60_000 / config.MESSAGES_PER_USER_PER_MINUTE } }
        : { rateLimit: false as const }),
      features: [
        helpFeature(),
        learnFeature({ db, publicBase: publicBase(config), canPush, pushLinks }),
        handoffFeature({ db, settings: handoff, pushChannels, kick: () => pushSignal.kick() }),
        safetyFeature({ domains, scamSignals }),
        askFeature({ db, asker, pointers, ...(answerer ? { answerer } : {}) }),
      ],
    });
    const zaloOa =
      config.ZALO_OA_APP_ID && config.ZALO_OA_APP_SECRET
        ? new OaTokenStore({
            db,
            log,
            oauth: new OaOAuthClient({
              appId: config.ZALO_OA_APP_ID,
              appSecret: config.ZALO_OA_APP_SECRET,
              oauthBase: config.ZALO_OA_OAUTH_BASE,
            }),
            connectUrl: `${(config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '')}/console/zalo-oa`,
          })
        : undefined;
    return {
      config,
      log,
      db,
      abbreviations,
      domains,
      embedder,
      retriever,
      asker,
      conversation,
      pushSignal,
      handoff,
      ingestSummary,
      pushChannels,
      botLinks,
      pictures,
      routes: [
        (server) => registerLearnRoutes(server, { db, pictures }),
        (server) => registerConsole(server, { db, log, config, conversation, abbreviations, ...(zaloOa ? { zaloOa } : {}) }, CONSOLE_PAGES),
      ],
      ...(zaloOa ? { zaloOa } : {}),
      ...(answerer ? { answerer } : {}),
      answers: answerer ? `llm:${answerer.model}` : 'retrieval',
      close: async () => {
        if (!options.db) await db.close();
      },
    };
  } catch (err) {
    if (!options.db) await db.close();
    throw err;
  }
}

export function handoffSettings(config: Config): HandoffSettings {
  return {
    ...(config.VOLUNTEER_CHAT_ID ? { volunteerChatId: config.VOLUNTEER_CHAT_ID } : {}),
    notifyPrivately: config.VOLUNTEER_NOTIFY_PRIVATELY,
    dutyHours: config.VOLUNTEER_HOURS,
    reannounceMinutes: config.HANDOFF_REANNOUNCE_MINUTES,
    giveUpMinutes: config.HANDOFF_GIVE_UP_MINUTES,
    expectedMinutes: config.HANDOFF_EXPECTED_MINUTES,
  };
}

/** Where citizens reach this server (for verification links): PUBLIC_URL, else the local web chat. */
export function publicBase(config: Config): string {
  return (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');
}

/**
 * Generated answers when `OPENAI_MODEL` is set (with `OPENAI_API_KEY` and/or `OPENAI_BASE_URL`); the prompts are
 * read and checked now, so a broken prompt file stops start-up naming the file.
 */
async function createAnswerer(config: Config, db: Db, log: Logger, minConfidence: number): Promise<Answerer | undefined> {
  if (!config.OPENAI_MODEL) return undefined;
  const prompts = await loadPrompts(config.promptsDir);
  const model = new OpenAIChatModel({
    model: config.OPENAI_MODEL,
    ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
    ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
  });
  return new Answerer({ db, model, prompts, log, timeoutMs: config.LLM_TIMEOUT_MS, minConfidence });
}

async function createEmbedder(config: Config, abbreviations: Abbreviations): Promise<Embedder> {
  if (config.EMBEDDINGS === 'openai') {
    return OpenAIEmbedder.connect({
      ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
      ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
      model: config.OPENAI_EMBEDDING_MODEL,
    });
  }
  return new LocalHashEmbedder(abbreviations);
}
