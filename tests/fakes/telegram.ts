import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '../helpers/wait.ts';

/**
 * A local fake of the Telegram Bot API on loopback: `POST /bot<token>/<method>` with JSON or form bodies, answers
 * `{ok, result}` or `{ok: false, error_code, description, parameters?}` like the real one. Long polling holds
 * `getUpdates` until an update is queued or the timeout passes. Scripted failures: `failNext(method, error)`.
 */
export interface SentCall {
  method: string;
  body: Record<string, any>;
  /** false for calls the fake failed on purpose (failNext) or refused (a Bad Request, as the real API would). */
  ok: boolean;
}

export interface FakeTelegram {
  apiRoot: string;
  token: string;
  calls: SentCall[];
  sent(method?: string): SentCall[];
  /** Queues an update for getUpdates (assigns update_id if missing) and returns it. */
  push(update: Record<string, any>): Record<string, any>;
  failNext(method: string, error: { error_code: number; description: string; retry_after?: number }, times?: number): void;
  waitFor(predicate: () => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export const BOT = { id: 7000001, is_bot: true, first_name: 'Bình Dân', username: 'BinhDanTestBot' };

export async function startFakeTelegram(token = '123456:TEST-token'): Promise<FakeTelegram> {
  const calls: SentCall[] = [];
  const queue: Record<string, any>[] = [];
  const waiting: (() => void)[] = [];
  const failures = new Map<string, { error: { error_code: number; description: string; retry_after?: number }; times: number }>();
  let nextUpdateId = 1000;
  let nextMessageId = 1;
  /** The Message object the Bot API returns for a send to `body.chat_id`. */
  const sentMessage = (body: Record<string, any>, content: Record<string, unknown>) => ({
    message_id: nextMessageId++,
    date: Math.floor(Date.now() / 1000),
    chat: { id: Number(body.chat_id), type: 'private' },
    ...content,
  });

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    const match = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
    let call: SentCall | undefined;
    const reply = (status: number, body: unknown) => {
      if (res.writableEnded) return;
      if (call && status !== 200) call.ok = false;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!match || match[1] !== token) return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = match[2]!;
    let body: Record<string, any>;
    try {
      const type = req.headers['content-type'] ?? '';
      body = !raw
        ? {}
        : type.includes('json')
          ? JSON.parse(raw)
          : type.includes('multipart/form-data')
            ? multipart(bytes, type)
            : Object.fromEntries(new URLSearchParams(raw));
    } catch {
      return reply(400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
    }
    const failure = failures.get(method);
    const failing = !!failure && failure.times > 0;
    if (method !== 'getUpdates') calls.push((call = { method, body, ok: !failing }));
    if (failure && failing) {
      failure.times--;
      const { retry_after, ...rest } = failure.error;
      return reply(failure.error.error_code, { ok: false, ...rest, ...(retry_after !== undefined ? { parameters: { retry_after } } : {}) });
    }
    switch (method) {
      case 'getMe':
        return reply(200, {
          ok: true,
          result: { ...BOT, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false },
        });
      case 'getUpdates': {
        const offset = Number(body.offset ?? 0);
        const take = () => queue.filter((u) => u.update_id >= offset);
        if (take().length) return reply(200, { ok: true, result: take() });
        const timeout = Math.min(Number(body.timeout ?? 0), 2) * 1000;
        const timer = setTimeout(() => reply(200, { ok: true, result: take() }), timeout);
        waiting.push(() => {
          clearTimeout(timer);
          reply(200, { ok: true, result: take() });
        });
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'sendMessage':
        if (typeof body.text !== 'string' || body.text.length === 0)
          return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
        if (visibleLength(body.text, body.parse_mode) > 4096)
          return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
        return reply(200, { ok: true, result: sentMessage(body, { text: body.text }) });
      case 'sendPhoto':
        if (!body.photo) return reply(400, { ok: false, error_code: 400, description: 'Bad Request: there is no photo in the request' });
        if (typeof body.caption === 'string' && visibleLength(body.caption, body.parse_mode) > 1024)
          return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message caption is too long' });
        return reply(200, { ok: true, result: sentMessage(body, { photo: [] }) });
      case 'setMyCommands': {
        // the Bot API's rules for a command menu
        const bad = (what: string) => reply(400, { ok: false, error_code: 400, description: `Bad Request: ${what}` });
        const commands = body.commands as { command?: unknown; description?: unknown }[] | undefined;
        if (!Array.isArray(commands) || commands.length > 100) return bad('BOT_COMMANDS_TOO_MUCH');
        for (const c of commands) {
          if (typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command)) return bad('BOT_COMMAND_INVALID');
          const description = typeof c.description === 'string' ? c.description.trim() : '';
          if (!description || description.length > 256) return bad('BOT_COMMAND_DESCRIPTION_INVALID');
        }
        return reply(200, { ok: true, result: true });
      }
      default:
        return reply(200, { ok: true, result: true });
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    calls,
    sent: (method = 'sendMessage') => calls.filter((c) => c.method === method && c.ok),
    push(update) {
      const u = { update_id: nextUpdateId++, ...update };
      queue.push(u);
      waiting.splice(0).forEach((wake) => wake());
      return u;
    },
    failNext(method, error, times = 1) {
      failures.set(method, { error, times });
    },
    waitFor: (predicate, ms) => waitUntil(predicate, 'fake telegram', ms),
    close: () =>
      new Promise((ok) => {
        waiting.splice(0).forEach((wake) => wake());
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * A `multipart/form-data` body (how grammY uploads files) as fields: text fields as strings (`reply_markup` parsed), a
 * file as `{ filename, bytes }`. Files are attached by `attach://<name>` references, as the Bot API does.
 */
function multipart(bytes: Buffer, contentType: string): Record<string, any> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const delimiter = `--${boundary?.[1] ?? boundary?.[2]}`;
  const fields: Record<string, any> = {};
  for (const part of bytes.toString('latin1').split(delimiter).slice(1, -1)) {
    const [head, ...rest] = part.replace(/^\r\n/, '').split('\r\n\r\n');
    const value = rest.join('\r\n\r\n').replace(/\r\n$/, '');
    const name = /name="([^"]+)"/.exec(head!)?.[1];
    const filename = /filename="?([^";\r\n]*)"?/.exec(head!)?.[1]; // grammY writes it unquoted
    if (!name) continue;
    fields[name] =
      filename !== undefined ? { filename, bytes: Buffer.from(value, 'latin1').length } : Buffer.from(value, 'latin1').toString('utf8');
  }
  for (const [k, v] of Object.entries(fields)) {
    const attached = typeof v === 'string' && /^attach:\/\/(.+)$/.exec(v);
    if (attached) fields[k] = fields[attached[1]!];
    if (k === 'reply_markup' && typeof v === 'string') fields[k] = JSON.parse(v);
  }
  return fields;
}

/** A Telegram private text message update from a user. */
export function textUpdate(text: string, from = 42, extra: Record<string, any> = {}): Record<string, any> {
  return {
    message: {
      message_id: Math.floor(Math.random() * 1e6),
      date: Math.floor(Date.now() / 1000),
      chat: { id: from, type: 'private', first_name: 'Bà', last_name: 'Tư' },
      from: { id: from, is_bot: false, first_name: 'Bà', last_name: 'Tư', language_code: 'vi' },
      text,
      ...extra,
    },
  };
}

/**
 * A button press as Telegram sends it: a `callback_query` from user `from` on a message in `chat` (the user's private
 * chat unless given; a negative id is a group).
 */
export function callbackUpdate(
  data: string,
  from = 42,
  options: { chat?: number; id?: string; firstName?: string } = {},
): Record<string, any> {
  const chat = options.chat ?? from;
  return {
    callback_query: {
      id: options.id ?? `cb-${Math.random()}`,
      chat_instance: 'x',
      data,
      from: { id: from, is_bot: false, first_name: options.firstName ?? 'Ông' },
      message: {
        message_id: 1,
        date: 0,
        chat: { id: chat, type: chat < 0 ? 'supergroup' : 'private', ...(chat < 0 ? { title: 'Tình nguyện viên' } : {}) },
      },
    },
  };
}

/** Length Telegram checks: the text after entity parsing (tags removed, HTML entities decoded). */
export function visibleLength(text: string, parseMode?: string): number {
  if (parseMode !== 'HTML') return text.length;
  return text.replace(/<[^>]+>/g, '').replace(/&(lt|gt|amp|quot|#\d+);/g, 'x').length;
}
