// Throughput over time as an SVG bar chart, one bar per bucket (10 s unless the job is long),
// with the numbers also in a table for screen readers and for copying.
import { h } from './dom.js';
import { perSecond, when } from './format.js';

const W = 720;
const H = 180;
const PAD = { left: 48, right: 8, top: 10, bottom: 24 };

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v) ?? 10 * p;
}

export function throughputChart(timeline) {
  const points = timeline.throughput;
  if (!points.length) {
    return h('p', { class: 'muted' }, timeline.source === 'none' ? 'No throughput yet: it is recorded as batches finish.' : 'No batch has finished yet.');
  }
  const max = niceMax(Math.max(...points.map((p) => p.items_per_s)));
  const peak = Math.max(...points.map((p) => p.items_per_s));
  const last = points[points.length - 1].items_per_s;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const bw = innerW / points.length;
  const y = (v) => PAD.top + innerH - (v / max) * innerH;
  const svg = h('svg:svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': `Throughput per ${timeline.bucket_s} s over ${points.length} intervals: peak ${perSecond(peak)} items/s, latest ${perSecond(last)} items/s`,
  });
  for (const f of [0, 0.5, 1]) {
    svg.append(h('svg:line', { x1: PAD.left, x2: W - PAD.right, y1: y(max * f), y2: y(max * f), class: 'grid' }));
    svg.append(h('svg:text', { x: PAD.left - 6, y: y(max * f) + 4, 'text-anchor': 'end', class: 'axis' }, perSecond(max * f)));
  }
  points.forEach((p, i) => {
    const bar = h('svg:rect', { x: PAD.left + i * bw + (bw > 3 ? 1 : 0), y: y(p.items_per_s), width: Math.max(1, bw - (bw > 3 ? 2 : 0)), height: Math.max(0, y(0) - y(p.items_per_s)), class: 'bar-rect' });
    bar.append(h('svg:title', {}, `${when(p.at)}: ${perSecond(p.items_per_s)} items/s`));
    svg.append(bar);
  });
  svg.append(h('svg:text', { x: PAD.left, y: H - 6, class: 'axis' }, when(points[0].at)));
  svg.append(h('svg:text', { x: W - PAD.right, y: H - 6, 'text-anchor': 'end', class: 'axis' }, when(points[points.length - 1].at)));
  const table = h('details', { class: 'chart-data' },
    h('summary', {}, 'Show the numbers'),
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'From'), h('th', { scope: 'col' }, 'Items/s'))),
      h('tbody', {}, points.map((p) => h('tr', {}, h('td', {}, h('time', { datetime: p.at }, when(p.at))), h('td', { class: 'num' }, perSecond(p.items_per_s)))))));
  return h('figure', { class: 'chart-figure' }, svg, h('figcaption', { class: 'muted small' }, `Items/s per ${timeline.bucket_s} s · peak ${perSecond(peak)}`), table);
}
