import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ConsolePages } from './routes.ts';

/**
 * The console's chart scripts, public (no personal data in them) and cached: chart.js (v4, the UMD build from
 * node_modules, no CDN) and our `charts.js`, which draws every `<canvas data-chart='{json}'>` of the page.
 */

/** Where chart.js's browser build is (its package exports only the module builds; the UMD file sits beside them). */
export const chartJsPath = () => join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');

/** Draws the charts of the page from their `data-chart` JSON; plain ES5, no inline script needed. */
export const CHARTS_SCRIPT = `(function () {
  var COLORS = ['#0b57d0', '#1e7d32', '#b3261e', '#e37400', '#6a1b9a', '#00838f', '#5b6570', '#c2185b'];
  function draw() {
    if (!window.Chart) return;
    var canvases = document.querySelectorAll('canvas[data-chart]');
    for (var i = 0; i < canvases.length; i++) {
      var canvas = canvases[i], spec;
      try { spec = JSON.parse(canvas.getAttribute('data-chart')); } catch (e) { continue; }
      var datasets = spec.datasets.map(function (d, j) {
        var color = COLORS[j % COLORS.length];
        return { label: d.label, data: d.data, backgroundColor: color, borderColor: color, fill: false, tension: 0, spanGaps: false };
      });
      var y = { beginAtZero: true, stacked: !!spec.stacked, ticks: { precision: 0 } };
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
          scales: { x: { stacked: !!spec.stacked }, y: y }, plugins: { legend: { position: 'bottom' } } }
      });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw); else draw();
})();
`;

const CHARTS_CSS = `.chart-box { position: relative; height: 280px; width: 100%; }
@media (max-width: 600px) { .chart-box { height: 220px; } }
.flag { color: #b3261e; font-weight: 600; }
.cards .figure { font-size: .95rem; }
`;

const CACHE = 'public, max-age=86400';

export const chartAssets: ConsolePages = (scope) => {
  let chartJs: Promise<Buffer> | undefined;
  scope.get('/assets/chart.js', { config: { console: 'public' } }, async (_req, res) => {
    chartJs ??= readFile(chartJsPath()).catch((err: Error) => {
      chartJs = undefined;
      throw new Error(`chart.js not found (${err.message}): run npm ci so node_modules/chart.js/dist/chart.umd.js exists`);
    });
    return res
      .type('text/javascript; charset=utf-8')
      .header('cache-control', CACHE)
      .send(await chartJs);
  });
  scope.get('/assets/charts.js', { config: { console: 'public' } }, async (_req, res) =>
    res.type('text/javascript; charset=utf-8').header('cache-control', CACHE).send(CHARTS_SCRIPT),
  );
  scope.get('/assets/charts.css', { config: { console: 'public' } }, async (_req, res) =>
    res.type('text/css; charset=utf-8').header('cache-control', CACHE).send(CHARTS_CSS),
  );
};
