import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/index.ts';
import { chartBlock, chartHead, figure, sendChartCsv, type Chart } from './charts.ts';
import { demandByHour, queueNow, responseTimes, satisfaction } from './desk-queries.ts';
import { html } from './html.ts';
import { dayRange, daysOf, rangeForm, type DayRange } from './range.ts';
import { view, type ConsolePages } from './routes.ts';

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const round1 = (n: number | null | undefined) => (n === null || n === undefined ? null : Math.round(n * 10) / 10);

/** Everything the help desk page shows: the queue now, and over `range` response times, ratings and demand by hour. */
export async function desk(db: Queryable, range: DayRange, now: Date) {
  const [queue, times, csat, demand] = await Promise.all([
    queueNow(db, now),
    responseTimes(db, range),
    satisfaction(db, range),
    demandByHour(db, range),
  ]);
  const overall = times.find((t) => t.day === null);
  const days = daysOf(range);
  const timeOf = (d: string) => times.find((t) => t.day === d);
  const csatOf = (d: string) => csat.perDay.find((t) => t.day === d);
  const charts: Record<string, Chart> = {
    queue: {
      title: 'Hàng chờ hiện tại theo kênh',
      type: 'bar',
      stacked: true,
      labelName: 'Kênh',
      labels: queue.rows.map((r) => r.channel),
      datasets: [
        { label: 'Đang chờ', data: queue.rows.map((r) => r.waiting) },
        { label: 'Đang được giúp', data: queue.rows.map((r) => r.active) },
      ],
    },
    times: {
      title: 'Thời gian trung vị (phút) theo ngày vào hàng chờ',
      type: 'line',
      labelName: 'Ngày',
      labels: times.length > 1 ? days : [],
      datasets: [
        { label: 'Trả lời đầu tiên', data: days.map((d) => round1(timeOf(d)?.first_response)) },
        { label: 'Giải quyết xong', data: days.map((d) => round1(timeOf(d)?.resolution)) },
      ],
    },
    volunteers: {
      title: 'Đánh giá trung bình (1–5) theo tình nguyện viên',
      type: 'bar',
      labelName: 'Tình nguyện viên',
      labels: csat.perVolunteer.map((v) => v.volunteer),
      datasets: [
        { label: 'Điểm trung bình', data: csat.perVolunteer.map((v) => round1(v.rating)) },
        { label: 'Số đánh giá', data: csat.perVolunteer.map((v) => v.ratings), tableOnly: true },
        { label: 'Đã đóng', data: csat.perVolunteer.map((v) => v.closed), tableOnly: true },
      ],
    },
    csat: {
      title: 'Đánh giá trung bình (1–5) theo ngày',
      type: 'line',
      labelName: 'Ngày',
      labels: csat.perDay.length ? days : [],
      datasets: [
        { label: 'Điểm trung bình', data: days.map((d) => round1(csatOf(d)?.rating)) },
        { label: 'Số đánh giá', data: days.map((d) => csatOf(d)?.ratings ?? 0), tableOnly: true },
      ],
    },
    hours: {
      title: 'Yêu cầu gặp người theo giờ trong ngày (giờ Việt Nam)',
      type: 'bar',
      labelName: 'Giờ',
      labels: demand.length ? HOURS.map((h) => `${h}h`) : [],
      datasets: [
        { label: 'Không có ai nhận', data: HOURS.map((h) => demand.find((d) => d.hour === h)?.unmet ?? 0) },
        { label: 'Vào hàng chờ', data: HOURS.map((h) => demand.find((d) => d.hour === h)?.queued ?? 0) },
      ],
    },
  };
  const ratings = csat.perVolunteer.reduce((a, v) => a + v.ratings, 0);
  const ratingSum = csat.perVolunteer.reduce((a, v) => a + (v.rating ?? 0) * v.ratings, 0);
  return {
    charts,
    totals: {
      waiting: queue.rows.reduce((a, r) => a + r.waiting, 0),
      active: queue.rows.reduce((a, r) => a + r.active, 0),
      oldestWaitMin: round1(queue.oldestWaitMin),
      tickets: overall?.tickets ?? 0,
      firstResponseMin: round1(overall?.first_response),
      resolutionMin: round1(overall?.resolution),
      rating: ratings ? Math.round((ratingSum / ratings) * 100) / 100 : null,
      ratings,
      unmet: demand.reduce((a, d) => a + d.unmet, 0),
    },
  };
}

/** The help desk page at `/console/desk` (operators). */
export const deskPages: ConsolePages = (scope, deps) => {
  const now = deps.now ?? (() => new Date());
  const range = (req: FastifyRequest) => dayRange(req.query, now());

  scope.get('/desk', { config: { console: ['operator'] } }, async (req, res) => {
    const r = range(req);
    const { charts, totals: t } = await desk(deps.db, r, now());
    return view(req, res, {
      title: 'Hỗ trợ viên',
      path: '/console/desk',
      head: chartHead,
      body: html`<h2>Ngay lúc này</h2>
        <div class="cards">
          ${figure('đang chờ', t.waiting)} ${figure('đang được giúp', t.active)} ${figure('phút chờ lâu nhất', t.oldestWaitMin)}
        </div>
        ${chartBlock('queue', charts.queue!, '/console/desk.csv')}
        <h2>Trong khoảng ngày</h2>
        ${rangeForm(req, r)}
        <div class="cards">
          ${figure('yêu cầu vào hàng chờ', t.tickets)} ${figure('phút đến lời đầu tiên (trung vị)', t.firstResponseMin)}
          ${figure('phút đến khi xong (trung vị)', t.resolutionMin)}
          ${figure('điểm đánh giá trung bình', t.rating, `${t.ratings} đánh giá`)} ${figure('cần người, không có ai', t.unmet)}
        </div>
        ${['times', 'volunteers', 'csat', 'hours'].map((name) => chartBlock(name, charts[name]!, '/console/desk.csv', r))}`,
    });
  });

  scope.get('/desk.csv', { config: { console: ['operator'] } }, async (req, res) => {
    const r = range(req);
    return sendChartCsv(req, res, deps.db, { page: 'desk', charts: (await desk(deps.db, r, now())).charts, range: r });
  });
};
