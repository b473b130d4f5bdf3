// A small time-series chart of one query metric (the query page's "Metrics over time"): the server's per-second
// samples of the last five minutes as a line, with its latest, smallest and largest value written out in the caption
// and in the chart's accessible name, so the figures do not depend on seeing the line.
import { el, setText, formatNumber } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const HEIGHT = 56;
// The x axis spans the samples there are, at least a minute (so a page opened early is not one steep line), at most
// the five minutes the server keeps.
const MIN_SPAN_MS = 60_000;
const MAX_SPAN_MS = 5 * 60_000;

/** A chart for one metric; `update(points)` takes [{ at: Date ms, value: number|null }], oldest first. */
export function metricChart(key, label, unit) {
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('class', 'series-line');
  const baseline = document.createElementNS(SVG, 'line');
  baseline.setAttribute('class', 'series-axis');
  for (const [name, value] of Object.entries({ x1: 0, x2: WIDTH, y1: HEIGHT - 1, y2: HEIGHT - 1 })) baseline.setAttribute(name, value);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.append(baseline, path);
  const summary = el('span', { class: 'series-summary' }, 'no samples yet');
  const node = el('figure', { class: 'series', dataset: { series: key, points: '0' } },
    el('figcaption', {}, el('span', { class: 'series-label' }, label), ' ', summary), svg);
  svg.setAttribute('aria-label', `${label}: no samples yet`);

  function update(points) {
    const values = points.map(p => p.value).filter(v => v != null);
    node.dataset.points = String(values.length);
    if (!values.length) {
      path.setAttribute('d', '');
      setText(summary, 'no samples yet');
      svg.setAttribute('aria-label', `${label}: no samples yet`);
      delete node.dataset.latest;
      return;
    }
    const latest = values[values.length - 1];
    const min = Math.min(...values);
    const max = Math.max(...values);
    node.dataset.latest = String(latest);
    node.dataset.max = String(max);
    const top = max > 0 ? max : 1;
    const end = points[points.length - 1].at;
    const spanMs = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, end - points[0].at));
    const x = at => WIDTH - ((end - at) / spanMs) * WIDTH;
    const y = value => (HEIGHT - 2) - (value / top) * (HEIGHT - 6);
    // A gap (the query was stopped, or restarted its counters) breaks the line instead of bridging it.
    let d = '';
    let drawing = false;
    for (const point of points) {
      if (point.value == null) { drawing = false; continue; }
      d += `${drawing ? 'L' : 'M'}${x(point.at).toFixed(1)},${y(point.value).toFixed(1)}`;
      drawing = true;
    }
    path.setAttribute('d', d);
    const text = `latest ${format(latest)}${unit}, min ${format(min)}${unit}, max ${format(max)}${unit}`;
    setText(summary, text);
    const span = Math.round((end - points[0].at) / 1000);
    svg.setAttribute('aria-label', `${label} over the last ${span} s: ${text}`);
  }

  return { node, update };
}

function format(value) {
  return formatNumber(Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10);
}
