import type { Account, Role } from './accounts.ts';
import { html, raw, type Html } from './html.ts';

/** A page of the console's menu, and who sees it. */
export interface NavItem {
  path: string;
  label: string;
  roles: readonly Role[];
}

/** The menu, in order. Pages register their routes themselves; this only links them. */
export const NAV: readonly NavItem[] = [
  { path: '/console', label: 'Tổng quan', roles: ['operator'] },
  { path: '/console/unanswered', label: 'Chưa trả lời được', roles: ['operator', 'editor'] },
  { path: '/console/guides', label: 'Hướng dẫn', roles: ['operator', 'editor'] },
  { path: '/console/learning', label: 'Học', roles: ['operator'] },
  { path: '/console/desk', label: 'Hỗ trợ viên', roles: ['operator'] },
  { path: '/console/inbox', label: 'Hộp thư', roles: ['operator', 'volunteer'] },
  { path: '/console/accounts', label: 'Tài khoản', roles: ['operator'] },
  { path: '/console/audit', label: 'Nhật ký', roles: ['operator'] },
  { path: '/console/privacy', label: 'Riêng tư', roles: ['operator'] },
  { path: '/console/zalo-oa', label: 'Zalo OA', roles: ['operator'] },
];

/** Where an account lands after logging in: the first page of the menu its role sees. */
export const homeOf = (role: Role) => NAV.find((n) => n.roles.includes(role))!.path;

const STYLE = raw(`
  :root { --ink:#1b1f24; --muted:#5b6570; --line:#c9d1d9; --bg:#f6f8fa; --accent:#0b57d0; --bad:#b3261e; --ok:#1e7d32; }
  * { box-sizing: border-box; }
  body { margin:0; font: 16px/1.5 system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif; color:var(--ink); background:var(--bg); }
  header { background:#fff; border-bottom:1px solid var(--line); padding:.5rem 1rem;
    display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:center; }
  header strong { margin-right:auto; }
  nav a { margin-right:.8rem; color:var(--accent); text-decoration:none; white-space:nowrap; }
  nav a[aria-current] { font-weight:700; text-decoration:underline; }
  main { max-width: 1100px; margin: 0 auto; padding: 1rem; }
  h1 { font-size:1.4rem; margin:.2rem 0 1rem; }
  h2 { font-size:1.1rem; margin:1.5rem 0 .5rem; }
  table { border-collapse: collapse; width:100%; background:#fff; }
  th, td { text-align:left; padding:.35rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
  th { background:#eef1f4; font-weight:600; }
  td.n, th.n { text-align:right; font-variant-numeric: tabular-nums; }
  .card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:1rem; margin:0 0 1rem; overflow-x:auto; }
  .cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap:.8rem; margin-bottom:1rem; }
  .figure { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.7rem; }
  .figure b { display:block; font-size:1.6rem; }
  form.inline { display:inline; }
  label { display:block; margin:.6rem 0 .2rem; font-weight:600; }
  input, select, textarea { font:inherit; padding:.5rem; border:1px solid var(--muted); border-radius:6px; max-width:100%; }
  input[type=text], input[type=password], textarea { width: 100%; }
  button, .button { font:inherit; min-height:44px; padding:.4rem 1rem; border:2px solid var(--accent); border-radius:6px;
    background:var(--accent); color:#fff; cursor:pointer; text-decoration:none; display:inline-block; }
  button.secondary, .button.secondary { background:#fff; color:var(--accent); }
  .note { color:var(--muted); font-size:.92rem; }
  .error { color:var(--bad); font-weight:600; }
  .ok { color:var(--ok); font-weight:600; }
  .narrow { max-width: 420px; margin: 2rem auto; }
  .tag { display:inline-block; padding:0 .4rem; border-radius:4px; background:#eef1f4; font-size:.85rem; }
  @media (max-width: 600px) { th, td { padding:.3rem; font-size:.92rem; } }
`);

/**
 * A console page: header with the menu the account's role sees (the current page marked), then `body`.
 * Without an account (login, setup, errors) the menu is left out.
 */
export function page(input: { title: string; body: Html; account?: Account; path?: string; csrf?: string; head?: Html }): string {
  const { account } = input;
  const nav = account
    ? NAV.filter((n) => n.roles.includes(account.role)).map(
        (n) => html`<a href="${n.path}" ${n.path === input.path ? raw(' aria-current="page"') : ''}>${n.label}</a>`,
      )
    : [];
  const logout =
    account && input.csrf
      ? html`<form class="inline" method="post" action="/console/logout">
          <input type="hidden" name="_csrf" value="${input.csrf}" /><button class="secondary" type="submit">Đăng xuất</button>
        </form>`
      : '';
  return html`<!doctype html>
    <html lang="vi">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${input.title} · Bình Dân</title>
        <link rel="icon" href="/favicon.svg" />
        <style>
          ${STYLE}
        </style>
        ${input.head ?? ''}
      </head>
      <body>
        <header>
          <strong>Bình Dân · bảng điều khiển</strong>
          <nav>${nav}</nav>
          ${account ? html`<span class="note">${account.name} (${account.role})</span>` : ''} ${logout}
        </header>
        <main>
          <h1>${input.title}</h1>
          ${input.body}
        </main>
      </body>
    </html>`.value;
}

/** The hidden CSRF field every form carries. */
export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}" />`;
