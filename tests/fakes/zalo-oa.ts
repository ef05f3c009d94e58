import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { oaMac } from '../../src/channels/zalo-oa/webhook.ts';

/**
 * The webhook side of a local fake of the Zalo Official Account API: deliveries built and signed the way Zalo signs
 * them (`X-ZEvent-Signature: mac=` SHA-256 of app_id + raw body + the body's timestamp + the OA secret key).
 */
export interface OaDelivery {
  rawBody: string;
  headers: Record<string, string>;
}

/** A user's event as Zalo delivers it (`timestamp` in milliseconds, as a string, as Zalo writes it). */
export function oaEvent(
  appId: string,
  name: string,
  userId: string,
  fields: { message?: Record<string, unknown>; at?: number; oaId?: string } = {},
): Record<string, unknown> {
  const echo = name.startsWith('oa_send_');
  const oa = { id: fields.oaId ?? '579745863508352884' };
  const user = { id: userId };
  return {
    app_id: appId,
    user_id_by_app: `app-${userId}`,
    event_name: name,
    sender: echo ? oa : user,
    recipient: echo ? user : oa,
    ...(fields.message ? { message: fields.message } : {}),
    timestamp: String(fields.at ?? Date.now()),
  };
}

/** Signs `body` as Zalo would (the raw text is exactly what is sent). */
export function signedDelivery(body: Record<string, unknown>, secretKey: string, raw = JSON.stringify(body)): OaDelivery {
  const mac = oaMac(String(body.app_id), raw, String(body.timestamp), secretKey);
  return { rawBody: raw, headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${mac}` } };
}

/** A consultation message the fake received, as sent. */
export interface OaSent {
  userId: string;
  message: { text: string; attachment?: { type: string; payload: { buttons: { title: string; type: string; payload: string }[] } } };
}

export interface FakeOa {
  apiBase: string;
  /** The access token the fake accepts now (a fixed one, or the fake OAuth's current one). */
  accessToken: string;
  sent: OaSent[];
  /** Users a send was refused for with -230 (outside the interaction window), one entry per refusal. */
  outside: string[];
  /** Texts sent to a user, in order. */
  to(userId: string): OaSent[];
  /** The next `times` sends fail with this OA error code (e.g. -230: no interaction for 7 days, -32: rate limit). */
  failNext(error: number, message: string, times?: number): void;
  close(): Promise<void>;
}

/**
 * The sending side of the fake OA Open API on loopback: `POST /v3.0/oa/message/cs` with the `access_token` header,
 * answering `{error: 0, message: "Success", data: {message_id, user_id, quota}}` like the real one, or a non-zero
 * `error` (a wrong token: -216; scripted failures with `failNext`).
 */
export async function startFakeOa(
  accepts: string | (() => string | undefined) = 'oa-access-token-test',
  /** Zalo's interaction window: a user whose last message is older than `days` (7) is refused with -230. */
  window?: { lastInteraction: (userId: string) => number | undefined; now: () => number; days?: number },
): Promise<FakeOa> {
  const current = () => (typeof accepts === 'function' ? accepts() : accepts);
  const sent: OaSent[] = [];
  const outside: string[] = [];
  const failures: { error: number; message: string }[] = [];
  let next = 1;
  const { server, base } = await jsonServer((req, raw, answer) => {
    if (req.method !== 'POST' || req.url !== '/v3.0/oa/message/cs') return answer({ error: -201, message: 'unknown endpoint' });
    if (!req.headers.access_token || req.headers.access_token !== current())
      return answer({ error: -216, message: 'Access token is invalid' });
    const failure = failures.shift();
    if (failure) return answer(failure);
    const body = JSON.parse(raw) as { recipient: { user_id: string }; message: OaSent['message'] };
    const last = window?.lastInteraction(body.recipient.user_id);
    if (window && (last === undefined || window.now() - last > (window.days ?? 7) * 86_400_000)) {
      outside.push(body.recipient.user_id);
      return answer({ error: -230, message: 'User has not interacted with the OA in the past 7 days' });
    }
    if (!body.message?.text || body.message.text.length > 2000) return answer({ error: -201, message: 'text is invalid' });
    sent.push({ userId: body.recipient.user_id, message: body.message });
    answer({
      error: 0,
      message: 'Success',
      data: { message_id: `oa-msg-${next++}`, user_id: body.recipient.user_id, quota: { quota_type: 'reply', remain: 7, total: 8 } },
    });
  });
  return {
    apiBase: base,
    outside,
    get accessToken() {
      return current() ?? '';
    },
    sent,
    to: (userId) => sent.filter((s) => s.userId === userId),
    failNext: (error, message, times = 1) => {
      for (let i = 0; i < times; i++) failures.push({ error, message });
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

export interface FakeOaAuth {
  oauthBase: string;
  /** The refresh calls answered (each spends a refresh token). */
  refreshes: number;
  /** As if the operator approved on Zalo's permission page `url`: the code the callback brings back. */
  approve(url: string): string;
  /** The access token now valid (issuing a new one ends the old one, as Zalo does). */
  currentAccess(): string | undefined;
  /** Every refresh token ends (the OA was unlinked, or three months passed). */
  revokeAll(): void;
  close(): Promise<void>;
}

/**
 * The OAuth side of the fake: `POST /v4/oa/access_token` (form body, `secret_key` header = the App Secret) with
 * `authorization_code` (a code from {@link FakeOaAuth.approve}, used once, checked against its PKCE S256 challenge)
 * or `refresh_token` (single-use: spent by its first use, like Zalo's). Errors come back as
 * `{error, error_name, error_description}`.
 */
export async function startFakeOaAuth(appId: string, appSecret: string): Promise<FakeOaAuth> {
  const codes = new Map<string, string>(); // code → challenge
  const live = new Set<string>(); // refresh tokens not spent
  let access: string | undefined;
  let n = 0;
  const fake = { refreshes: 0 } as FakeOaAuth;
  const issue = () => {
    const pair = { access_token: `access-${++n}-${randomUUID()}`, refresh_token: `refresh-${n}-${randomUUID()}`, expires_in: '90000' };
    access = pair.access_token;
    live.add(pair.refresh_token);
    return pair;
  };
  const { server, base } = await jsonServer((req, raw, answer) => {
    const refuse = (error: number, description: string) =>
      answer({ error, error_name: 'Invalid parameter', error_description: description });
    if (req.url !== '/v4/oa/access_token' || req.headers.secret_key !== appSecret) return refuse(-14002, 'invalid app secret');
    const f = new URLSearchParams(raw);
    if (f.get('app_id') !== appId) return refuse(-14001, 'invalid app id');
    if (f.get('grant_type') === 'authorization_code') {
      const challenge = codes.get(f.get('code') ?? '');
      codes.delete(f.get('code') ?? '');
      const verifier = f.get('code_verifier') ?? '';
      if (!challenge || createHash('sha256').update(verifier).digest('base64url') !== challenge)
        return refuse(-14019, 'invalid code or code verifier');
      return answer(issue());
    }
    if (f.get('grant_type') === 'refresh_token') {
      const token = f.get('refresh_token') ?? '';
      if (!live.delete(token)) return refuse(-14014, 'invalid refresh token');
      fake.refreshes++;
      return answer(issue());
    }
    return refuse(-14003, 'invalid grant type');
  });
  return Object.assign(fake, {
    oauthBase: base,
    approve: (url: string) => {
      const challenge = new URL(url).searchParams.get('code_challenge')!;
      const code = `code-${randomUUID()}`;
      codes.set(code, challenge);
      return code;
    },
    currentAccess: () => access,
    revokeAll: () => live.clear(),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  });
}

/** A loopback HTTP server answering every request with the JSON its handler gives (HTTP 200, as Zalo answers errors too). */
async function jsonServer(
  handle: (req: IncomingMessage, raw: string, answer: (body: Record<string, unknown>) => void) => void,
): Promise<{ server: Server; base: string }> {
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () =>
      handle(req, raw, (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      }),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
