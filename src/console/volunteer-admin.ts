import type { FastifyRequest } from 'fastify';
import { allDay, isOnDuty } from '../handoff/duty.ts';
import { channelName } from '../handoff/render.ts';
import { createInvite, deactivateVolunteer, reactivateVolunteer, CONSOLE_CHANNEL } from '../handoff/volunteers.ts';
import { AccountError, accountById, createAccount } from './accounts.ts';
import { setupLink } from './access.ts';
import { audit } from './audit.ts';
import { html, raw } from './html.ts';
import { linkConsoleAccount, unlinkedAccounts, volunteerRoster } from './inbox-store.ts';
import { csrfField } from './layout.ts';
import { message, view, type ConsoleDeps, type ConsolePages } from './routes.ts';

/**
 * Operators manage the volunteers here instead of the CLI: every volunteer (Telegram, Zalo, console) with the request
 * they hold, turned off or on; console accounts made volunteers; new console volunteers invited (a setup link); invite
 * codes for Telegram or Zalo (`/thamgia`); the duty hours, which are configuration (VOLUNTEER_HOURS), shown read-only.
 */

type Form = Record<string, string | undefined>;
const form = (req: FastifyRequest): Form => (req.body && typeof req.body === 'object' ? (req.body as Form) : {});
const field = (f: Form, name: string) => (typeof f[name] === 'string' ? f[name] : '');
const OPERATOR = { console: ['operator'] } as const;
const back = html`<a href="/console/inbox/volunteers">Về danh sách tình nguyện viên</a>`;

