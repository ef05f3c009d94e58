import type { FastifyRequest } from 'fastify';
import { localDay } from '../time/vietnam.ts';
import { audit } from './audit.ts';
import { dayRange, type DayRange } from './range.ts';
import { guideFigures, reviewSuggestion, waitingSuggestions, type GuideRow } from './guides-queries.ts';
import { html, type Html } from './html.ts';
import { csrfField } from './layout.ts';
import { view, type ConsolePages } from './routes.ts';

/**
 * `/console/guides`: each guide with how often it answered, its 👍/👎 share, the questions of its last 👎 answers
 * and how long ago it was verified; the re-verification queue first; then the answers volunteers saved with /luu,
 * waiting for an editor.
 *
 * The re-verification queue: a guide whose `last_verified` is more than GUIDE_STALE_DAYS days old, or whose 👎 share
 * is rising — over the last 30 days it had at least {@link RISING_MIN_VOTES} votes, at least one 👎, and a larger 👎
 * share than in the 30 days before (a guide with no votes before counts as 0 % then).
 *
 * The feedback table has no comments (a 👎 is one tap), and ticket comments rate a volunteer, not a guide; so the
 * "last 👎" column shows the questions citizens had asked when they pressed 👎 — what the guide did not answer.
 */

export const RISING_MIN_VOTES = 3;

const share = (down: number, votes: number) => (votes ? down / votes : 0);
const percent = (x: number) => `${Math.round(x * 100)}%`;

/** Why a guide needs re-verifying, or nothing. */
export function recheckReasons(g: GuideRow, staleDays: number): string[] {
  const reasons: string[] = [];
  if (g.ageDays > staleDays) reasons.push(`kiểm tra lần cuối ${g.ageDays} ngày trước`);
  const recent = share(g.recent.down, g.recent.votes);
  const before = share(g.before.down, g.before.votes);
  if (g.recent.votes >= RISING_MIN_VOTES && g.recent.down > 0 && recent > before)
    reasons.push(`👎 tăng: ${percent(recent)} trong 30 ngày qua (trước đó ${percent(before)})`);
  return reasons;
}

function guideTable(rows: { g: GuideRow; reasons: string[] }[], withReasons: boolean): Html {
  return html`<table>
    <thead>
      <tr>
        <th>Hướng dẫn</th>
        <th class="n">Lượt hỏi</th>
        <th class="n">👍</th>
        <th class="n">👎</th>
        <th>Kiểm tra lần cuối</th>
        ${withReasons ? html`<th>Vì sao</th>` : ''}
        <th>Câu bị 👎 gần đây</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        ({ g, reasons }) =>
          html`<tr id="guide-${g.id}">
            <td><b>${g.id}</b><br /><span class="note">${g.title}${g.kind === 'faq' ? ' · FAQ' : ''}</span></td>
            <td class="n">${g.asks}</td>
            <td class="n">${g.up + g.down ? percent(share(g.up, g.up + g.down)) : '—'}</td>
            <td class="n">${g.up + g.down ? html`${percent(share(g.down, g.up + g.down))} (${g.down})` : '—'}</td>
            <td>${g.lastVerified} (${g.ageDays} ngày)</td>
            ${withReasons ? html`<td>${reasons.join('; ')}</td>` : ''}
            <td>
              ${
                g.downQuestions.length
                  ? html`<ul>
                      ${g.downQuestions.map((q) => html`<li>${q}</li>`)}
                    </ul>`
                  : '—'
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function rangeForm(range: DayRange): Html {
  return html`<form class="card" method="get" action="/console/guides">
    <label for="from">Từ ngày</label><input id="from" name="from" type="date" value="${range.from}" /> <label for="to">Đến ngày</label
    ><input id="to" name="to" type="date" value="${range.to}" />
    <p><button type="submit" class="secondary">Xem</button></p>
  </form>`;
}

export const guidesPages: ConsolePages = (scope, deps) => {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const roles = { console: ['operator', 'editor'] as const };
  const staleDays = deps.config.GUIDE_STALE_DAYS ?? 180;

  scope.get('/guides', { config: roles }, async (req, res) => {
    const range = dayRange(req.query as Record<string, unknown>, now());
    const [figures, suggestions] = await Promise.all([guideFigures(db, range, now()), waitingSuggestions(db)]);
    const rows = figures.map((g) => ({ g, reasons: recheckReasons(g, staleDays) }));
    const queue = rows.filter((r) => r.reasons.length).sort((a, b) => b.g.ageDays - a.g.ageDays || (a.g.id < b.g.id ? -1 : 1));
    const rest = rows.filter((r) => !r.reasons.length).sort((a, b) => b.g.asks - a.g.asks || (a.g.id < b.g.id ? -1 : 1));
    return view(req, res, {
      title: 'Hướng dẫn',
      path: '/console/guides',
      body: (csrf) =>
        html`${rangeForm(range)}
          <h2 id="recheck">Cần kiểm tra lại (${queue.length})</h2>
          <p class="note">
            Hướng dẫn kiểm tra lần cuối hơn ${staleDays} ngày trước, hoặc có tỷ lệ 👎 tăng (30 ngày qua so với 30 ngày trước, ít nhất
            ${RISING_MIN_VOTES} lượt đánh giá).
          </p>
          <div class="card">
            ${queue.length ? guideTable(queue, true) : html`<p class="note">Không có hướng dẫn nào cần kiểm tra lại.</p>`}
          </div>
          <h2 id="suggestions">Câu trả lời tình nguyện viên đã lưu (${suggestions.length})</h2>
          <div class="card">
            ${
              suggestions.length
                ? html`<table>
                    <thead>
                      <tr>
                        <th>Câu hỏi</th>
                        <th>Câu trả lời</th>
                        <th>Ai lưu</th>
                        <th></th>
                      </tr>
                    </thead>
                    <tbody>
                      ${suggestions.map(
                        (s) =>
                          html`<tr id="suggestion-${s.id}">
                            <td>${s.question}</td>
                            <td>${s.answer}</td>
                            <td>${s.volunteer ?? '—'}<br /><span class="note">${localDay(s.createdAt)}</span></td>
                            <td>
                              <form class="inline" method="post" action="/console/guides/suggestions/${s.id}/reviewed">
                                ${csrfField(csrf)}<button class="secondary" type="submit">Đã xem</button>
                              </form>
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
                : html`<p class="note">Không có câu trả lời nào đang chờ.</p>`
            }
          </div>
          <h2>Mọi hướng dẫn khác (${rest.length})</h2>
          <p class="note">Lượt hỏi và đánh giá từ ${range.from} đến ${range.to}. Câu hỏi hiện như đã lưu, số cá nhân đã che.</p>
          <div class="card">${guideTable(rest, false)}</div>`,
    });
  });

  scope.post('/guides/suggestions/:id/reviewed', { config: roles }, async (req: FastifyRequest, res) => {
    const id = Number((req.params as { id: string }).id);
    if (Number.isSafeInteger(id) && (await reviewSuggestion(db, id, req.account!)))
      await audit(db, req.account, 'guides.suggestion-reviewed', { suggestion: id }, req.ip);
    return res.redirect('/console/guides#suggestions', 303);
  });
};
