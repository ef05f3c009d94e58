import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../text/html.ts';
import type { Queryable } from '../db/index.ts';
import { certificatePath, findCertificate, viDateOf } from './certificate.ts';
import { pictureType, type Pictures } from './pictures.ts';

/**
 * Learn's pages on the HTTP server: certificates and lesson pictures (`pictures`, the same function the Telegram
 * channel uploads from; Zalo is given their public URLs) and the page that verifies a certificate code.
 */
export function registerLearnRoutes(server: FastifyInstance, deps: { db: Queryable; pictures: Pictures }): void {
  const picture = (path: string) => async (req: FastifyRequest, res: FastifyReply) => {
    const params = req.params as Record<string, string>;
    const at = path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? '');
    const bytes = await deps.pictures(at);
    if (!bytes) return res.code(404).send({ error: 'no such picture' });
    return res.type(pictureType(at)).header('cache-control', 'public, max-age=86400').send(bytes);
  };
  server.get('/certificates/:file', picture('/certificates/:file'));
  server.get('/lesson-images/:course/:file', picture('/lesson-images/:course/:file'));
  server.get('/verify/:code', async (req, res) => {
    const cert = await findCertificate(deps.db, (req.params as { code: string }).code.slice(0, 32));
    res.type('text/html; charset=utf-8');
    if (!cert) return res.code(404).send(verifyPage('Không tìm thấy giấy chứng nhận với mã này. Bạn kiểm tra lại mã nhé.'));
    return verifyPage(
      `✅ Giấy chứng nhận <b>${escapeHtml(cert.code)}</b> là thật: <b>${escapeHtml(cert.displayName)}</b> đã hoàn thành khóa ` +
        `<b>${escapeHtml(cert.courseTitle)}</b> ngày ${viDateOf(cert.issuedAt)} với trợ lý Bình Dân.`,
      certificatePath(cert.code),
    );
  });
}

function verifyPage(message: string, image?: string): string {
  const picture = image ? `<img src="${image}" alt="Giấy chứng nhận" style="max-width:100%">` : '';
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Xác minh giấy chứng nhận — Bình Dân</title></head>
<body style="font:18px/1.5 system-ui,sans-serif;max-width:760px;margin:2em auto;padding:0 1em">
<h1 style="color:#b3261e">Xác minh giấy chứng nhận</h1><p>${message}</p>${picture}
</body></html>`;
}
