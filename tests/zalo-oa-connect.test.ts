import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { OA_WEBHOOK_PATH } from '../src/channels/zalo-oa/channel.ts';
import { createAccount, startSession, useSetupToken } from '../src/console/accounts.ts';
import { serve, type Serving } from '../src/serve.ts';
import { oaEvent, signedDelivery, startFakeOa, startFakeOaAuth, type FakeOa, type FakeOaAuth } from './fakes/zalo-oa.ts';
import { memoryApp } from './helpers/app.ts';
import { waitUntil } from './helpers/wait.ts';

/**
 * The OA as `npm start` runs it (serve: webhook, OAuth callback, background jobs) against the fake OA API and OAuth:
 * off until an operator connects it from the console, then a citizen's message is answered with the stored token.
 */
const APP_ID = '4321098765432109876';
const SECRET = 'app-secret-test';
const KEY = 'oa-secret-key-test';

let app: App;
let serving: Serving;
let auth: FakeOaAuth;
let api: FakeOa;
beforeAll(async () => {
  auth = await startFakeOaAuth(APP_ID, SECRET);
  api = await startFakeOa(() => auth.currentAccess());
  app = await memoryApp({
    PUBLIC_URL: 'https://bot.example.vn',
    ZALO_OA_APP_ID: APP_ID,
    ZALO_OA_APP_SECRET: SECRET,
    ZALO_OA_SECRET_KEY: KEY,
    ZALO_OA_API_BASE: api.apiBase,
    ZALO_OA_OAUTH_BASE: auth.oauthBase,
  });
  serving = await serve(app, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await serving?.stop();
  await app?.close();
  await api?.close();
  await auth?.close();
});

/** A logged-in operator's browser over fetch: keeps cookies, reads the page's CSRF token. */
async function operator() {
  const { account, token } = await createAccount(app.db, { login: `op-${Date.now()}`, name: 'Mai', role: 'operator' });
  await useSetupToken(app.db, token, { password: 'mot-mat-khau-that-dai', login: account.login, name: 'Mai' });
  const cookies = new Map([['bd_console', await startSession(app.db, account.id)]]);
  const request = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${serving.address}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
  return request;
}

describe('the Zalo OA connected from the console', () => {
  it('off until connected; the console connects it (PKCE); /healthz says so; a citizen is answered with the stored token', async () => {
    const health = async () => ((await (await fetch(`${serving.address}/healthz`)).json()) as { zaloOa: string }).zaloOa;
    expect(await health()).toBe('off');
    expect(app.pushChannels.has('zalo-oa')).toBe(false);

    const browser = await operator();
    const page = await browser('/console/zalo-oa');
    const body = await page.text();
    expect(page.status).toBe(200);
    expect(body).toContain('https://bot.example.vn/zalo-oa/webhook');
    expect(body).toContain('https://bot.example.vn/zalo-oa/callback');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(body)![1]!;
    const start = await browser('/console/zalo-oa/connect', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(start.status).toBe(303);
    const permission = start.headers.get('location')!;
    expect(permission.startsWith(`${auth.oauthBase}/v4/oa/permission?app_id=${APP_ID}`)).toBe(true);
    expect(new URL(permission).searchParams.get('redirect_uri')).toBe('https://bot.example.vn/zalo-oa/callback');

    // the operator approves on Zalo; Zalo sends the browser back to the callback with the code and state
    const code = auth.approve(permission);
    const state = new URL(permission).searchParams.get('state')!;
    const back = await fetch(`${serving.address}/zalo-oa/callback?code=${code}&state=${state}`, { redirect: 'manual' });
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/console/zalo-oa');
    expect(await health()).toBe('connected');
    expect(app.pushChannels.has('zalo-oa')).toBe(true);
    // a second use of the same callback does nothing
    expect((await fetch(`${serving.address}/zalo-oa/callback?code=${code}&state=${state}`, { redirect: 'manual' })).status).toBe(400);

    // a citizen writes to the OA: answered through the fake API with the token the OAuth fake issued
    const user = '8426009';
    const delivery = signedDelivery(
      oaEvent(APP_ID, 'user_send_text', user, { message: { msg_id: 'c-1', text: 'quen mat khau vneid' } }),
      KEY,
    );
    expect(
      (await fetch(`${serving.address}${OA_WEBHOOK_PATH}`, { method: 'POST', headers: delivery.headers, body: delivery.rawBody })).status,
    ).toBe(200);
    await waitUntil(() => api.to(user).some((s) => s.message.text.includes('Quên mật khẩu')), 'the answer on the OA', 30_000);
    const [audited] = await app.db.query<{ n: number }>(`select count(*)::int as n from console_audit where action = 'zalo-oa.connect'`);
    expect(audited!.n).toBe(1);
  });
});
