import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/index.ts';
import { chartBlock, chartHead, figure, sendChartCsv, type Chart } from './charts.ts';
import { html } from './html.ts';
import { certificates, deliveries, funnel, quizItems, streaks, subscribersByHour } from './learning-queries.ts';
import { dayRange, rangeForm, type DayRange } from './range.ts';
import { view, type ConsolePages } from './routes.ts';

/** A quiz item answered right by fewer than this share is flagged: the question or its choices may confuse. */
export const CONFUSING_SHARE = 0.5;

const STREAK_BUCKETS: readonly [string, number, number][] = [
  ['1 ngày', 1, 1],
  ['2 ngày', 2, 2],
  ['3–6 ngày', 3, 6],
  ['7–13 ngày', 7, 13],
  ['14–29 ngày', 14, 29],
  ['30 ngày trở lên', 30, Infinity],
];

const HOURS = Array.from({ length: 24 }, (_, h) => h);

/** Everything the learning page shows over `range`. */
export async function learning(db: Queryable, range: DayRange) {
  const [subs, deliv, fun, quiz, runs, certs] = await Promise.all([
    subscribersByHour(db),
    deliveries(db, range),
    funnel(db, range),
    quizItems(db, range),
    streaks(db, range),
    certificates(db, range),
  ]);
  const courses = [...new Set(subs.map((s) => s.course))];
  const channels = [...new Set([...deliv.sent.map((d) => d.channel), ...deliv.paused.map((p) => p.channel)])].sort();
  const byChannel = <T extends { channel: string }>(rows: T[], pick: (r: T) => number) =>
    channels.map((c) => rows.filter((r) => r.channel === c).reduce((a, r) => a + pick(r), 0));
  const funnelCourses = [...new Set(fun.map((f) => f.course_id))];
  const lessonsMax = Math.max(0, ...fun.map((f) => f.position));
  const items = quiz.map((q) => ({ ...q, share: q.answered ? q.correct / q.answered : 0 }));
  const charts: Record<string, Chart> = {
    subscribers: {
      title: 'Người đăng ký theo khóa học và giờ nhận bài',
      type: 'bar',
      stacked: true,
      labelName: 'Giờ (Việt Nam)',
      labels: subs.length ? HOURS.map((h) => `${h}h`) : [],
      datasets: courses.map((c) => ({
        label: c,
        data: HOURS.map((h) => subs.find((s) => s.course === c && s.hour === h)?.n ?? 0),
      })),
    },
    deliveries: {
      title: 'Gửi bài học theo kênh',
      type: 'bar',
      labelName: 'Kênh',
      labels: channels,
      datasets: [
        { label: 'Đã gửi', data: byChannel(deliv.sent, (d) => d.sent) },
        { label: 'Phải gửi lại', data: byChannel(deliv.sent, (d) => d.retried) },
        { label: 'Không gửi được', data: byChannel(deliv.sent, (d) => d.failed) },
        { label: 'Đang chờ gửi', data: byChannel(deliv.sent, (d) => d.pending) },
        { label: 'Đăng ký tạm dừng (hiện tại)', data: byChannel(deliv.paused, (p) => p.n) },
      ],
    },
    funnel: {
      title: 'Số người học xong từng bài (người bắt đầu trong khoảng này)',
      type: 'bar',
      labelName: 'Bài',
      labels: fun.length ? ['Bắt đầu', ...Array.from({ length: lessonsMax }, (_, i) => `Bài ${i + 1}`)] : [],
      datasets: funnelCourses.map((id) => {
        const rows = fun.filter((f) => f.course_id === id);
        return {
          label: rows[0]!.course,
          data: [rows[0]!.started, ...Array.from({ length: lessonsMax }, (_, i) => rows.find((r) => r.position === i + 1)?.reached ?? 0)],
        };
      }),
    },
    quiz: {
      title: 'Câu đố: tỉ lệ trả lời đúng (%)',
      type: 'bar',
      labelName: 'Câu đố',
      labels: items.map((q) => `${q.course} · bài ${q.position}`),
      datasets: [
        { label: '% đúng', data: items.map((q) => Math.round(q.share * 1000) / 10) },
        { label: 'Số người trả lời', data: items.map((q) => q.answered), tableOnly: true },
      ],
    },
    streaks: {
      title: `Chuỗi ngày học liên tiếp (tính đến ${range.to})`,
      type: 'bar',
      labelName: 'Chuỗi',
      labels: runs.length ? STREAK_BUCKETS.map((b) => b[0]) : [],
      datasets: [
        {
          label: 'Người học',
          data: STREAK_BUCKETS.map(([, lo, hi]) =>
            runs.filter((r) => r.streak >= lo && r.streak <= hi).reduce((a, r) => a + r.learners, 0),
          ),
        },
      ],
    },
    certificates: {
      title: 'Giấy chứng nhận đã cấp theo khóa học',
      type: 'bar',
      labelName: 'Khóa học',
      labels: certs.perCourse.map((c) => c.course),
      datasets: [{ label: 'Giấy chứng nhận', data: certs.perCourse.map((c) => c.n) }],
    },
  };
  return {
    charts,
    items,
    certificates: certs.latest,
    totals: {
      subscribers: subs.reduce((a, s) => a + s.n, 0),
      sent: deliv.sent.reduce((a, d) => a + d.sent, 0),
      failed: deliv.sent.reduce((a, d) => a + d.failed, 0),
      paused: deliv.paused.reduce((a, p) => a + p.n, 0),
      learners: runs.reduce((a, r) => a + r.learners, 0),
      longest: Math.max(0, ...runs.map((r) => r.streak)),
      certificates: certs.perCourse.reduce((a, c) => a + c.n, 0),
    },
  };
}

