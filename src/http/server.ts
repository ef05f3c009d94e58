import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../app.ts';
import { registerWebChat } from '../channels/web.ts';

/** Largest request body accepted (a chat message is at most a few KB; webhooks are small too). */
export const BODY_LIMIT = 256 * 1024;

/** The HTTP server: web chat, health. Channels with webhooks add their routes here. */
export async function createServer(app: App): Promise<FastifyInstance> {
  const server = Fastify({ bodyLimit: BODY_LIMIT, logger: false });
  server.setErrorHandler((err: { statusCode?: number; message: string }, _req, res) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) app.log.error({ err: err.message }, 'http request failed');
    return res.code(status).send({ error: status === 500 ? 'internal error' : err.message });
  });
  registerWebChat(server, app.conversation);
  server.get('/healthz', async () => {
    const [row] = await app.db.query<{ n: string }>('select count(*) as n from guides');
    return {
      ok: true,
      database: app.db.kind,
      vector: app.db.hasVector,
      guides: Number(row?.n ?? 0),
      embeddings: app.embedder.id,
      answers: 'retrieval',
    };
  });
  return server;
}