export const volunteerAdminPages: ConsolePages = (scope, deps) => {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  scope.get('/inbox/volunteers', { config: OPERATOR }, async (req, res) => {
    const roster = await volunteerRoster(db);
    const unlinked = await unlinkedAccounts(db);
    const local = (d: Date) => d.toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' });
    return view(req, res, {
      title: 'Tình nguyện viên',
      path: '/console/inbox',
      body: (csrf) =>
        html`<p><a href="/console/inbox">← Hộp thư</a></p>
          <div class="card">
            <table>
              <thead>
                <tr>
                  <th>Số</th>
                  <th>Tên (ký khi trả lời)</th>
                  <th>Kênh</th>
                  <th>Đang giữ</th>
                  <th>Lần cuối thấy</th>
                  <th>Trạng thái</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${roster.map(
                  (v) =>
                    html`<tr>
                      <td>${v.id}</td>
                      <td>${v.name}</td>
                      <td>${channelName(v.channel)}${v.login ? html` <span class="tag">${v.login}</span>` : ''}</td>
                      <td>${v.holding ? `#${v.holding}` : '—'}</td>
                      <td>${local(v.lastSeen)}</td>
                      <td>${v.active ? 'đang hoạt động' : 'đã tắt'}</td>
                      <td>
                        <form class="inline" method="post" action="/console/inbox/volunteers/${v.id}/${v.active ? 'off' : 'on'}">
                          ${csrfField(csrf)}<button class="secondary" type="submit">${v.active ? 'Tắt' : 'Bật'}</button>
                        </form>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
            ${roster.length ? '' : raw('<p class="note">Chưa có tình nguyện viên nào.</p>')}
            <p class="note">
              Tình nguyện viên trên bảng điều khiển chỉ được tính là "đang trực tuyến" khi hộp thư của họ đang mở (10 phút gần nhất); khi
              không ai trực tuyến, người dân được chỉ tới nơi hỗ trợ trực tiếp.
            </p>
          </div>
          ${
            unlinked.length
              ? html`<h2>Tài khoản chưa nhận yêu cầu</h2>
                  <div class="card">
                    ${unlinked.map(
                      (a) =>
                        html`<form class="inline" method="post" action="/console/inbox/volunteers/link">
                          ${csrfField(csrf)}<input type="hidden" name="account" value="${a.id}" />
                          <button class="secondary" type="submit">Cho ${a.name} (${a.login}, ${a.role}) nhận yêu cầu</button>
                        </form> `,
                    )}
                  </div>`
              : ''
          }
          <h2>Mời tình nguyện viên dùng bảng điều khiển</h2>
          <form class="card" method="post" action="/console/inbox/volunteers/invite">
            ${csrfField(csrf)}
            <label for="login">Tên đăng nhập</label><input id="login" name="login" type="text" required />
            <label for="name">Tên hiển thị (ký tên khi trả lời người dân)</label><input id="name" name="name" type="text" required />
            <p><button type="submit">Tạo liên kết mời</button></p>
          </form>
          <h2>Mã mời cho Telegram hoặc Zalo</h2>
          <form class="card" method="post" action="/console/inbox/volunteers/code">
            ${csrfField(csrf)}
            <label for="code-name">Tên tình nguyện viên</label><input id="code-name" name="name" type="text" required />
            <label for="days">Hết hạn sau (ngày)</label><input id="days" name="days" type="number" min="1" max="60" value="7" />
            <p><button type="submit">Tạo mã mời</button></p>
            <p class="note">Người được mời nhắn cho bot: /thamgia &lt;mã&gt;.</p>
          </form>
          <h2>Giờ trực</h2>
          <div class="card">
            <p>${dutyNote(deps, now())}</p>
            <p class="note">
              Giờ trực đặt bằng VOLUNTEER_HOURS trong cấu hình (ví dụ 7-21), chỉ xem ở đây; đổi cấu hình rồi khởi động lại trợ lý.
            </p>
          </div>`,
    });
  });

  scope.post('/inbox/volunteers/:id/:what', { config: OPERATOR }, async (req, res) => {
    const { id: idText, what } = req.params as { id: string; what: string };
    const id = Number(idText);
    const target = (await volunteerRoster(db)).find((v) => v.id === id);
    if (!target || !['on', 'off'].includes(what)) return message(req, res, 404, 'Không có', html`Không có tình nguyện viên này. ${back}`);
    if (what === 'off' && target.holding) {
      return message(
        req,
        res,
        409,
        'Chưa tắt được',
        html`${target.name} đang giữ yêu cầu #${target.holding}: nhờ họ đóng hoặc trả về hàng chờ trước. ${back}`,
      );
    }
    const changed = what === 'off' ? await deactivateVolunteer(db, id) : await reactivateVolunteer(db, id);
    if (changed) await audit(db, req.account, what === 'off' ? 'volunteer.off' : 'volunteer.on', { volunteer: id }, req.ip);
    return res.redirect('/console/inbox/volunteers', 303);
  });

  scope.post('/inbox/volunteers/link', { config: OPERATOR }, async (req, res) => {
    const account = await accountById(db, Number(field(form(req), 'account')));
    if (!account?.active || !['operator', 'volunteer'].includes(account.role))
      return message(req, res, 404, 'Không có', html`Không có tài khoản này. ${back}`);
    const v = await linkConsoleAccount(db, account);
    await audit(db, req.account, 'volunteer.link', { account: account.id, volunteer: v.id }, req.ip);
    return res.redirect('/console/inbox/volunteers', 303);
  });

  scope.post('/inbox/volunteers/invite', { config: OPERATOR }, async (req, res) => {
    const f = form(req);
    try {
      const { account, token } = await createAccount(db, { login: field(f, 'login'), name: field(f, 'name'), role: 'volunteer' }, now());
      const v = await linkConsoleAccount(db, account);
      await audit(db, req.account, 'volunteer.invite', { account: account.id, volunteer: v.id, channel: CONSOLE_CHANNEL }, req.ip);
      return view(req, res, {
        title: 'Liên kết mời',
        path: '/console/inbox',
        body: html`<div class="card">
          <p>Gửi liên kết này riêng cho <b>${account.name}</b> (chỉ hiện một lần, dùng được một lần, hết hạn sau 7 ngày):</p>
          <p><code id="setup-link">${setupLink(deps, token)}</code></p>
          <p>${back}</p>
        </div>`,
      });
    } catch (err) {
      if (err instanceof AccountError) return message(req, res, 400, 'Chưa tạo được', html`${err.message} ${back}`);
      throw err;
    }
  });

  scope.post('/inbox/volunteers/code', { config: OPERATOR }, async (req, res) => {
    const f = form(req);
    const name = field(f, 'name').trim();
    const days = Number(field(f, 'days') || 7);
    if (!name || name.length > 40 || !Number.isInteger(days) || days < 1 || days > 60)
      return message(req, res, 400, 'Chưa tạo được', html`Cần tên (tối đa 40 ký tự) và số ngày từ 1 đến 60. ${back}`);
    const code = await createInvite(db, name, days, now());
    await audit(db, req.account, 'volunteer.invite-code', { days }, req.ip);
    return view(req, res, {
      title: 'Mã mời',
      path: '/console/inbox',
      body: html`<div class="card">
        <p>Gửi riêng cho <b>${name}</b> (dùng một lần, hết hạn sau ${days} ngày). Họ nhắn cho bot trên Telegram hoặc Zalo:</p>
        <p><code id="invite-code">/thamgia ${code}</code></p>
        <p>${back}</p>
      </div>`,
    });
  });
};

/** Duty hours as configured (VOLUNTEER_HOURS, Vietnam time), and whether it is duty time now. */
export function dutyNote(deps: ConsoleDeps, now: Date): string {
  const settings = { dutyHours: deps.config.VOLUNTEER_HOURS };
  if (allDay(settings)) return 'Giờ trực: cả ngày.';
  const [start, end] = settings.dutyHours;
  return `Giờ trực: ${start}:00–${end}:00 (giờ Việt Nam), ${isOnDuty(settings, now) ? 'đang trong giờ trực' : 'bây giờ ngoài giờ trực'}.`;
}
