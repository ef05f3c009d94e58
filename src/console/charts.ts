import { stringify } from 'csv-stringify/sync';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/index.ts';
import { audit } from './audit.ts';
import { html, type Html } from './html.ts';
import type { DayRange } from './range.ts';

/** One series of a chart. */
export interface Dataset {
  label: string;
  /** `null`: no value that day (a gap in a line, "–" in the table, empty in the CSV). */
  data: (number | null)[];
  /** Shown in the table and the CSV only (a count beside a share, on another scale). */
  tableOnly?: boolean;
}

/**
 * What a chart shows, as `/console/assets/charts.js` reads it from `<canvas data-chart>`: the same numbers fill the
 * table view and the CSV export.
 */
export interface Chart {
  title: string;
  type: 'bar' | 'line';
  /** Stack the bars (parts of one total). */
  stacked?: boolean;
  /** What the labels are (the first column of the table and the CSV). */
  labelName: string;
  labels: string[];
  datasets: Dataset[];
}

/** The scripts a page with charts loads (served by the console, no CDN; no inline script, so a strict CSP holds). */
export const chartHead = html`<link rel="stylesheet" href="/console/assets/charts.css" />
  <script src="/console/assets/chart.js" defer></script>
  <script src="/console/assets/charts.js" defer></script>`;

const fmt = (n: number | null | undefined, none = '–') =>
  n === null || n === undefined ? none : Number.isInteger(n) ? String(n) : n.toFixed(2);

/**
 * A chart with its table view (`<details>`) and its CSV link. The spec is JSON in an attribute, escaped by `html`.
 * @example chartBlock('questions', chart, '/console/overview.csv', range)
 */
export function chartBlock(name: string, chart: Chart, csvPath: string, range?: DayRange): Html {
  const drawn = chart.datasets.filter((d) => !d.tableOnly).map((d) => ({ label: d.label, data: d.data }));
  const spec = { type: chart.type, stacked: chart.stacked ?? false, labels: chart.labels, datasets: drawn };
  const query = new URLSearchParams({ chart: name, ...(range ? { from: range.from, to: range.to } : {}) });
  return html`<section class="card" id="chart-${name}">
    <h2>${chart.title}</h2>
    ${
      chart.labels.length
        ? html`<div class="chart-box"><canvas role="img" aria-label="${chart.title}" data-chart="${JSON.stringify(spec)}"></canvas></div>`
        : html`<p class="note">Chưa có số liệu trong khoảng này.</p>`
    }
    <details>
      <summary>Xem dạng bảng</summary>
      <table>
        <thead>
          <tr>
            <th>${chart.labelName}</th>
            ${chart.datasets.map((d) => html`<th class="n">${d.label}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${chart.labels.map(
            (label, i) =>
              html`<tr>
                <td>${label}</td>
                ${chart.datasets.map((d) => html`<td class="n">${fmt(d.data[i])}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
    </details>
    <p><a href="${csvPath}?${query.toString()}" download>Tải CSV</a></p>
  </section>`;
}

/** The first line of every export. */
export const CSV_NOTE = '# Bình Dân: redacted data, no personal numbers (dữ liệu đã che, không có số cá nhân)';

/** A chart as CSV: the note line, a header row, then one row per label. */
export function chartCsv(chart: Chart): string {
  const rows = chart.labels.map((label, i) => [label, ...chart.datasets.map((d) => fmt(d.data[i], ''))]);
  return `${CSV_NOTE}\n${stringify([[chart.labelName, ...chart.datasets.map((d) => d.label)], ...rows])}`;
}

/**
 * Answers `<page>.csv?chart=<name>`: the chart's CSV, audited as `export.csv`; an unknown chart gets 404 naming the
 * ones there are.
 */
export async function sendChartCsv(
  req: FastifyRequest,
  res: FastifyReply,
  db: Queryable,
  input: { page: string; charts: Record<string, Chart>; range?: DayRange },
) {
  const name = String((req.query as Record<string, unknown>).chart ?? '');
  const chart = input.charts[name];
  if (!chart) return res.code(404).send({ error: `no chart "${name}": use ?chart= one of ${Object.keys(input.charts).join(', ')}` });
  const range = input.range ? { from: input.range.from, to: input.range.to } : {};
  await audit(db, req.account, 'export.csv', { page: input.page, chart: name, ...range }, req.ip);
  const file = `binhdan-${input.page}-${name}${input.range ? `-${input.range.from}-${input.range.to}` : ''}.csv`;
  return res
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file}"`)
    .header('cache-control', 'no-store')
    .send(chartCsv(chart));
}

/** A figure card: a big number and what it counts. */
export const figure = (label: string, value: number | string | null, note?: string) =>
  html`<div class="figure">
    <b>${value === null ? '–' : value}</b>${label}${note ? html`<br /><span class="note">${note}</span>` : ''}
  </div>`;
