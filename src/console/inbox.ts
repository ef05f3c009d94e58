import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Inbound } from '../core/message.ts';
import { claimChoice } from '../handoff/choices.ts';
import { channelName, pseudonym } from '../handoff/render.ts';
import { heldBy, waitingTickets, type Ticket } from '../handoff/tickets.ts';
import { CONSOLE_CHANNEL, listVolunteers, type Volunteer } from '../handoff/volunteers.ts';
import { takeWebPushes } from '../push/outbox.ts';
import type { Account, Role } from './accounts.ts';
import { audit } from './audit.ts';
import { html, raw, type Html } from './html.ts';
import {
  acknowledgePushes,
  consoleUser,
  consoleVolunteer,
  lastMessageId,
  linkConsoleAccount,
  pushJson,
  repliesAfter,
  requestStory,
  type StoryLine,
} from './inbox-store.ts';
import { INBOX_SCRIPT } from './inbox-script.ts';
import { csrfField } from './layout.ts';
import { message, view, type ConsoleDeps, type ConsolePages } from './routes.ts';
import { dutyNote, volunteerAdminPages } from './volunteer-admin.ts';

/**
 * The volunteer inbox at `/console/inbox`: the console is one more channel for volunteers (`console`). Every button
 * sends the turn a Telegram volunteer would send — the claim button's choice, `/xong`, `/tra`, `/chuyen`, `/luu`, a
 * reply as plain text the relay forwards — through the conversation core, so the rules and the races are the chat's
 * (one conditional UPDATE decides a claim). What is pushed to the volunteer (announcements, the citizen's messages)
 * waits in the outbox; the page polls `/console/inbox/poll.json` every few seconds for it.
 */

const INBOX_ROLES: readonly Role[] = ['operator', 'volunteer'];
/** How often the page asks for news, in milliseconds. */
export const POLL_MS = 4000;
/** How many waiting requests the page lists. */
const LISTED = 30;
const MAX_REPLY_CHARS = 2000;

type Form = Record<string, string | undefined>;
const form = (req: FastifyRequest): Form => (req.body && typeof req.body === 'object' ? (req.body as Form) : {});
const field = (f: Form, name: string) => (typeof f[name] === 'string' ? f[name] : '');
const positive = (v: unknown) => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n < 2 ** 53 ? n : undefined;
};
const wantsJson = (req: FastifyRequest) => req.headers.accept === 'application/json';

/** Reply markup (`**bold**`) as safe markup: the text escaped, the bold parts in <b>. */
export function markup(text: string): Html {
  return html`${text.split(/\*\*(.+?)\*\*/s).map((part, i) => (i % 2 ? html`<b>${part}</b>` : part))}`;
}

const minutesSince = (at: Date | null, now: Date) => (at ? Math.max(0, Math.round((now.getTime() - at.getTime()) / 60_000)) : 0);

/** A waiting request as the page lists it (pseudonym, never an address). */
const waitingJson = (t: Ticket, now: Date) => ({
  id: t.id,
  channel: channelName(t.channel),
  who: pseudonym(t.citizenId),
  problem: t.problem ?? '',
  minutes: minutesSince(t.queuedAt, now),
});

/** Who the account is at the desk; a volunteer account opening the inbox the first time becomes a volunteer. */
async function deskSelf(deps: ConsoleDeps, req: FastifyRequest, account: Account) {
  const userId = await consoleUser(deps.db, account);
  let volunteer = await consoleVolunteer(deps.db, userId);
  if (!volunteer && account.role === 'volunteer') {
    volunteer = await linkConsoleAccount(deps.db, account);
    await audit(deps.db, account, 'inbox.join', { volunteer: volunteer.id, auto: true }, req.ip);
  }
  return { userId, volunteer };
}

