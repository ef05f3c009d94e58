import Fastify, { type FastifyInstance } from 'fastify';
import { registerWebChat } from '../channels/web.ts';
import type { Config } from '../config.ts';
import type { Conversation } from '../core/conversation.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { registerAdmin } from './admin.ts';

/** Routes a slice adds to the server (learn: certificates, lesson pictures, the verification page). */
export type RegisterRoutes = (server: FastifyInstance) => void;

/** What the HTTP server needs of the process. */
export interface ServerDeps {
  config: Pick<Config, 'TRUST_PROXY' | 'HTTP_REQUEST_TIMEOUT_MS' | 'WEB_REQUESTS_PER_MINUTE' | 'MAX_MESSAGE_CHARS' | 'pgliteDir'>;
  log: Logger;
  db: Db;
  /** The web chat's. */
  conversation: Conversation;
  /** What `/healthz` reports besides the database: the embedder, and how questions are answered. */
  embedder: { id: string };
  answers: string;
  routes: readonly RegisterRoutes[];
  /** The Zalo OA's state for /healthz (`off` without the channel). */
  zaloOa?: { state(): Promise<{ state: string }> };
}

/** Largest request body accepted (a chat message is at most a few KB; webhooks are small too). */
export const BODY_LIMIT = 256 * 1024;

/** Idle keep-alive connections are closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5000;
/** Deadline of the `/healthz` database check. */
const HEALTH_QUERY_MS = 3000;

/** The HTTP server: web chat, health, the slices' routes. Channels with webhooks add their routes here. */
export async function createServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, db, log } = deps;
  const server = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: false,
    trustProxy: config.TRUST_PROXY,
    // A stalled request (slow client, or a handler waiting on something that hangs) is not kept open past
    // HTTP_REQUEST_TIMEOUT_MS: the whole request must arrive within it, and a socket silent that long is closed.
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  });
  server.setErrorHandler((err: { statusCode?: number; message: string }, _req, res) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error({ err: err.message }, 'http request failed');
    return res.code(status).send({ error: status === 500 ? 'internal error' : err.message });
  });
  await registerWebChat(server, deps.conversation, db, {
    perMinute: config.WEB_REQUESTS_PER_MINUTE,
    maxChars: config.MAX_MESSAGE_CHARS,
  });
  for (const register of deps.routes) register(server);
  // 200 with "database": "up" while the database answers; 503 with "database": "down" (and the last error) while not.
  server.get('/healthz', async (_req, res) => {
    const about = { store: db.kind, vector: db.hasVector, embeddings: deps.embedder.id, answers: deps.answers };
    let health = db.health();
    let guides = 0;
    if (health.up) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const [row] = await Promise.race([
          db.query<{ n: string }>('select count(*) as n from guides'),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_QUERY_MS / 1000} s`)), HEALTH_QUERY_MS);
          }),
        ]);
        guides = Number(row?.n ?? 0);
      } catch (err) {
        health = { ...db.health(), up: false, lastError: (err as Error).message };
      } finally {
        clearTimeout(timer);
      }
    }
    if (!health.up) {
      return res.code(503).send({
        ok: false,
        database: 'down',
        ...about,
        since: health.since.toISOString(),
        ...(health.lastError ? { error: health.lastError } : {}),
      });
    }
    const zaloOa = deps.zaloOa ? (await deps.zaloOa.state()).state : 'off';
    return { ok: true, database: 'up', ...about, guides, zaloOa };
  });
  registerAdmin(server, db, config.pgliteDir);
  return server;
}
