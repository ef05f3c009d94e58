import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { Conversation } from '../core/conversation.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { Abbreviations } from '../text/abbreviations.ts';
import { sessionAccount, type Account, type Role } from './accounts.ts';
import { registerAccessRoutes } from './access.ts';
import type { Html } from './html.ts';
import type { OaConnector } from './zalo-oa.ts';
import { html } from './html.ts';
import { homeOf, page } from './layout.ts';

/**
 * The web console at `/console`, served by the assistant itself (so it works on the embedded database): server-rendered
 * pages for operators, editors and volunteers. Every route declares who may open it (`config.console`); a request
 * without a live session gets the login page (or 401 for data), a role that may not gets 403, and every POST must
 * carry the CSRF token of its form.
 */

/** What the console's pages need of the process. */
export interface ConsoleDeps {
  db: Db;
  log: Logger;
  config: Pick<
    Config,
    'PUBLIC_URL' | 'PORT' | 'TRUST_PROXY' | 'GUIDE_STALE_DAYS' | 'RETENTION_DAYS' | 'VOLUNTEER_HOURS' | 'ZALO_OA_APP_ID'
  >;
  /** The Zalo OA's token store, when the OA channel is configured (the connect page). */
  zaloOa?: OaConnector;
  /** The conversation core: the volunteer inbox acts through it, the same path as the chat commands. */
  conversation: Conversation;
  /** The abbreviations retrieval expands (the worklist groups questions with the retrieval's own terms). */
  abbreviations?: Abbreviations;
  /** The clock (tests set it). */
  now?: () => Date;
}

/** Who may open a route: roles, or `public` (login, setup, the chart script). */
export type Access = readonly Role[] | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    console?: Access;
  }
  interface FastifyRequest {
    /** The logged-in account (set on every non-public console route). */
    account?: Account;
  }
  interface FastifyInstance {
    /** Every console route and who may open it, as registered (the security tests walk them all). */
    consoleRoutes: ConsoleRoute[];
  }
}

export interface ConsoleRoute {
  method: string;
  /** With the prefix, e.g. `/console/inbox/act`; parameters as `:name`. */
  url: string;
  access: Access;
}

/** A slice of the console: registers its routes on the console's scope. */
export type ConsolePages = (scope: FastifyInstance, deps: ConsoleDeps) => void;

export const SESSION_COOKIE = 'bd_console';

/** Whether the browser reached us over https (directly, or through a trusted proxy), or PUBLIC_URL is https. */
export const overHttps = (req: FastifyRequest, deps: ConsoleDeps) =>
  req.protocol === 'https' || (deps.config.PUBLIC_URL?.startsWith('https://') ?? false);

/** Cookie options of the console: HttpOnly, SameSite=Lax, Secure behind https, only under /console. */
export const cookieOptions = (req: FastifyRequest, deps: ConsoleDeps) =>
  ({ path: '/console', httpOnly: true, sameSite: 'lax', secure: overHttps(req, deps) }) as const;

/** A request for data (JSON, CSV) rather than a page: answered 401/403 instead of a login page. */
const wantsData = (req: FastifyRequest) =>
  /\.(json|csv)$/.test(req.url.split('?')[0]!) || req.url.startsWith('/console/api/') || req.headers.accept === 'application/json';

/**
 * Sends a console page for the logged-in account, with its menu and the CSRF token forms need.
 * @example return view(req, res, { title: 'Tổng quan', path: '/console', body: html`<p>…</p>` });
 */
export function view(
  req: FastifyRequest,
  res: FastifyReply,
  input: { title: string; body: Html | ((csrf: string) => Html); path?: string; status?: number; head?: Html },
) {
  const csrf = res.generateCsrf();
  const body = typeof input.body === 'function' ? input.body(csrf) : input.body;
  return res
    .code(input.status ?? 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      page({
        title: input.title,
        body,
        path: input.path,
        csrf,
        ...(req.account ? { account: req.account } : {}),
        ...(input.head ? { head: input.head } : {}),
      }),
    );
}

