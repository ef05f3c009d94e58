import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { firstRunToken, hashSecret } from '../src/console/accounts.ts';
import { closeConsoleApp, consoleApp, ConsoleClient, seedAccount } from './helpers/console.ts';

let app: App;
let server: FastifyInstance;
beforeAll(async () => ({ app, server } = await consoleApp()));
afterAll(() => closeConsoleApp({ app, server }));

describe('console access', () => {
  it('first run: the link printed at start creates the first operator once, then logs them in', async () => {
    // an assistant of its own: the other tests make operators, and the first run is for a console without one
    const own = await consoleApp();
    try {
      const token = (await firstRunToken(own.app.db))!;
      const browser = new ConsoleClient(own.server);
      const page = await browser.get(`/console/setup/${token}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Tạo tài khoản quản trị đầu tiên');
      const weak = await browser.post('/console/setup', { token, login: 'chi-mai', name: 'Chị Mai', password: 'ngan' });
      expect(weak.statusCode).toBe(400);
      expect(weak.body).toContain('ít nhất 10 ký tự');
      const done = await browser.post('/console/setup', { token, login: 'chi-mai', name: 'Chị Mai', password: 'mot-mat-khau-dai' });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe('/console');
      const cookie = [done.headers['set-cookie']].flat().find((c) => c!.startsWith('bd_console='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).not.toMatch(/Secure/i); // plain http on loopback
      expect((await browser.get('/console/accounts')).body).toContain('chi-mai');
      // the link worked once; no further first-run link while an operator exists
      expect((await new ConsoleClient(own.server).get(`/console/setup/${token}`)).statusCode).toBe(410);
      expect(await firstRunToken(own.app.db)).toBeUndefined();
    } finally {
      await closeConsoleApp(own);
    }
  });

  it('without a session: pages go to the login page (saying when the session expired), data gets 401', async () => {
    const browser = new ConsoleClient(server);
    for (const path of ['/console', '/console/accounts', '/console/audit', '/console/inbox']) {
      const res = await browser.get(path);
      expect(res.statusCode, path).toBe(303);
      expect(res.headers.location).toBe(`/console/login?next=${encodeURIComponent(path)}`);
    }
    expect((await browser.get('/console/accounts', { accept: 'application/json' })).statusCode).toBe(401);
    // every route the console registered, whoever may open it: nothing without a session
    const guarded = server.consoleRoutes.filter((r) => r.access !== 'public');
    expect(guarded.length).toBeGreaterThan(25);
    for (const r of guarded) {
      const url = r.url.replace(/:\w+/g, '1');
      if (r.method === 'GET') {
        const res = await browser.get(url);
        const data = /\.(json|csv)$/.test(r.url);
        expect(res.statusCode, `GET ${url}`).toBe(data ? 401 : 303);
        if (!data) expect(res.headers.location, `GET ${url}`).toBe(`/console/login?next=${encodeURIComponent(url)}`);
      } else {
        // a form without a session has no valid CSRF token either: refused before anything is read
        const res = await browser.post(url, {}, null);
        expect(res.statusCode, `${r.method} ${url}`).toBe(403);
      }
    }
    // a session that ran out
    const operator = await seedAccount(app.db, 'operator');
    await browser.login(operator.login, operator.password);
    await app.db.query(`update console_sessions set expires_at = now() - interval '1 minute' where account_id = $1`, [operator.id]);
    const expired = await browser.get('/console/accounts');
    expect(expired.headers.location).toContain('expired=1');
    expect((await browser.get(expired.headers.location as string)).body).toContain('Phiên làm việc đã hết hạn');
  });

  it('a volunteer on an operator page gets 403; an editor too', async () => {
    for (const role of ['volunteer', 'editor'] as const) {
      const who = await seedAccount(app.db, role);
      const browser = new ConsoleClient(server);
      const login = await browser.login(who.login, who.password);
      expect(login.statusCode).toBe(303);
      expect((await browser.get('/console/accounts')).statusCode).toBe(403);
      expect((await browser.get('/console/audit')).statusCode).toBe(403);
    }
  });

  it('a form POST without the CSRF token (or with another browser’s) is refused with 403', async () => {
    const operator = await seedAccount(app.db, 'operator');
    const browser = new ConsoleClient(server);
    await browser.login(operator.login, operator.password);
    await browser.get('/console/accounts');
    const before = (await app.db.query('select id from console_accounts')).length;
    expect((await browser.post('/console/accounts', { login: 'lan-tnv', name: 'Lan', role: 'volunteer' }, null)).statusCode).toBe(403);
    const other = new ConsoleClient(server);
    await other.get('/console/login');
    expect((await browser.post('/console/accounts', { login: 'lan-tnv', name: 'Lan', role: 'volunteer' }, other.csrf())).statusCode).toBe(
      403,
    );
    expect((await app.db.query('select id from console_accounts')).length).toBe(before);
    // the login form is protected too
    expect(
      (await new ConsoleClient(server).post('/console/login', { login: operator.login, password: operator.password }, null)).statusCode,
    ).toBe(403);
    // with its token the invite is made, audited, and the link shown once
    await browser.get('/console/accounts');
    const made = await browser.post('/console/accounts', { login: 'lan-tnv', name: 'Lan <b>', role: 'volunteer' });
    expect(made.statusCode).toBe(200);
    expect(made.body).toMatch(/\/console\/setup\/[\w-]+/);
    expect(made.body).toContain('Lan &lt;b&gt;');
    const [audited] = await app.db.query<{ action: string; login: string }>(
      `select action, login from console_audit order by id desc limit 1`,
    );
    expect(audited).toEqual({ action: 'account.invite', login: operator.login });
  });

  it('20 wrong passwords: 401s, then 429 and a logged lock; the right password is refused while locked', async () => {
    const operator = await seedAccount(app.db, 'operator');
    const browser = new ConsoleClient(server, '10.0.0.7');
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) codes.push((await browser.login(operator.login, `sai-mat-khau-${i}`)).statusCode);
    expect(codes.slice(0, 9).every((c) => c === 401)).toBe(true);
    expect(codes.slice(9).every((c) => c === 429)).toBe(true);
    expect(browser.lastBody).toContain('sai quá nhiều lần');
    expect((await browser.login(operator.login, operator.password)).statusCode).toBe(429);
    const locks = await app.db.query<{ detail: { login: string } }>(`select detail from console_audit where action = 'login.locked'`);
    expect(locks.some((l) => l.detail.login === operator.login)).toBe(true);
    // another address and the right password: still locked (per account); another account from here: fine
    expect((await new ConsoleClient(server, '10.0.0.8').login(operator.login, operator.password)).statusCode).toBe(429);
    const other = await seedAccount(app.db, 'editor');
    expect((await browser.login(other.login, other.password)).statusCode).toBe(303);
  });

  it('session fixation is impossible: a login always gets a new session id, the old one is dropped', async () => {
    const operator = await seedAccount(app.db, 'operator');
    const browser = new ConsoleClient(server);
    await browser.login(operator.login, operator.password);
    const first = browser.cookies.get('bd_console')!;
    // an attacker plants a cookie value before the victim logs in
    const planted = new ConsoleClient(server);
    planted.cookies.set('bd_console', first);
    await planted.login(operator.login, operator.password);
    const second = planted.cookies.get('bd_console')!;
    expect(second).not.toBe(first);
    const stored = await app.db.query<{ id_hash: string }>('select id_hash from console_sessions where account_id = $1', [operator.id]);
    expect(stored.map((s) => s.id_hash)).toEqual([hashSecret(second)]);
    expect((await browser.get('/console/accounts')).statusCode).toBe(303);
  });

  it('logout ends the session; a next path outside the console is never followed', async () => {
    const operator = await seedAccount(app.db, 'operator');
    const browser = new ConsoleClient(server);
    await browser.get('/console/login?next=https://evil.example/');
    const res = await browser.post('/console/login', { login: operator.login, password: operator.password, next: '//evil.example/' });
    expect(res.headers.location).toBe('/console');
    await browser.get('/console/accounts');
    expect((await browser.post('/console/logout', {})).headers.location).toBe('/console/login');
    expect((await browser.get('/console/accounts')).statusCode).toBe(303);
  });
});
