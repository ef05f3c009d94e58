import type { FastifyRequest } from 'fastify';
import { localDay } from '../time/vietnam.ts';
import { audit } from './audit.ts';
import { dayRange, type DayRange } from './range.ts';
import { draftGuide } from './draft-guide.ts';
import { groupQuestions, type QuestionGroup } from './grouping.ts';
import { html, type Html } from './html.ts';
import { csrfField } from './layout.ts';
import { message, view, type ConsoleDeps, type ConsolePages } from './routes.ts';
import {
  DECISIONS,
  decideGroup,
  groupDecisions,
  guideChoices,
  undoDecision,
  worklistItems,
  type Decision,
  type GroupDecision,
} from './unanswered-queries.ts';

/**
 * `/console/unanswered`, the editors' worklist: what the assistant could not answer (abstentions), answers citizens
 * marked 👎 and volunteer requests nobody could take, over a range of days, grouped by similar question
 * (console/grouping.ts). For each group an editor says "covered by guide X", "new guide needed" or "out of scope";
 * the decision is kept and the group moves to the "decided" tab. A group exports as a draft guide skeleton.
 */

type Form = Record<string, string | undefined>;
const form = (req: FastifyRequest): Form => (req.body && typeof req.body === 'object' ? (req.body as Form) : {});

const DECISION_LABEL: Record<Decision, string> = {
  covered: 'Đã có hướng dẫn',
  'new-guide': 'Cần hướng dẫn mới',
  'out-of-scope': 'Ngoài phạm vi',
};

const percent = (x: number) => `${Math.round(x * 100)}%`;

/** The groups of a range, with the decisions they were seeded from. */
async function groupsOf(deps: ConsoleDeps, range: DayRange) {
  const [{ items, capped }, decisions] = await Promise.all([worklistItems(deps.db, range), groupDecisions(deps.db)]);
  const groups = groupQuestions(items, deps.abbreviations ?? new Map(), decisions);
  return { groups, decisions: new Map(decisions.map((d) => [d.key, d])), capped };
}

const rangeQuery = (range: DayRange) => `from=${range.from}&to=${range.to}`;

function rangeForm(range: DayRange, decided: boolean): Html {
  return html`<form class="card" method="get" action="/console/unanswered">
    ${decided ? html`<input type="hidden" name="show" value="decided" />` : ''}
    <label for="from">Từ ngày</label><input id="from" name="from" type="date" value="${range.from}" /> <label for="to">Đến ngày</label
    ><input id="to" name="to" type="date" value="${range.to}" />
    <p><button type="submit" class="secondary">Xem</button></p>
  </form>`;
}

function groupCard(
  g: QuestionGroup,
  csrf: string,
  range: DayRange,
  guides: readonly { id: string; title: string }[],
  decision: GroupDecision | undefined,
): Html {
  const title = new Map(guides.map((x) => [x.id, x.title]));
  const hidden = html`${csrfField(csrf)}<input type="hidden" name="key" value="${g.key}" /><input
      type="hidden"
      name="from"
      value="${range.from}"
    /><input type="hidden" name="to" value="${range.to}" />`;
  return html`<div class="card group" id="g-${g.key}">
    <p>
      <b>${g.count}</b> lần · chưa trả lời được ${g.counts.abstained} · 👎 ${g.counts.down} · không có tình nguyện viên ${g.counts.unmet}
    </p>
    <ul class="examples">
      ${g.examples.map((q) => html`<li>${q}</li>`)}
    </ul>
    <p class="note">
      Hướng dẫn gần nhất:
      ${g.guide ? html`<b>${g.guide.id}</b> (${title.get(g.guide.id) ?? '?'}) · độ tin cậy ${percent(g.guide.confidence)}` : '—'}
    </p>
    ${
      decision
        ? html`<p class="ok">
              ${DECISION_LABEL[decision.decision]}${decision.guideId ? html`: ${decision.guideId}` : ''} · ${decision.login ?? '?'} ·
              ${localDay(decision.decidedAt)}
            </p>
            <form class="inline" method="post" action="/console/unanswered/undo">
              ${hidden}<button class="secondary" type="submit">Đưa lại vào danh sách</button>
            </form>`
        : html`<form method="post" action="/console/unanswered/decide">
            ${hidden}
            <label for="guide-${g.key}">Hướng dẫn đã trả lời được</label>
            <select id="guide-${g.key}" name="guide">
              ${guides.map(
                (x) => html`<option value="${x.id}" ${x.id === g.guide?.id ? html`selected` : ''}>${x.id} — ${x.title}</option>`,
              )}
            </select>
            <p>
              <button type="submit" name="decision" value="covered">Đã có hướng dẫn này</button>
              <button type="submit" name="decision" value="new-guide" class="secondary">Cần hướng dẫn mới</button>
              <button type="submit" name="decision" value="out-of-scope" class="secondary">Ngoài phạm vi</button>
            </p>
          </form>`
    }
    <form class="inline" method="post" action="/console/unanswered/export">
      ${hidden}<button class="secondary" type="submit">Tải bản nháp hướng dẫn (.md)</button>
    </form>
  </div>`;
}

