import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/index.ts';
import { chartBlock, chartHead, figure, sendChartCsv, type Chart } from './charts.ts';
import { html } from './html.ts';
import { activeCitizens, askDays, messageDays, peopleDays, type AskDay, type MessageDay, type PeopleDay } from './overview-queries.ts';
import { rolledCounts, splitRange, type Count, type Metric } from './rolled.ts';
import { dayRange, daysOf, rangeForm, type DayRange } from './range.ts';
import { view, type ConsolePages } from './routes.ts';

/** Figures of the overview over a range, and its charts (the same numbers). */
export interface Overview {
  totals: {
    questions: number;
    answered: number;
    abstained: number;
    refused: number;
    handed: number;
    unmet: number;
    active: number;
    subscriptions: number;
    scamWarnings: number;
  };
  charts: Record<'questions' | 'outcomes' | 'activity', Chart>;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The rolled counts of the overview, as rows of the live queries (one per day, and per channel for the asks). */
function rolledRows(counts: Count[]): { asks: AskDay[]; messages: MessageDay[]; people: PeopleDay[] } {
  const asks = new Map<string, AskDay>();
  const messages = new Map<string, MessageDay>();
  const people = new Map<string, PeopleDay>();
  const row = <T>(map: Map<string, T>, key: string, empty: () => T) => map.get(key) ?? (map.set(key, empty()), map.get(key)!);
  for (const c of counts) {
    if (c.metric === 'questions' || c.metric === 'answered' || c.metric === 'abstained')
      row(asks, `${c.day} ${c.key}`, () => ({ day: c.day, channel: c.key, questions: 0, answered: 0, abstained: 0 }))[c.metric] += c.n;
    else if (c.metric === 'active' || c.metric === 'refused' || c.metric === 'scam_warnings')
      row(messages, c.day, () => ({ day: c.day, active: 0, refused: 0, scam_warnings: 0 }))[c.metric] += c.n;
    else if (c.metric === 'handed' || c.metric === 'unmet' || c.metric === 'subscriptions')
      row(people, c.day, () => ({ day: c.day, handed: 0, unmet: 0, subscriptions: 0 }))[c.metric] += c.n;
  }
  return { asks: [...asks.values()], messages: [...messages.values()], people: [...people.values()] };
}

const OVERVIEW_METRICS: readonly Metric[] = [
  'questions',
  'answered',
  'abstained',
  'active',
  'refused',
  'scam_warnings',
  'handed',
  'unmet',
  'subscriptions',
];

/**
 * Reads the overview of `range`: the days the rollup has counted from `report_counts`, the others (normally today)
 * with four aggregate queries; then the days filled in (a day without data shows 0).
 */
export async function overview(db: Queryable, range: DayRange): Promise<Overview> {
  const split = await splitRange(db, range);
  const { live } = split;
  const [liveAsks, liveMessages, livePeople, active, counts] = await Promise.all([
    live ? askDays(db, live) : [],
    live ? messageDays(db, live) : [],
    live ? peopleDays(db, live) : [],
    activeCitizens(db, split),
    rolledCounts(db, split.rolled, OVERVIEW_METRICS),
  ]);
  const rolled = rolledRows(counts);
  const [asks, messages, people] = [
    [...rolled.asks, ...liveAsks],
    [...rolled.messages, ...liveMessages],
    [...rolled.people, ...livePeople],
  ];
  const days = daysOf(range);
  const channels = [...new Set(asks.map((a) => a.channel))].sort();
  const perDay = <T extends { day: string }>(rows: T[], pick: (r: T) => number) => {
    const by = new Map<string, number>();
    for (const r of rows) by.set(r.day, (by.get(r.day) ?? 0) + pick(r));
    return days.map((d) => by.get(d) ?? 0);
  };
  const answered = perDay(asks, (a) => a.answered);
  const refused = perDay(messages, (m) => m.refused);
  // a refusal is recorded in asks as an abstention: shown once, as a refusal
  const abstained = perDay(asks, (a) => a.abstained).map((n, i) => Math.max(0, n - refused[i]!));
  const handed = perDay(people, (p) => p.handed);
  const unmet = perDay(people, (p) => p.unmet);
  const subscriptions = perDay(people, (p) => p.subscriptions);
  const scam = perDay(messages, (m) => m.scam_warnings);
  const activeByDay = perDay(messages, (m) => m.active);
  return {
    totals: {
      questions: sum(asks.map((a) => a.questions)),
      answered: sum(answered),
      abstained: sum(abstained),
      refused: sum(refused),
      handed: sum(handed),
      unmet: sum(unmet),
      active,
      subscriptions: sum(subscriptions),
      scamWarnings: sum(scam),
    },
    charts: {
      questions: {
        title: 'Câu hỏi mỗi ngày, theo kênh',
        type: 'bar',
        stacked: true,
        labelName: 'Ngày',
        labels: days,
        datasets: channels.map((c) => ({ label: c, data: perDay(asks, (a) => (a.channel === c ? a.questions : 0)) })),
      },
      outcomes: {
        title: 'Kết quả mỗi ngày',
        type: 'bar',
        stacked: true,
        labelName: 'Ngày',
        labels: days,
        datasets: [
          { label: 'Đã trả lời', data: answered },
          { label: 'Chưa chắc (không đoán)', data: abstained },
          { label: 'Từ chối', data: refused },
          { label: 'Chuyển tình nguyện viên', data: handed },
          { label: 'Cần người nhưng không có ai', data: unmet },
        ],
      },
      activity: {
        title: 'Người dân, đăng ký học và cảnh báo lừa đảo mỗi ngày',
        type: 'line',
        labelName: 'Ngày',
        labels: days,
        datasets: [
          { label: 'Người dân nhắn tin', data: activeByDay },
          { label: 'Đăng ký học mới', data: subscriptions },
          { label: 'Cảnh báo lừa đảo', data: scam },
        ],
      },
    },
  };
}

/** The overview at `/console` (operators): figures as cards, then charts with table views and CSV exports. */
export const overviewPages: ConsolePages = (scope, deps) => {
  const now = deps.now ?? (() => new Date());
  const range = (req: FastifyRequest) => dayRange(req.query, now());

  scope.get('/', { config: { console: ['operator'] } }, async (req, res) => {
    const r = range(req);
    const { totals: t, charts } = await overview(deps.db, r);
    const share = (n: number) => (t.questions ? `${Math.round((100 * n) / t.questions)} %` : undefined);
    return view(req, res, {
      title: 'Tổng quan',
      path: '/console',
      head: chartHead,
      body: html`${rangeForm(req, r)}
        <div class="cards">
          ${figure('câu hỏi', t.questions)} ${figure('đã trả lời', t.answered, share(t.answered))}
          ${figure('chưa chắc, không đoán', t.abstained, share(t.abstained))} ${figure('từ chối', t.refused)}
          ${figure('chuyển tình nguyện viên', t.handed)} ${figure('cần người, không có ai', t.unmet)}
          ${figure('người dân nhắn tin', t.active)} ${figure('đăng ký học mới', t.subscriptions)}
          ${figure('cảnh báo lừa đảo đã gửi', t.scamWarnings)}
        </div>
        ${Object.entries(charts).map(([name, chart]) => chartBlock(name, chart, '/console/overview.csv', r))}
        <p class="note">Số liệu đã che thông tin cá nhân. "Từ chối": yêu cầu trái pháp luật (làm giả giấy tờ, xâm nhập tài khoản…).</p>`,
    });
  });

  scope.get('/overview.csv', { config: { console: ['operator'] } }, async (req, res) => {
    const r = range(req);
    return sendChartCsv(req, res, deps.db, { page: 'overview', charts: (await overview(deps.db, r)).charts, range: r });
  });
};
