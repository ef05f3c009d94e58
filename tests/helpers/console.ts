import type { FastifyInstance } from 'fastify';
import type { App } from '../../src/app.ts';
import { createServer } from '../../src/http/server.ts';
import { memoryApp } from './app.ts';
import { createAccount, useSetupToken, type Account, type Role } from '../../src/console/accounts.ts';
import type { Db } from '../../src/db/index.ts';

/**
 * A browser for the console over `server.inject` (real routes, real hooks, no sockets): keeps cookies, reads the
 * CSRF token of the last page's form, posts forms.
 */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  lastBody = '';
  constructor(
    private readonly server: FastifyInstance,
    private readonly ip = '127.0.0.1',
  ) {}

  private remember(setCookie: string | string[] | undefined) {
    for (const line of [setCookie ?? []].flat()) {
      const [pair = '', ...attrs] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attrs.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim())) || attrs.some((a) => /^max-age=0$/i.test(a.trim()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}) {
    const res = await this.server.inject({
      method: 'GET',
      url,
      remoteAddress: this.ip,
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.remember(res.headers['set-cookie']);
    this.lastBody = res.body;
    return res;
  }

  /** The CSRF token of the last page's forms. */
  csrf(): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(this.lastBody);
    if (!m) throw new Error('the last page has no form with a CSRF token');
    return m[1]!;
  }

  /** Posts a form; `_csrf` is the last page's token unless given (`null`: none). */
  async post(url: string, fields: Record<string, string>, csrf: string | null | undefined = undefined) {
    const token = csrf === undefined ? this.csrf() : csrf;
    const body = new URLSearchParams({ ...fields, ...(token !== null ? { _csrf: token } : {}) }).toString();
    const res = await this.server.inject({
      method: 'POST',
      url,
      remoteAddress: this.ip,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    });
    this.remember(res.headers['set-cookie']);
    this.lastBody = res.body;
    return res;
  }

  /** Logs in through the login page. */
  async login(login: string, password: string) {
    await this.get('/console/login');
    return this.post('/console/login', { login, password });
  }
}

let seeded = 0;
/** An account with a password set, as if its setup link had been followed. */
export async function seedAccount(db: Db, role: Role, name = `${role} ${++seeded}`): Promise<Account & { password: string }> {
  const login = `${role}-${Date.now().toString(36)}-${++seeded}`;
  const password = `mat-khau-rat-dai-${seeded}`;
  const { token } = await createAccount(db, { login, name, role });
  const account = await useSetupToken(db, token, { password });
  return { ...account, password };
}

/** The real app in memory with its HTTP server (not listening: requests go through `server.inject`). */
export async function consoleApp(): Promise<{ app: App; server: FastifyInstance }> {
  const app = await memoryApp();
  return { app, server: await createServer(app) };
}

/** Closes what {@link consoleApp} opened (either may be missing when its start failed). */
export async function closeConsoleApp(opened: { app?: App; server?: FastifyInstance }): Promise<void> {
  await opened.server?.close();
  await opened.app?.close();
}
