import { audit } from './audit.ts';
import { html } from './html.ts';
import { csrfField } from './layout.ts';
import { message, view, type ConsolePages } from './routes.ts';

/**
 * `/console/zalo-oa` (operators): whether the Zalo Official Account is connected, the addresses to enter on
 * developers.zalo.me, and the button that connects it (OAuth v4 with PKCE: Zalo's permission page, then back to
 * `/zalo-oa/callback`, which the channel serves). Connecting again is how a refused refresh token is repaired.
 */

/** What the page needs of the OA's token store (the channel's; the console does not depend on it). */
export interface OaConnector {
  state(): Promise<{ state: 'off' | 'needs-authorisation' | 'connected'; problem?: string }>;
  startAuthorisation(o: { redirectUri: string }): Promise<string>;
}

const STATE_TEXT = {
  off: 'Chưa kết nối lần nào.',
  'needs-authorisation': 'Cần kết nối lại: Zalo không nhận khóa làm mới nữa (OA bị gỡ khỏi ứng dụng, hoặc đã quá 3 tháng).',
  connected: 'Đã kết nối: bot nhận và trả lời tin nhắn của OA.',
} as const;

export const zaloOaPages: ConsolePages = (scope, deps) => {
  const { config } = deps;
  const base = (config.PUBLIC_URL ?? '').replace(/\/$/, '');

  scope.get('/zalo-oa', { config: { console: ['operator'] } }, async (req, res) => {
    const oa = deps.zaloOa;
    if (!oa || !config.ZALO_OA_APP_ID) {
      return view(req, res, {
        title: 'Zalo OA',
        body: html`<div class="card">
          <p>
            Kênh Zalo Official Account chưa bật. Đặt <code>ZALO_OA_APP_ID</code>, <code>ZALO_OA_APP_SECRET</code>,
            <code>ZALO_OA_SECRET_KEY</code> và một <code>PUBLIC_URL</code> https trong cấu hình, rồi khởi động lại.
          </p>
        </div>`,
      });
    }
    const { state, problem } = await oa.state();
    return view(req, res, {
      title: 'Zalo OA',
      body: (csrf) =>
        html`<div class="card" id="oa-state">
            <p><b class="${state === 'connected' ? 'ok' : 'error'}">${STATE_TEXT[state]}</b></p>
            ${problem ? html`<p class="note">${problem}</p>` : ''}
            <form method="post" action="/console/zalo-oa/connect">
              ${csrfField(csrf)}<button type="submit">${state === 'connected' ? 'Kết nối lại' : 'Kết nối OA'}</button>
            </form>
          </div>
          <h2>Địa chỉ nhập trên developers.zalo.me</h2>
          <div class="card">
            <p>Webhook: <code>${base}/zalo-oa/webhook</code></p>
            <p>Callback URL (đăng nhập): <code>${base}/zalo-oa/callback</code></p>
          </div>`,
    });
  });

  scope.post('/zalo-oa/connect', { config: { console: ['operator'] } }, async (req, res) => {
    const oa = deps.zaloOa;
    if (!oa || !config.ZALO_OA_APP_ID || !base) return message(req, res, 409, 'Zalo OA', 'Kênh Zalo OA chưa bật trong cấu hình.');
    const url = await oa.startAuthorisation({ redirectUri: `${base}/zalo-oa/callback` });
    await audit(deps.db, req.account, 'zalo-oa.connect', {}, req.ip);
    return res.redirect(url, 303);
  });
};
