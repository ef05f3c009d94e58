import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { App } from '../app.ts';
import { publicBase } from '../app.ts';
import { escapeHtml } from '../channels/render.ts';
import { learnPictures, pictureType } from '../learn/pictures.ts';
import { registerWebChat } from '../channels/web.ts';
import { certificatePath, findCertificate, viDateOf } from '../learn/certificate.ts';
import { registerAdmin } from './admin.ts';

/** Largest request body accepted (a chat message is at most a few KB; webhooks are small too). */
export const BODY_LIMIT = 256 * 1024;

/** Idle keep-alive connections are closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5000;
/** Deadline of the `/healthz` database check. */
const HEALTH_QUERY_MS = 3000;

/** The HTTP server: web chat, health. Channels with webhooks add their routes here. */
export async function createServer(app: App): Promise<FastifyInstance> {
  const server = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: false,
    trustProxy: app.config.TRUST_PROXY,
    // A stalled request (slow client, or a handler waiting on something that hangs) is not kept open past
    // HTTP_REQUEST_TIMEOUT_MS: the whole request must arrive within it, and a socket silent that long is closed.
    requestTimeout: app.config.HTTP_REQUEST_TIMEOUT_MS,
    connectionTimeout: app.config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  });
  server.setErrorHandler((err: { statusCode?: number; message: string }, _req, res) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) app.log.error({ err: err.message }, 'http request failed');
    return res.code(status).send({ error: status === 500 ? 'internal error' : err.message });
  });
  await registerWebChat(server, app.conversation, app.db, app.config.WEB_REQUESTS_PER_MINUTE);
  const pictures = learnPictures(app.db, app.config.knowledgeDir, publicBase(app.config));
  const picture = (path: string) => async (req: FastifyRequest, res: FastifyReply) => {
    const params = req.params as Record<string, string>;
    const at = path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? '');
    const bytes = await pictures(at);
    if (!bytes) return res.code(404).send({ error: 'no such picture' });
    return res.type(pictureType(at)).header('cache-control', 'public, max-age=86400').send(bytes);
  };
  server.get('/certificates/:file', picture('/certificates/:file'));
  server.get('/lesson-images/:course/:file', picture('/lesson-images/:course/:file'));
  server.get('/verify/:code', async (req, res) => {
    const cert = await findCertificate(app.db, (req.params as { code: string }).code.slice(0, 32));
    res.type('text/html; charset=utf-8');
    if (!cert) return res.code(404).send(verifyPage('Không tìm thấy giấy chứng nhận với mã này. Bạn kiểm tra lại mã nhé.'));
    return verifyPage(
      `✅ Giấy chứng nhận <b>${escapeHtml(cert.code)}</b> là thật: <b>${escapeHtml(cert.displayName)}</b> đã hoàn thành khóa ` +
        `<b>${escapeHtml(cert.courseTitle)}</b> ngày ${viDateOf(cert.issuedAt)} với trợ lý Bình Dân.`,
      certificatePath(cert.code),
    );
  });
  // 200 with "database": "up" while the database answers; 503 with "database": "down" (and the last error) while not.
  server.get('/healthz', async (_req, res) => {
    const about = { store: app.db.kind, vector: app.db.hasVector, embeddings: app.embedder.id, answers: app.answers };
    let health = app.db.health();
    let guides = 0;
    if (health.up) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const [row] = await Promise.race([
          app.db.query<{ n: string }>('select count(*) as n from guides'),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_QUERY_MS / 1000} s`)), HEALTH_QUERY_MS);
          }),
        ]);
        guides = Number(row?.n ?? 0);
      } catch (err) {
        health = { ...app.db.health(), up: false, lastError: (err as Error).message };
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
    return { ok: true, database: 'up', ...about, guides };
  });
  registerAdmin(server, app.db, app.config.pgliteDir);
  return server;
}

function verifyPage(message: string, image?: string): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Xác minh giấy chứng nhận — Bình Dân</title></head><body style="font:18px/1.5 system-ui,sans-serif;max-width:760px;margin:2em auto;padding:0 1em">
<h1 style="color:#b3261e">Xác minh giấy chứng nhận</h1><p>${message}</p>${image ? `<img src="${image}" alt="Giấy chứng nhận" style="max-width:100%">` : ''}
</body></html>`;
}