export const unansweredPages: ConsolePages = (scope, deps) => {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const roles = { console: ['operator', 'editor'] as const };

  scope.get('/unanswered', { config: roles }, async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const range = dayRange(q, now());
    const decidedTab = q.show === 'decided';
    const [{ groups, decisions, capped }, guides] = await Promise.all([groupsOf(deps, range), guideChoices(db)]);
    const shown = decidedTab ? groups.filter((g) => g.decided) : groups.filter((g) => !g.decided && g.count > 0);
    const open = groups.filter((g) => !g.decided && g.count > 0).length;
    return view(req, res, {
      title: 'Câu chưa trả lời được',
      path: '/console/unanswered',
      body: (csrf) =>
        html`<p>
            ${
              decidedTab
                ? html`<a href="/console/unanswered?${rangeQuery(range)}">Cần xem (${open})</a> · <b>Đã quyết định</b>`
                : html`<b>Cần xem (${open})</b> ·
                    <a href="/console/unanswered?${rangeQuery(range)}&amp;show=decided">Đã quyết định (${decisions.size})</a>`
            }
          </p>
          ${rangeForm(range, decidedTab)}
          <p class="note">
            Câu hỏi giống nhau được gộp theo từ khóa đã bỏ dấu mà bộ tìm kiếm dùng. Câu hỏi hiện như đã lưu: số điện thoại, số giấy tờ đã
            được che.
          </p>
          ${capped ? html`<p class="note">Khoảng ngày này có rất nhiều câu; chỉ xét các câu mới nhất. Hãy chọn ít ngày hơn.</p>` : ''}
          ${shown.map((g) => groupCard(g, csrf, range, guides, decisions.get(g.key)))}
          ${shown.length ? '' : html`<div class="card note">Không có nhóm nào trong khoảng ngày này.</div>`}`,
    });
  });

  /** The group a form names, found again in its range (the terms stored come from the server, not the form). */
  const formGroup = async (req: FastifyRequest) => {
    const f = form(req);
    const range = dayRange({ from: f.from, to: f.to }, now());
    const { groups } = await groupsOf(deps, range);
    return { f, range, group: groups.find((g) => g.key === f.key) };
  };

  scope.post('/unanswered/decide', { config: roles }, async (req, res) => {
    const { f, range, group } = await formGroup(req);
    const decision = f.decision as Decision;
    if (!group) return message(req, res, 404, 'Không thấy nhóm', html`Nhóm này không còn. <a href="/console/unanswered">Mở lại</a>.`);
    if (!DECISIONS.includes(decision)) return message(req, res, 400, 'Chưa rõ', 'Hãy chọn một trong ba nút quyết định.');
    let guideId: string | null = null;
    if (decision === 'covered') {
      guideId = String(f.guide ?? '');
      if (!(await guideChoices(db)).some((g) => g.id === guideId))
        return message(req, res, 400, 'Không có hướng dẫn này', 'Hãy chọn một hướng dẫn trong danh sách.');
    }
    await decideGroup(db, { key: group.key, terms: group.terms, decision, guideId }, req.account!);
    await audit(db, req.account, 'unanswered.decide', { group: group.key, decision, guide: guideId, count: group.count }, req.ip);
    return res.redirect(`/console/unanswered?${rangeQuery(range)}`, 303);
  });

  scope.post('/unanswered/undo', { config: roles }, async (req, res) => {
    const f = form(req);
    const key = String(f.key ?? '');
    const range = dayRange({ from: f.from, to: f.to }, now());
    if (await undoDecision(db, key)) await audit(db, req.account, 'unanswered.undo', { group: key }, req.ip);
    return res.redirect(`/console/unanswered?${rangeQuery(range)}&show=decided`, 303);
  });

  scope.post('/unanswered/export', { config: roles }, async (req, res) => {
    const { group } = await formGroup(req);
    if (!group) return message(req, res, 404, 'Không thấy nhóm', html`Nhóm này không còn. <a href="/console/unanswered">Mở lại</a>.`);
    const guides = await guideChoices(db);
    const closest = guides.find((g) => g.id === group.guide?.id);
    const { id, markdown } = draftGuide({
      questions: group.questions,
      ...(closest ? { category: closest.category, related: closest.id } : {}),
      today: localDay(now()),
    });
    await audit(db, req.account, 'unanswered.export', { group: group.key, questions: Math.min(12, group.questions.length) }, req.ip);
    return res
      .header('content-type', 'text/markdown; charset=utf-8')
      .header('content-disposition', `attachment; filename="${id}.md"`)
      .header('cache-control', 'no-store')
      .send(markdown);
  });
};
