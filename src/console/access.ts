import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  AccountError,
  ROLES,
  checkLogin,
  createAccount,
  endSession,
  listAccounts,
  readSetupToken,
  setActive,
  setupToken,
  startSession,
  useSetupToken,
  type Role,
} from './accounts.ts';
import { audit, recentAudit } from './audit.ts';
import { html, raw } from './html.ts';
import { csrfField, homeOf } from './layout.ts';
import { weakPassword } from './passwords.ts';
import { SESSION_COOKIE, cookieOptions, message, view, type ConsoleDeps } from './routes.ts';

/**
 * Who gets in: login and logout, setup links (the first operator's, and each invited account's), the accounts page
 * where operators invite people and turn accounts off, and the audit log.
 */

type Form = Record<string, string | undefined>;
const form = (req: FastifyRequest): Form => (req.body && typeof req.body === 'object' ? (req.body as Form) : {});
const field = (f: Form, name: string) => (typeof f[name] === 'string' ? f[name] : '');

/** Only a path of the console is followed after login (never another site). */
const safeNext = (next: unknown) =>
  typeof next === 'string' && /^\/console(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : undefined;

/**
 * The public address of a setup link: the token is part of the path, so the first-run link survives the log's
 * scrubbing of `token=` query parameters (the start-up log prints it on purpose, for whoever runs the process).
 */
export function setupLink(deps: { config: Pick<ConsoleDeps['config'], 'PUBLIC_URL' | 'PORT'> }, token: string): string {
  const base = (deps.config.PUBLIC_URL ?? `http://localhost:${deps.config.PORT}`).replace(/\/$/, '');
  return `${base}/console/setup/${token}`;
}

export function registerAccessRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  const { db, log } = deps;
  const now = deps.now ?? (() => new Date());

  const loginPage = (req: FastifyRequest, res: Parameters<typeof view>[1], note?: string, status = 200) => {
    const q = req.query as Record<string, string | undefined>;
    const next = safeNext(q.next ?? field(form(req), 'next'));
    const expired = q.expired === '1' ? html`<p class="note">Phiên làm việc đã hết hạn. Mời bạn đăng nhập lại.</p>` : '';
    return view(req, res, {
      status,
      title: 'Đăng nhập',
      body: (csrf) =>
        html`<div class="card narrow">
          ${expired} ${note ? html`<p class="error" role="alert">${note}</p>` : ''}
          <form method="post" action="/console/login">
            ${csrfField(csrf)} ${next ? html`<input type="hidden" name="next" value="${next}" />` : ''}
            <label for="login">Tên đăng nhập</label>
            <input id="login" name="login" type="text" autocomplete="username" required />
            <label for="password">Mật khẩu</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
            <p><button type="submit">Đăng nhập</button></p>
          </form>
        </div>`,
    });
  };

  scope.get('/login', { config: { console: 'public' } }, async (req, res) => loginPage(req, res));

  scope.post('/login', { config: { console: 'public' } }, async (req, res) => {
    const f = form(req);
    const login = field(f, 'login').slice(0, 100);
    const result = await checkLogin(db, login, field(f, 'password').slice(0, 200), req.ip, now());
    if (!result.ok) {
      if (result.locked) {
        await audit(db, undefined, 'login.locked', { login }, req.ip);
        log.warn({ login, address: req.ip }, 'console: too many failed logins; locked for a while');
        return loginPage(req, res, 'Đăng nhập sai quá nhiều lần. Hãy thử lại sau 15 phút.', 429);
      }
      return loginPage(req, res, 'Tên đăng nhập hoặc mật khẩu không đúng.', 401);
    }
    // a new session id at every login, whatever cookie the browser brought (no session fixation)
    const old = req.cookies[SESSION_COOKIE];
    if (old) await endSession(db, old);
    const session = await startSession(db, result.account.id, now());
    await audit(db, result.account, 'login', {}, req.ip);
    res.setCookie(SESSION_COOKIE, session, cookieOptions(req, deps));
    return res.redirect(safeNext(field(f, 'next')) ?? homeOf(result.account.role), 303);
  });

  scope.post('/logout', { config: { console: [...ROLES] } }, async (req, res) => {
    const session = req.cookies[SESSION_COOKIE];
    if (session) await endSession(db, session);
    await audit(db, req.account, 'logout', {}, req.ip);
    res.clearCookie(SESSION_COOKIE, { path: '/console' });
    return res.redirect('/console/login', 303);
  });

  const setupPage = async (req: FastifyRequest, res: Parameters<typeof view>[1], token: string, note?: string, status = 200) => {
    const opened = await readSetupToken(db, token, now());
    if (!opened)
      return message(
        req,
        res,
        410,
        'Liên kết không dùng được',
        'Liên kết này đã dùng rồi hoặc đã hết hạn. Hãy xin người quản trị một liên kết mới.',
      );
    const first = opened.kind === 'first-run';
    return view(req, res, {
      status,
      title: first ? 'Tạo tài khoản quản trị đầu tiên' : `Đặt mật khẩu cho ${opened.account.name}`,
      body: (csrf) =>
        html`<div class="card narrow">
          ${note ? html`<p class="error" role="alert">${note}</p>` : ''}
          <form method="post" action="/console/setup">
            ${csrfField(csrf)}<input type="hidden" name="token" value="${token}" />
            ${
              first
                ? html`<label for="login">Tên đăng nhập</label
                    ><input id="login" name="login" type="text" autocomplete="username" required /> <label for="name">Tên hiển thị</label
                    ><input id="name" name="name" type="text" required />`
                : html`<p>Tên đăng nhập: <b>${opened.account.login}</b> · vai trò ${opened.account.role}</p>`
            }
            <label for="password">Mật khẩu (ít nhất 10 ký tự)</label>
            <input id="password" name="password" type="password" autocomplete="new-password" required />
            <p><button type="submit">Lưu</button></p>
          </form>
        </div>`,
    });
  };

  scope.get('/setup/:token', { config: { console: 'public' } }, async (req, res) =>
    setupPage(req, res, (req.params as { token: string }).token),
  );

  scope.post('/setup', { config: { console: 'public' } }, async (req, res) => {
    const f = form(req);
    const token = field(f, 'token');
    const opened = await readSetupToken(db, token, now());
    const login = opened?.kind === 'account' ? opened.account.login : field(f, 'login');
    const weak = weakPassword(field(f, 'password'), login || '-');
    if (weak) return setupPage(req, res, token, weak, 400);
    try {
      const account = await useSetupToken(db, token, { password: field(f, 'password'), login, name: field(f, 'name') }, now());
      await audit(db, account, opened?.kind === 'first-run' ? 'setup.first-operator' : 'setup.password', {}, req.ip);
      const old = req.cookies[SESSION_COOKIE];
      if (old) await endSession(db, old);
      res.setCookie(SESSION_COOKIE, await startSession(db, account.id, now()), cookieOptions(req, deps));
      return res.redirect(homeOf(account.role), 303);
    } catch (err) {
      if (err instanceof AccountError) return setupPage(req, res, token, err.message, 400);
      throw err;
    }
  });

  scope.get('/accounts', { config: { console: ['operator'] } }, async (req, res) => {
    const accounts = await listAccounts(db);
    return view(req, res, {
      title: 'Tài khoản',
      path: '/console/accounts',
      body: (csrf) =>
        html`<div class="card">
            <table>
              <thead>
                <tr>
                  <th>Tên đăng nhập</th>
                  <th>Tên</th>
                  <th>Vai trò</th>
                  <th>Trạng thái</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${accounts.map(
                  (a) =>
                    html`<tr>
                      <td>${a.login}</td>
                      <td>${a.name}</td>
                      <td>${a.role}</td>
                      <td>${!a.active ? 'đã tắt' : a.ready ? 'đang dùng' : 'chưa đặt mật khẩu'}</td>
                      <td>
                        <form class="inline" method="post" action="/console/accounts/${a.id}/link">
                          ${csrfField(csrf)}<button class="secondary" type="submit">Liên kết mới</button>
                        </form>
                        ${
                          a.id !== req.account!.id
                            ? html`<form class="inline" method="post" action="/console/accounts/${a.id}/${a.active ? 'off' : 'on'}">
                                ${csrfField(csrf)}<button class="secondary" type="submit">${a.active ? 'Tắt' : 'Bật'}</button>
                              </form>`
                            : ''
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
          <h2>Mời người mới</h2>
          <div class="card">
            <form method="post" action="/console/accounts">
              ${csrfField(csrf)}
              <label for="login">Tên đăng nhập</label><input id="login" name="login" type="text" required />
              <label for="name">Tên hiển thị (ký tên khi trả lời người dân)</label><input id="name" name="name" type="text" required />
              <label for="role">Vai trò</label>
              <select id="role" name="role">
                <option value="volunteer">volunteer — hộp thư hỗ trợ</option>
                <option value="editor">editor — nội dung, câu chưa trả lời được</option>
                <option value="operator">operator — mọi trang</option>
              </select>
              <p><button type="submit">Tạo liên kết mời</button></p>
            </form>
            <p class="note">Liên kết dùng một lần, hết hạn sau 7 ngày; gửi riêng cho người được mời.</p>
          </div>`,
    });
  });

  const showLink = (req: FastifyRequest, res: Parameters<typeof view>[1], who: string, token: string) =>
    view(req, res, {
      title: 'Liên kết mời',
      path: '/console/accounts',
      body: html`<div class="card">
        <p>Gửi liên kết này riêng cho <b>${who}</b> (chỉ hiện một lần, dùng được một lần, hết hạn sau 7 ngày):</p>
        <p><code id="setup-link">${setupLink(deps, token)}</code></p>
        <p><a href="/console/accounts">Về danh sách tài khoản</a></p>
      </div>`,
    });

  scope.post('/accounts', { config: { console: ['operator'] } }, async (req, res) => {
    const f = form(req);
    try {
      const { account, token } = await createAccount(
        db,
        { login: field(f, 'login'), name: field(f, 'name'), role: field(f, 'role') as Role },
        now(),
      );
      await audit(db, req.account, 'account.invite', { account: account.id, role: account.role }, req.ip);
      return showLink(req, res, account.name, token);
    } catch (err) {
      if (err instanceof AccountError)
        return message(req, res, 400, 'Chưa tạo được', html`${err.message} <a href="/console/accounts">Quay lại</a>`);
      throw err;
    }
  });

  scope.post('/accounts/:id/:what', { config: { console: ['operator'] } }, async (req, res) => {
    const { id: idText, what } = req.params as { id: string; what: string };
    const id = Number(idText);
    const target = (await listAccounts(db)).find((a) => a.id === id);
    if (!target || !['link', 'on', 'off'].includes(what)) return message(req, res, 404, 'Không có', 'Không có tài khoản này.');
    if (what === 'link') {
      const token = await setupToken(db, id, now());
      await audit(db, req.account, 'account.link', { account: id }, req.ip);
      return showLink(req, res, target.name, token);
    }
    if (id === req.account!.id) return message(req, res, 400, 'Không làm được', 'Bạn không thể tự tắt tài khoản của mình.');
    await setActive(db, id, what === 'on');
    await audit(db, req.account, what === 'on' ? 'account.on' : 'account.off', { account: id }, req.ip);
    return res.redirect('/console/accounts', 303);
  });

  scope.get('/audit', { config: { console: ['operator'] } }, async (req, res) => {
    const rows = await recentAudit(db);
    return view(req, res, {
      title: 'Nhật ký thao tác',
      path: '/console/audit',
      body: html`<div class="card">
        <table>
          <thead>
            <tr>
              <th>Lúc</th>
              <th>Ai</th>
              <th>Việc</th>
              <th>Chi tiết</th>
              <th>Địa chỉ</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r) =>
                html`<tr>
                  <td>${new Date(r.at).toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td>${r.login ?? '—'}</td>
                  <td>${r.action}</td>
                  <td><code>${JSON.stringify(r.detail)}</code></td>
                  <td>${r.address ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${rows.length ? '' : raw('<p class="note">Chưa có thao tác nào.</p>')}
      </div>`,
    });
  });
}
