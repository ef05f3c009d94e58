import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { OaOAuthClient, OaOAuthError, OaTokenStore, REFRESH_LEASE_MS } from '../src/channels/zalo-oa/tokens.ts';
import { createLogger, silentLogger } from '../src/log.ts';
import { startFakeOaAuth, type FakeOaAuth } from './fakes/zalo-oa.ts';
import { memoryApp, serverAppFor, testConfig } from './helpers/app.ts';
import { pgAvailable } from './helpers/pg.ts';

const APP_ID = '4321098765432109876';
const SECRET = 'app-secret-test';
const HOUR = 3600_000;
/** Rounds of the refresh race on the server (OA_RACE_ROUNDS for a longer run). */
const ROUNDS = Number(process.env.OA_RACE_ROUNDS ?? 50);

/** A clock the test moves. */
const clock = (start = Date.now()) => {
  let at = start;
  return { now: () => new Date(at), move: (ms: number) => (at += ms) };
};

async function connect(store: OaTokenStore, auth: FakeOaAuth) {
  const url = await store.startAuthorisation({ redirectUri: 'https://bot.example.vn/zalo-oa/callback' });
  expect(url).toMatch(/\/v4\/oa\/permission\?app_id=\d+&redirect_uri=[^&]+&code_challenge=[\w-]{43}&state=[0-9a-f]{32}$/);
  await store.finishAuthorisation(new URL(url).searchParams.get('state')!, auth.approve(url));
}

describe('Zalo OA tokens on the embedded database', () => {
  let app: App;
  let auth: FakeOaAuth;
  beforeAll(async () => {
    app = await memoryApp();
    auth = await startFakeOaAuth(APP_ID, SECRET);
  });
  afterAll(async () => {
    await auth?.close();
    await app?.close();
  });

  it('connect → tokens stored; refreshed before expiry, once; a refused refresh says "authorise again", loudly', async () => {
    const t = clock();
    const lines: string[] = [];
    const log = createLogger('info', { write: (l: string) => void lines.push(l) });
    const oauth = new OaOAuthClient({ appId: APP_ID, appSecret: SECRET, oauthBase: auth.oauthBase });
    const store = new OaTokenStore({ db: app.db, oauth, log, now: t.now, connectUrl: 'https://bot.example.vn/zalo-oa/connect' });
    expect(await store.state()).toEqual({ state: 'off' });
    await expect(store.accessToken()).rejects.toThrow(/not connected/);

    await connect(store, auth);
    expect(await store.state()).toEqual({ state: 'connected' });
    const first = await store.accessToken();
    expect(first).toBe(auth.currentAccess());
    // a state used once cannot be used again
    await expect(store.finishAuthorisation('0'.repeat(32), 'code')).rejects.toThrow(/unknown or too old/);

    // 24 h later (the token lives 25 h, refreshed an hour before): one refresh, the new token
    t.move(24 * HOUR + 1000);
    const second = await store.accessToken();
    expect(second).not.toBe(first);
    expect(second).toBe(auth.currentAccess());
    expect(auth.refreshes).toBe(1);
    expect(await store.accessToken()).toBe(second);
    expect(auth.refreshes).toBe(1);

    // the OA unlinked: the refresh is refused → needs-authorisation, with the reason and the connect link in the log
    auth.revokeAll();
    t.move(24 * HOUR + 1000);
    await expect(store.accessToken()).rejects.toThrow(/authorised again/);
    expect(await store.state()).toMatchObject({
      state: 'needs-authorisation',
      problem: expect.stringMatching(/refused the refresh token/),
    });
    const error = lines.map((l) => JSON.parse(l) as { level: number; msg: string; connect?: string }).find((l) => l.level === 50)!;
    expect(error.msg).toMatch(/must be authorised again/);
    expect(error.connect).toBe('https://bot.example.vn/zalo-oa/connect');
    expect(lines.join('\n')).not.toMatch(/access-\d|refresh-\d|app-secret-test/); // tokens and the secret never logged

    // connecting again brings it back
    await connect(store, auth);
    expect(await store.state()).toEqual({ state: 'connected' });
    expect(await store.accessToken()).toBe(auth.currentAccess());
  });

  it('a process that died between the token call and storing the result: the next one says so clearly', async () => {
    const t = clock();
    const oauth = new OaOAuthClient({ appId: APP_ID, appSecret: SECRET, oauthBase: auth.oauthBase });
    const store = new OaTokenStore({ db: app.db, oauth, log: silentLogger, now: t.now });
    await connect(store, auth);
    // the dying process: took the lease, spent the refresh token at Zalo, and never stored the new pair
    const dying = new OaTokenStore({
      db: app.db,
      log: silentLogger,
      now: t.now,
      oauth: {
        permissionUrl: (o) => oauth.permissionUrl(o),
        exchange: () => Promise.reject(new Error('unused')),
        refresh: async (token) => {
          await oauth.refresh(token);
          throw new Error('killed');
        },
      },
    });
    t.move(24 * HOUR + 1000);
    await expect(dying.refresh()).rejects.toThrow('killed');
    // Zalo's refresh tokens are single-use: with the new pair lost, the OA needs a person — said at the next refresh
    t.move(REFRESH_LEASE_MS);
    await expect(store.accessToken()).rejects.toBeInstanceOf(OaOAuthError);
    expect((await store.state()).state).toBe('needs-authorisation');
  });
});

describe.skipIf(!(await pgAvailable()))('Zalo OA tokens on the PostgreSQL server', () => {
  const pg = serverAppFor({ beforeAll, afterAll });
  let other: App;
  let auth: FakeOaAuth;
  beforeAll(async () => {
    auth = await startFakeOaAuth(APP_ID, SECRET);
    // a second process on the same database (its own pool)
    other = await createApp(testConfig({ DATABASE_URL: pg.url }), silentLogger, { progress: () => {} });
  });
  afterAll(async () => {
    await other?.close();
    await auth?.close();
  });

  it(`two processes needing a fresh token at once: exactly one refresh, both get the new token, ${ROUNDS} times over`, async () => {
    const t = clock();
    const oauth = new OaOAuthClient({ appId: APP_ID, appSecret: SECRET, oauthBase: auth.oauthBase });
    const [a, b] = [pg.app, other].map((p) => new OaTokenStore({ db: p.db, oauth, log: silentLogger, now: t.now }));
    await connect(a!, auth);
    for (let round = 1; round <= ROUNDS; round++) {
      t.move(24 * HOUR + 1000);
      const [ta, tb] = await Promise.all([a!.accessToken(), b!.accessToken()]);
      expect(auth.refreshes, `round ${round}`).toBe(round);
      expect(ta).toBe(auth.currentAccess());
      expect(tb).toBe(ta);
    }
    expect((await a!.state()).state).toBe('connected');
  });
});
