import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Conversation } from '../core/conversation.ts';
import type { Reply } from '../core/message.ts';
import type { Db } from '../db/index.ts';
import { takeWebPushes } from '../push/outbox.ts';
import { htmlText } from './render.ts';
import { webHistory } from './web-history.ts';

/** The web chat: a page at `/` and a JSON endpoint. Users are identified by a random session id kept by the page. */
export const WEB_CHANNEL = 'web';
const PAGE = new URL('./web/index.html', import.meta.url);
const FAVICON = new URL('./web/favicon.svg', import.meta.url);
const SESSION = /^[A-Za-z0-9_-]{8,64}$/;
/**
 * The emoji font shipped with the page, for phones without one (every 📄🙋👍 an empty box otherwise): Noto Emoji, SIL
 * OFL 1.1, from @fontsource, split by Unicode range. Plain outlines (one colour), so that any browser draws them —
 * the colour font's COLRv1 glyphs are drawn blank by browsers without COLRv1 (Debian's chromium among them).
 */
const EMOJI_DIR = join(dirname(createRequire(import.meta.url).resolve('@fontsource/noto-emoji/package.json')), 'files');
const EMOJI_FILE = /^noto-emoji-(\d{1,2})-400-normal\.woff2?$/;

export interface WebReply {
  text: string;
  html: string;
  choices: { id: string; label: string }[];
  image?: { path: string; alt: string };
}

export function toWebReply(r: Reply): WebReply {
  const html = htmlText(r.text)
    .replace(/(https?:\/\/[^\s<]+[^\s<.,;:!?)])/g, '<a href="$1" target="_blank" rel="noopener noreferrer">$1</a>')
    .replace(/\n/g, '<br>');
  return { text: r.text, html, choices: r.choices ?? [], ...(r.image ? { image: r.image } : {}) };
}

/**
 * Registers the page and the JSON API. `perMinute` is how many chat requests one address may make per minute (several
 * people behind one NAT share it; behind a reverse proxy set TRUST_PROXY so the address is the client's); 0 = none.
 */
export async function registerWebChat(
  app: FastifyInstance,
  conversation: Conversation,
  db: Db,
  options: { perMinute?: number; maxChars?: number } = {},
): Promise<void> {
  const perMinute = options.perMinute ?? 120;
  // the page's text box takes the same limit (it learns it from /api/history), with a counter instead of cutting
  const maxChars = options.maxChars ?? 2000;
  // Per address, on top of the per-user budget of the conversation core (a client inventing sessions hits this one).
  // What the builder returns is thrown: the server's error handler answers {error: message} with its statusCode.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      message: `Bạn gửi nhanh quá, mình chưa kịp đọc hết. Bạn chờ khoảng ${Math.ceil(context.ttl / 1000)} giây rồi gửi lại nhé.`,
    }),
  });
  let page: Promise<string> | undefined;
  app.get('/', async (_req, res) => {
    page ??= readFile(PAGE, 'utf8');
    return res
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await page);
  });

  let favicon: Promise<Buffer> | undefined;
  app.get('/favicon.svg', async (_req, res) => {
    favicon ??= readFile(FAVICON);
    return res
      .type('image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .send(await favicon);
  });
  app.get('/favicon.ico', async (_req, res) => res.redirect('/favicon.svg', 301));

  // For phones without colour emoji: the page's font stack ends with it, and a browser fetches only the ranges it needs.
  let emojiCss: Promise<string> | undefined;
  app.get('/assets/emoji.css', async (_req, res) => {
    emojiCss ??= readFile(join(EMOJI_DIR, '../index.css'), 'utf8').then((css) =>
      css
        .replaceAll("font-family: 'Noto Emoji';", "font-family: 'Binh Dan Emoji';")
        .replaceAll('src: url(./files/', 'src: url(/assets/emoji/'),
    );
    return res
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(await emojiCss);
  });
  app.get('/assets/emoji/:file', async (req, res) => {
    const { file } = req.params as { file: string };
    if (!EMOJI_FILE.test(file)) return res.code(404).send({ error: 'not found' });
    const bytes = await readFile(join(EMOJI_DIR, file)).catch(() => undefined);
    if (!bytes) return res.code(404).send({ error: 'not found' });
    return res
      .type(file.endsWith('2') ? 'font/woff2' : 'font/woff')
      .header('cache-control', 'public, max-age=604800, immutable')
      .send(bytes);
  });

  // The conversation after a reload (cheap phones reload a page whenever the user switches apps): the last messages
  // of this session as stored (redacted), the buttons still pending, and the text box's limit.
  app.get('/api/history', { config: { rateLimit: perMinute ? { max: 4 * perMinute, timeWindow: 60_000 } : false } }, async (req, res) => {
    const { session } = req.query as { session?: unknown };
    if (typeof session !== 'string' || !SESSION.test(session))
      return res.code(400).send({ error: 'session must be 8–64 letters, digits, "-" or "_"' });
    const { messages, pending } = await webHistory(db, WEB_CHANNEL, session);
    const last = messages.at(-1);
    return {
      maxChars,
      messages: messages.map((m) => ({
        direction: m.direction,
        ...(m.direction === 'out'
          ? toWebReply({ text: m.text, ...(m === last && pending.length ? { choices: pending } : {}) })
          : { text: m.text }),
      })),
    };
  });

  // Messages the bot sends on its own (a volunteer's replies, notices): the page polls for them.
  app.get('/api/inbox', { config: { rateLimit: perMinute ? { max: 4 * perMinute, timeWindow: 60_000 } : false } }, async (req, res) => {
    const { session, after } = req.query as { session?: unknown; after?: unknown };
    if (typeof session !== 'string' || !SESSION.test(session))
      return res.code(400).send({ error: 'session must be 8–64 letters, digits, "-" or "_"' });
    const cursor = typeof after === 'string' && /^\d{1,15}$/.test(after) ? Number(after) : 0;
    const taken = await takeWebPushes(db, WEB_CHANNEL, session, cursor);
    return { replies: taken.replies.map(toWebReply), cursor: taken.cursor };
  });

  app.post('/api/chat', { config: { rateLimit: perMinute ? { max: perMinute, timeWindow: 60_000 } : false } }, async (req, res) => {
    const body = req.body as { session?: unknown; text?: unknown; choice?: unknown } | undefined;
    if (!body || typeof body !== 'object') return res.code(400).send({ error: 'expected a JSON object {session, text | choice}' });
    if (typeof body.session !== 'string' || !SESSION.test(body.session)) {
      return res.code(400).send({ error: 'session must be 8–64 letters, digits, "-" or "_"' });
    }
    const text = typeof body.text === 'string' ? body.text : undefined;
    const choice = typeof body.choice === 'string' && body.choice.length <= 64 ? body.choice : undefined;
    if (text === undefined && choice === undefined)
      return res.code(400).send({ error: 'send "text" (a string) or "choice" (a choice id)' });
    const replies = await conversation.handle({
      channel: WEB_CHANNEL,
      userId: body.session,
      kind: choice ? 'choice' : 'text',
      ...(text !== undefined ? { text } : {}),
      ...(choice ? { choice } : {}),
    });
    return { replies: replies.map(toWebReply) };
  });
}