/** The turn an inbox button sends, as the chat would send it; or why not (the page was out of date). */
function turnOf(action: string, f: Form, held: Ticket | undefined): Pick<Inbound, 'kind' | 'text' | 'choice'> | string {
  const ticket = positive(field(f, 'ticket'));
  const text = field(f, 'text').trim();
  if (action === 'claim') return ticket ? { kind: 'choice', choice: claimChoice.make({ ticket }) } : 'Thiếu số yêu cầu.';
  if (action === 'save') return { kind: 'text', text: text ? `/luu ${text}` : '/luu' };
  // the held request's buttons act only on the request the page showed
  if (!held || held.id !== ticket) return `Bạn không còn giữ yêu cầu #${ticket ?? '?'}. Tải lại trang để xem tình hình mới.`;
  if (action === 'reply') {
    if (!text) return 'Bạn chưa viết gì.';
    if ([...text].length > MAX_REPLY_CHARS) return `Tin dài quá (tối đa ${MAX_REPLY_CHARS} ký tự).`;
    return { kind: 'text', text };
  }
  if (action === 'close') return { kind: 'text', text: '/xong' };
  if (action === 'giveback') return { kind: 'text', text: '/tra' };
  if (action === 'transfer') {
    const to = positive(field(f, 'to'));
    return to ? { kind: 'text', text: `/chuyen ${to}` } : 'Chọn người nhận.';
  }
  return 'Không có thao tác này.';
}