/** The learning page at `/console/learning` (operators). */
export const learningPages: ConsolePages = (scope, deps) => {
  const now = deps.now ?? (() => new Date());
  const range = (req: FastifyRequest) => dayRange(req.query, now());
  const verifyBase = (deps.config.PUBLIC_URL ?? '').replace(/\/$/, '');

  scope.get('/learning', { config: { console: ['operator'] } }, async (req, res) => {
    const r = range(req);
    const l = await learning(deps.db, r);
    const t = l.totals;
    const flagged = l.items.filter((q) => q.share < CONFUSING_SHARE);
    return view(req, res, {
      title: 'Học',
      path: '/console/learning',
      head: chartHead,
      body: html`${rangeForm(req, r)}
        <div class="cards">
          ${figure('người đang đăng ký', t.subscribers)} ${figure('bài đã gửi', t.sent)} ${figure('bài không gửi được', t.failed)}
          ${figure('đăng ký tạm dừng', t.paused)} ${figure('người đang có chuỗi ngày học', t.learners)}
          ${figure('chuỗi dài nhất (ngày)', t.longest)} ${figure('giấy chứng nhận đã cấp', t.certificates)}
        </div>
        ${chartBlock('subscribers', l.charts.subscribers!, '/console/learning.csv', r)}
        ${chartBlock('deliveries', l.charts.deliveries!, '/console/learning.csv', r)}
        ${chartBlock('funnel', l.charts.funnel!, '/console/learning.csv', r)}
        ${chartBlock('quiz', l.charts.quiz!, '/console/learning.csv', r)}
        <section class="card">
          <h2>Câu đố dễ gây nhầm (dưới ${CONFUSING_SHARE * 100} % trả lời đúng)</h2>
          ${
            flagged.length
              ? html`<table>
                  <tr>
                    <th>Khóa học</th>
                    <th>Bài</th>
                    <th class="n">% đúng</th>
                    <th class="n">Số người trả lời</th>
                  </tr>
                  ${flagged.map(
                    (q) =>
                      html`<tr>
                        <td>${q.course}</td>
                        <td>${q.position}. ${q.title}</td>
                        <td class="n flag">${Math.round(q.share * 100)} %</td>
                        <td class="n">${q.answered}</td>
                      </tr>`,
                  )}
                </table>`
              : html`<p class="note">Không có câu nào dưới ${CONFUSING_SHARE * 100} %.</p>`
          }
        </section>
        ${chartBlock('streaks', l.charts.streaks!, '/console/learning.csv', r)}
        ${chartBlock('certificates', l.charts.certificates!, '/console/learning.csv', r)}
        <section class="card">
          <h2>Giấy chứng nhận mới nhất</h2>
          ${
            l.certificates.length
              ? html`<table>
                  <tr>
                    <th>Mã</th>
                    <th>Người nhận</th>
                    <th>Khóa học</th>
                    <th>Ngày cấp</th>
                  </tr>
                  ${l.certificates.map(
                    (c) =>
                      html`<tr>
                        <td><a href="${verifyBase}/verify/${encodeURIComponent(c.code)}">${c.code}</a></td>
                        <td>Người dân #${c.user_id}</td>
                        <td>${c.course}</td>
                        <td>${c.issued_at.toLocaleDateString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' })}</td>
                      </tr>`,
                  )}
                </table>`
              : html`<p class="note">Chưa cấp giấy chứng nhận nào trong khoảng này.</p>`
          }
        </section>`,
    });
  });

  scope.get('/learning.csv', { config: { console: ['operator'] } }, async (req, res) => {
    const r = range(req);
    return sendChartCsv(req, res, deps.db, { page: 'learning', charts: (await learning(deps.db, r)).charts, range: r });
  });
};
