import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '../helpers/wait.ts';

/**
 * A local fake of the Zalo Bot Platform API on loopback: `POST /bot<token>/<method>`, JSON, `{ok, result}` or
 * `{ok: false, error_code, description}`. getUpdates returns ONE update object, or error 408 when none came within
 * the timeout (capped at 1 s here). No buttons exist; sendMessage takes 1–2,000 characters; sendPhoto a public URL
 * and a caption of up to 2,000.
 */
export interface FakeZalo {
  base: string;
  token: string;
  calls: { method: string; body: Record<string, any> }[];
  sent(chatId?: string): { method: string; body: Record<string, any> }[];
  push(update: Record<string, any>): void;
  failNext(method: string, error: { error_code: number; description: string }, times?: number): void;
  waitFor(predicate: () => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeZalo(token = '1234567890:zalo-test-secret'): Promise<FakeZalo> {
  const calls: FakeZalo['calls'] = [];
  const queue: Record<string, any>[] = [];
  const failures = new Map<string, { error: { error_code: number; description: string }; times: number }>();
  const server: Server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const send = (body: unknown) =>
      !res.writableEnded && res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    if (!match || match[1] !== token) return send({ ok: false, error_code: 401, description: 'Unauthorized' });
    const method = match[2]!;
    const body = raw ? (JSON.parse(raw) as Record<string, any>) : {};
    const failure = failures.get(method);
    if (failure && failure.times > 0) {
      failure.times--;
      return send({ ok: false, ...failure.error });
    }
    if (method !== 'getUpdates') calls.push({ method, body });
    switch (method) {
      case 'getMe':
        return send({ ok: true, result: { id: '9001', account_name: 'Bot Bình Dân', account_type: 'BASIC', can_join_groups: true } });
      case 'getUpdates': {
        const next = () => queue.shift();
        const now = next();
        if (now) return send({ ok: true, result: now });
        const timer = setTimeout(
          () => {
            const later = next();
            send(later ? { ok: true, result: later } : { ok: false, error_code: 408, description: 'Request timeout' });
          },
          Math.min(Number(body.timeout ?? 30), 1) * 1000,
        );
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'sendMessage': {
        const text = String(body.text ?? '');
        if (text.length < 1 || text.length > 2000)
          return send({ ok: false, error_code: 400, description: 'text must be 1-2000 characters' });
        return send({ ok: true, result: { message_id: `m${calls.length}`, date: Date.now() } });
      }
      case 'sendPhoto': {
        if (!/^https?:\/\//.test(String(body.photo ?? '')))
          return send({ ok: false, error_code: 400, description: 'photo must be a public image URL' });
        if (String(body.caption ?? '').length > 2000)
          return send({ ok: false, error_code: 400, description: 'caption must be at most 2000 characters' });
        return send({ ok: true, result: { message_id: `m${calls.length}`, date: Date.now() } });
      }
      case 'setWebhook':
        if (!/^https:\/\//.test(body.url ?? '') || String(body.secret_token ?? '').length < 8 || String(body.secret_token).length > 256) {
          return send({ ok: false, error_code: 400, description: 'url must be https and secret_token 8-256 characters' });
        }
        return send({ ok: true, result: { url: body.url, updated_at: Date.now() } });
      case 'deleteWebhook':
        return send({ ok: true, result: { url: '', updated_at: Date.now() } });
      default:
        return send({ ok: true, result: true });
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    token,
    calls,
    sent: (chatId) =>
      calls.filter((c) => (c.method === 'sendMessage' || c.method === 'sendPhoto') && (chatId === undefined || c.body.chat_id === chatId)),
    push: (update) => void queue.push(update),
    failNext: (method, error, times = 1) => void failures.set(method, { error, times }),
    waitFor: (predicate, ms) => waitUntil(predicate, 'fake zalo', ms),
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

let counter = 0;
/** A `message.text.received` update as Zalo wraps it in webhooks. */
export function zaloText(text: string, userId = 'u100', extra: { chatType?: string; chatId?: string; messageId?: string } = {}) {
  return {
    ok: true,
    result: {
      event_name: 'message.text.received',
      message: {
        from: { id: userId, display_name: 'Bác Ba', is_bot: false },
        chat: { id: extra.chatId ?? userId, chat_type: extra.chatType ?? 'PRIVATE' },
        text,
        message_id: extra.messageId ?? `zm-${++counter}-${Date.now()}`,
        date: Date.now(),
      },
    },
  };
}