export const inboxPages: ConsolePages = (scope, deps) => {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  scope.get('/inbox', { config: { console: INBOX_ROLES } }, async (req, res) => {
    const account = req.account!;
    const { userId, volunteer } = await deskSelf(deps, req, account);
    // after an action: the bot's replies to it (what came after the user's last message before it)
    const said = (req.query as Record<string, unknown>).said;
    const flash = typeof said === 'string' && /^\d{1,15}$/.test(said) ? await repliesAfter(db, userId, Number(said)) : [];
    if (!volunteer) return joinPage(req, res);
    if (!volunteer.active) {
      return message(req, res, 403, 'Hộp thư', 'Quyền nhận yêu cầu của tài khoản này đã bị tắt. Hỏi người quản trị nếu cần bật lại.');
    }
    const cursor = await acknowledgePushes(db, String(account.id));
    const held = await heldBy(db, volunteer.id);
    const story = held ? await requestStory(db, held.id) : undefined;
    const waiting = (await waitingTickets(db, LISTED)).map((t) => waitingJson(t, now()));
    const others = held ? (await listVolunteers(db, { activeOnly: true })).filter((v) => v.id !== volunteer.id) : [];
    return view(req, res, {
      title: 'Hộp thư tình nguyện viên',
      path: '/console/inbox',
      // the web chat's emoji font, for phones without one (🙋 ✅ ↩️ would be empty boxes)
      head: html`<link rel="stylesheet" href="/assets/emoji.css" />
        <style>
          body {
            font-family: system-ui, 'Segoe UI', Roboto, 'Noto Sans', sans-serif, 'Binh Dan Emoji';
          }
        </style>
        <script src="/console/inbox.js" defer></script>`,
      body: (csrf) =>
        html`<div id="inbox" data-cursor="${cursor}" data-held="${held?.id ?? ''}" data-poll="${POLL_MS}" data-csrf="${csrf}">
          ${flash.length ? html`<div class="card" role="status" id="said">${flash.map((t) => html`<p>${markup(t)}</p>`)}</div>` : ''}
          <p class="note">
            Bạn ký tên <b>${volunteer.name}</b> khi trả lời. ${dutyNote(deps, now())} Trang tự cập nhật vài giây một lần.
            ${account.role === 'operator' ? html`<a href="/console/inbox/volunteers">Quản lý tình nguyện viên</a>` : ''}
          </p>
          ${held ? heldSection(csrf, held, story!, others) : html`<div class="card"><p>Bạn chưa giữ yêu cầu nào.</p></div>`}
          <h2>Tin mới</h2>
          <ul class="card" id="feed" aria-live="polite">
            <li class="note">Tin nhắn của người dân và thông báo mới hiện ở đây.</li>
          </ul>
          <h2>Đang chờ (<span id="waiting-count">${waiting.length}</span>)</h2>
          <div class="card">
            <table>
              <thead>
                <tr>
                  <th>Yêu cầu</th>
                  <th>Người dân</th>
                  <th>Vấn đề</th>
                  <th class="n">Chờ (phút)</th>
                  <th></th>
                </tr>
              </thead>
              <tbody id="waiting">
                ${waiting.map(
                  (t) =>
                    html`<tr>
                      <td>#${t.id} <span class="tag">${t.channel}</span></td>
                      <td>${t.who}</td>
                      <td>${t.problem}</td>
                      <td class="n">${t.minutes}</td>
                      <td>${actionForm(csrf, 'claim', t.id, `🙋 Nhận #${t.id}`)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <p class="note" id="waiting-empty" ${waiting.length ? raw('hidden') : ''}>Không có yêu cầu nào đang chờ.</p>
          </div>
          <h2>Lưu câu trả lời cho biên tập viên</h2>
          <form class="card" method="post" action="/console/inbox/act">
            ${csrfField(csrf)}<input type="hidden" name="action" value="save" />
            <label for="save-text">Câu trả lời nên có trong hướng dẫn (để trống: lưu tin bạn vừa gửi)</label>
            <textarea id="save-text" name="text" rows="3" maxlength="2000"></textarea>
            <p><button class="secondary" type="submit">📝 Lưu (như /luu)</button></p>
          </form>
        </div>`,
    });
  });

  const joinPage = (req: FastifyRequest, res: FastifyReply) =>
    view(req, res, {
      title: 'Hộp thư tình nguyện viên',
      path: '/console/inbox',
      body: (csrf) =>
        html`<div class="card">
          <p>Tài khoản của bạn chưa nhận yêu cầu của người dân. Tham gia trực thì bạn sẽ ký tên <b>${req.account!.name}</b> khi trả lời.</p>
          <form method="post" action="/console/inbox/join">${csrfField(csrf)}<button type="submit">Tham gia trực</button></form>
          <p><a href="/console/inbox/volunteers">Quản lý tình nguyện viên</a></p>
        </div>`,
    });

  scope.post('/inbox/join', { config: { console: INBOX_ROLES } }, async (req, res) => {
    const account = req.account!;
    const userId = await consoleUser(db, account);
    const existing = await consoleVolunteer(db, userId);
    // one turned off stays off until an operator turns them on again
    if (!existing) {
      const v = await linkConsoleAccount(db, account);
      await audit(db, account, 'inbox.join', { volunteer: v.id }, req.ip);
    }
    return res.redirect('/console/inbox', 303);
  });

  // the page's news: pushes after `after`, the queue, and which request the volunteer holds (the page reloads when it changes)
  scope.get('/inbox/poll.json', { config: { console: INBOX_ROLES } }, async (req, res) => {
    const account = req.account!;
    const userId = await consoleUser(db, account);
    const volunteer = await consoleVolunteer(db, userId);
    if (!volunteer?.active) return res.code(403).send({ error: 'this account is not an active volunteer: open /console/inbox' });
    const after = positive((req.query as Record<string, unknown>).after) ?? 0;
    const taken = await takeWebPushes(db, CONSOLE_CHANNEL, String(account.id), after);
    const held = await heldBy(db, volunteer.id);
    const waiting = await waitingTickets(db, LISTED);
    return res.header('cache-control', 'no-store').send({
      cursor: taken.cursor,
      notices: taken.replies.map(pushJson),
      held: held?.id ?? null,
      waiting: waiting.map((t) => waitingJson(t, now())),
    });
  });

  scope.post('/inbox/act', { config: { console: INBOX_ROLES } }, async (req, res) => {
    const account = req.account!;
    const f = form(req);
    const action = field(f, 'action');
    const userId = await consoleUser(db, account);
    const volunteer = await consoleVolunteer(db, userId);
    if (!volunteer?.active) {
      if (wantsJson(req)) return res.code(403).send({ error: 'this account is not an active volunteer' });
      return message(req, res, 403, 'Hộp thư', html`Tài khoản này chưa nhận yêu cầu. <a href="/console/inbox">Về hộp thư</a>.`);
    }
    const turn = turnOf(action, f, await heldBy(db, volunteer.id));
    if (typeof turn === 'string') {
      if (wantsJson(req)) return res.code(409).send({ error: turn });
      return message(req, res, 409, 'Chưa làm được', html`${turn} <a href="/console/inbox">Về hộp thư</a>.`);
    }
    const before = await lastMessageId(db, userId);
    const { replies } = await deps.conversation.respond({
      channel: CONSOLE_CHANNEL,
      userId: String(account.id),
      displayName: account.name,
      ...turn,
    });
    const ticket = positive(field(f, 'ticket'));
    const to = action === 'transfer' ? positive(field(f, 'to')) : undefined;
    await audit(db, account, `inbox.${action}`, { volunteer: volunteer.id, ...(ticket ? { ticket } : {}), ...(to ? { to } : {}) }, req.ip);
    if (wantsJson(req)) return { replies: replies.map(pushJson) };
    return res.redirect(`/console/inbox?said=${before}`, 303);
  });

  scope.get('/inbox.js', { config: { console: INBOX_ROLES } }, async (_req, res) =>
    res.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(INBOX_SCRIPT),
  );

  volunteerAdminPages(scope, deps);
};

/** A one-button form acting on request `ticket`. */
const actionForm = (csrf: string, action: string, ticket: number, label: string, secondary = false) =>
  html`<form class="inline" method="post" action="/console/inbox/act">
    ${csrfField(csrf)}<input type="hidden" name="action" value="${action}" /><input type="hidden" name="ticket" value="${ticket}" />
    <button ${secondary ? raw('class="secondary"') : ''} type="submit">${label}</button>
  </form>`;

const storyLine = (l: StoryLine) =>
  html`<li>
    <b>${l.who === 'citizen' ? '👤 Người dân' : l.who === 'bot' ? '🤖 Bot' : `🙋 ${l.name ?? 'Tình nguyện viên'}`}:</b>
    <span style="white-space: pre-wrap">${l.text}</span>
  </li>`;

/** The request the volunteer holds: its story, the reply box and the buttons of /xong, /tra and /chuyen. */
function heldSection(csrf: string, held: Ticket, story: { before: StoryLine[]; during: StoryLine[] }, others: Volunteer[]): Html {
  return html`<div class="card" id="held">
    <h2>Đang giúp: #${held.id} · ${channelName(held.channel)} · ${pseudonym(held.citizenId)}</h2>
    <p>Vấn đề: «${held.problem ?? ''}»</p>
    ${
      story.before.length
        ? html`<details open>
            <summary>Trò chuyện với bot trước đó (số cá nhân đã được che)</summary>
            <ul>
              ${story.before.map(storyLine)}
            </ul>
          </details>`
        : ''
    }
    <ul id="conversation">
      ${story.during.map(storyLine)}
    </ul>
    <form method="post" action="/console/inbox/act">
      ${csrfField(csrf)}<input type="hidden" name="action" value="reply" /><input type="hidden" name="ticket" value="${held.id}" />
      <label for="reply">Trả lời người dân (gửi tới kênh của họ, ký tên bạn)</label>
      <textarea id="reply" name="text" rows="3" maxlength="${MAX_REPLY_CHARS}" required></textarea>
      <p><button type="submit">Gửi</button></p>
    </form>
    <p class="note">🔒 Đừng bao giờ xin mã OTP, mật khẩu hay ảnh căn cước của người dân.</p>
    <p>
      ${actionForm(csrf, 'close', held.id, '✅ Đã giúp xong (/xong)')}
      ${actionForm(csrf, 'giveback', held.id, '↩️ Trả về hàng chờ (/tra)', true)}
    </p>
    ${
      others.length
        ? html`<form method="post" action="/console/inbox/act">
            ${csrfField(csrf)}<input type="hidden" name="action" value="transfer" /><input type="hidden" name="ticket" value="${held.id}" />
            <label for="to">Chuyển cho tình nguyện viên khác (/chuyen)</label>
            <select id="to" name="to">
              ${others.map((o) => html`<option value="${o.id}">${o.name} (${channelName(o.channel)})</option>`)}
            </select>
            <button class="secondary" type="submit">Chuyển</button>
          </form>`
        : ''
    }
  </div>`;
}