/** A short page with one message (errors, "forbidden"), for anyone. */
export function message(req: FastifyRequest, res: FastifyReply, status: number, title: string, text: Html | string) {
  return view(req, res, { status, title, body: html`<div class="card">${text}</div>` });
}

/**
 * Adds the console to `server`: cookies, form bodies and CSRF inside the `/console` scope only (the web chat and the
 * webhooks are untouched), the access check, the login/setup/accounts/audit pages, and `pages` (the other slices).
 */
export function registerConsole(server: FastifyInstance, deps: ConsoleDeps, pages: readonly ConsolePages[] = []): void {
  const routes: ConsoleRoute[] = [];
  server.decorate('consoleRoutes', routes);
  server.register(
    async (scope) => {
      await scope.register(fastifyCookie);
      await scope.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
      await scope.register(fastifyCsrf, {
        sessionPlugin: '@fastify/cookie',
        cookieKey: 'bd_csrf',
        cookieOpts: { path: '/console', httpOnly: true, sameSite: 'lax' },
      });
      const now = deps.now ?? (() => new Date());

      scope.addHook('onRoute', (route) => {
        const access = route.config?.console;
        if (access === undefined) throw new Error(`console route ${route.method} ${route.url} must say who may open it (config.console)`);
        for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, access });
        // every form POST carries the token of the page it came from (checked once the form body is parsed)
        if (route.method === 'POST' || (Array.isArray(route.method) && route.method.includes('POST'))) {
          const before = route.preValidation ? [route.preValidation].flat() : [];
          route.preValidation = [...before, scope.csrfProtection];
        }
      });

      scope.addHook('preHandler', async (req, res) => {
        const access = req.routeOptions.config.console;
        if (access === 'public' || access === undefined) return;
        const cookie = req.cookies[SESSION_COOKIE];
        const found = cookie ? await sessionAccount(deps.db, cookie, now()) : { expired: false };
        if (!('account' in found)) {
          if (cookie) res.clearCookie(SESSION_COOKIE, { path: '/console' });
          if (wantsData(req)) return res.code(401).send({ error: found.expired ? 'session expired: log in again' : 'log in first' });
          const next = encodeURIComponent(req.url);
          return res.redirect(`/console/login?next=${next}${found.expired ? '&expired=1' : ''}`, 303);
        }
        req.account = found.account;
        if (!access.includes(found.account.role)) {
          if (wantsData(req)) return res.code(403).send({ error: `this needs the role ${access.join(' or ')}` });
          return message(
            req,
            res,
            403,
            'Không có quyền',
            html`Trang này dành cho ${access.join(', ')}. <a href="${homeOf(found.account.role)}">Về trang của bạn</a>.`,
          );
        }
      });

      scope.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, res) => {
        if (err.code?.startsWith('FST_CSRF')) {
          deps.log.warn({ path: req.url.split('?')[0] }, 'console: form without a valid CSRF token refused');
          return message(
            req,
            res,
            403,
            'Biểu mẫu đã cũ',
            html`Trang này đã mở quá lâu hoặc không hợp lệ. <a href="${req.url}">Mở lại trang</a> rồi làm lại.`,
          );
        }
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) deps.log.error({ err: err.message, path: req.url.split('?')[0] }, 'console: request failed');
        if (wantsData(req)) return res.code(status).send({ error: status === 500 ? 'internal error' : err.message });
        return message(
          req,
          res,
          status,
          status === 500 ? 'Có lỗi' : 'Yêu cầu không hợp lệ',
          status === 500 ? 'Có lỗi phía máy chủ; đã ghi lại.' : err.message,
        );
      });

      registerAccessRoutes(scope, deps);
      for (const add of pages) add(scope, deps);
    },
    { prefix: '/console' },
  );
}
