// The live view: follows a stream (usually a query's output) over SignalR, shows a table of recent
// rows — or, for an updating query's changelog, the current result with its ops applied — and a
// chart of the numeric columns over event time.
import uPlot from '../vendor/uPlot.esm.js';
import { api } from './api.js';
import { follow } from './live.js';
import { $, el, formatCell } from './dom.js';

const maxRows = 200;
const maxPoints = 600;

let feed = null;
let view = null;

export function initResults() {
  $('#live-stream').addEventListener('change', () => start($('#live-stream').value));
  $('#live-from').addEventListener('change', () => start($('#live-stream').value));
  new ResizeObserver(() => view?.resizeChart()).observe($('#chart'));
}

export function setStreamChoices(streams) {
  const select = $('#live-stream');
  const chosen = select.value;
  const names = streams.map(s => s.name);
  if (select.options.length === names.length + 1 && names.every((n, i) => select.options[i + 1].value === n)) return;
  select.replaceChildren(el('option', { value: '' }, '— choose a stream —'), ...names.map(n => el('option', { value: n }, n)));
  select.value = names.includes(chosen) ? chosen : '';
}

/** Follows `stream`; from the first retained offset when asked, else only new events. */
export async function start(stream, { fromStart } = {}) {
  feed?.stop();
  feed = null;
  view?.destroy();
  view = null;
  const select = $('#live-stream');
  if (stream && ![...select.options].some(o => o.value === stream)) select.append(el('option', { value: stream }, stream));
  select.value = stream ?? '';
  if (fromStart !== undefined) $('#live-from').value = fromStart ? 'start' : 'head';
  if (!stream) return;

  // Resolve the starting offset to a number, so a reconnect resumes exactly where the view stood.
  let from;
  try {
    const page = await api.readEvents(stream, 0, 1).catch(error => {
      if (error.status === 410) return { firstRetainedOffset: error.problem.firstRetainedOffset, headOffset: null };
      throw error;
    });
    from = $('#live-from').value === 'start' ? page.firstRetainedOffset : page.headOffset;
  } catch (error) {
    $('#live-status').textContent = error.message;
    return;
  }
  view = new ResultsView(stream);
  const mine = view;
  feed = follow(stream, from ?? null, {
    onEvent: event => mine.add(event),
    onStatus: text => { $('#live-status').textContent = text; },
  });
}

class ResultsView {
  constructor(stream) {
    this.stream = stream;
    this.columns = [];
    this.recent = [];          // append-only: newest first
    this.current = new Map();  // changelog: row key → { row, count }
    this.updating = false;
    this.numeric = [];
    this.series = { x: [], ys: new Map() };
    this.chart = null;
    this.pending = false;
    this.count = 0;
    $('#results-title').textContent = `Rows of ${stream}`;
    $('#results-table thead').replaceChildren();
    $('#results-table tbody').replaceChildren();
    $('#results-empty').hidden = false;
    $('#chart').replaceChildren();
    $('#chart-empty').hidden = false;
  }

  add(event) {
    const data = event.data ?? {};
    const op = event.op ?? null;
    if (op === 'reset') {
      // The query was replaced (PUT /api/queries/{name}): what came before is another query's; start over.
      this.clear();
      return;
    }
    const row = { ...data };
    delete row.op;
    this.count++;
    for (const key of Object.keys(row)) if (!this.columns.includes(key)) this.columns.push(key);
    if (op === '+' || op === '-') {
      this.updating = true;
      const key = JSON.stringify(this.columns.map(c => row[c] ?? null));
      const entry = this.current.get(key);
      if (op === '+') this.current.set(key, { row, count: (entry?.count ?? 0) + 1, offset: event.offset });
      else if (entry && entry.count > 1) entry.count--;
      else this.current.delete(key);
    }
    this.recent.unshift({ offset: event.offset, timestamp: event.timestamp, op, row });
    if (this.recent.length > maxRows) this.recent.length = maxRows;
    this.addPoint(event.timestamp, row, op);
    this.schedule();
  }

  clear() {
    Object.assign(this, { columns: [], recent: [], current: new Map(), updating: false, numeric: [], series: { x: [], ys: new Map() }, count: 0 });
    this.chart?.destroy();
    this.chart = null;
    $('#chart').replaceChildren();
    $('#chart-empty').hidden = false;
    $('#live-status').textContent = `${this.stream} was replaced; showing the new query's rows`;
    this.schedule();
  }

  // Chart points: per numeric column for plain rows; for a changelog, one line per result key
  // (its text columns) of its first numeric column, so each group's value is followed over time.
  addPoint(timestamp, row, op) {
    for (const [key, value] of Object.entries(row)) {
      if (typeof value === 'number' && !this.numeric.includes(key)) this.numeric.push(key);
    }
    if (op === '-') return; // a retraction is not a new value
    const time = Date.parse(timestamp) / 1000;
    if (Number.isNaN(time)) return;
    const entries = this.updating ? changelogEntries(row) : Object.entries(row).filter(([, v]) => typeof v === 'number');
    const ys = this.series.ys;
    for (const [name] of entries) {
      if (!ys.has(name) && ys.size < 6) {
        ys.set(name, this.series.x.map(() => null));
        this.chart?.destroy();
        this.chart = null;
      }
    }
    if (!ys.size) return;
    const values = new Map(entries);
    // uPlot wants x ascending: insert in event-time order (output rows are almost always in order).
    let at = this.series.x.length;
    while (at > 0 && this.series.x[at - 1] > time) at--;
    this.series.x.splice(at, 0, time);
    for (const [name, line] of ys) line.splice(at, 0, values.get(name) ?? null);
    if (this.series.x.length > maxPoints) {
      this.series.x.shift();
      for (const line of ys.values()) line.shift();
    }
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      if (view !== this) return;
      this.renderTable();
      this.renderChart();
    });
  }

  renderTable() {
    const columns = this.columns;
    const head = el('tr', {}, this.updating ? null : el('th', { class: 'num' }, 'offset'), this.updating ? null : el('th', {}, 'time'),
      ...columns.map(c => el('th', { class: this.numeric.includes(c) ? 'num' : '' }, c)), this.updating ? el('th', { class: 'num' }, '×') : null);
    $('#results-table thead').replaceChildren(head);
    const rows = this.updating
      ? [...this.current.values()].sort((a, b) => b.offset - a.offset).slice(0, maxRows).map(entry =>
        el('tr', { class: entry.offset === this.recent[0]?.offset ? 'fresh' : '' },
          ...columns.map(c => cell(entry.row[c])),
          el('td', { class: 'num' }, entry.count)))
      : this.recent.map((r, i) => el('tr', { class: i === 0 ? 'fresh' : '' },
        el('td', { class: 'num muted' }, r.offset),
        el('td', { class: 'muted' }, formatTime(r.timestamp)),
        ...columns.map(c => cell(r.row[c]))));
    $('#results-table tbody').replaceChildren(...rows);
    $('#results-empty').hidden = rows.length > 0;
    $('#results-title').textContent = this.updating
      ? `Current result of ${this.stream} (${this.current.size} rows, changelog applied)`
      : `Latest rows of ${this.stream} (${this.count} received)`;
  }

  renderChart() {
    if (!this.series.ys.size || this.series.x.length === 0) return;
    $('#chart-empty').hidden = true;
    const names = [...this.series.ys.keys()];
    const data = [this.series.x, ...names.map(k => this.series.ys.get(k))];
    if (!this.chart) {
      const palette = ['#2f7de1', '#e1662f', '#1f9d55', '#9b51e0', '#c98a0b', '#d64545'];
      this.chart = new uPlot({
        width: this.chartWidth(),
        height: 260,
        scales: { x: { time: true } },
        series: [{}, ...names.map((k, i) => ({ label: k, stroke: palette[i % palette.length], width: 2, spanGaps: true, points: { show: this.series.x.length < 60 } }))],
        axes: [{}, { size: 60 }],
      }, data, $('#chart'));
    } else {
      this.chart.setData(data);
    }
  }

  chartWidth() { return Math.max(300, $('#chart').clientWidth || 800); }

  resizeChart() { this.chart?.setSize({ width: this.chartWidth(), height: 260 }); }

  destroy() { this.chart?.destroy(); this.chart = null; }
}

function changelogEntries(row) {
  const fields = Object.entries(row);
  const metric = fields.find(([, v]) => typeof v === 'number');
  if (!metric) return [];
  const key = fields.filter(([, v]) => typeof v !== 'number' && typeof v !== 'object').map(([, v]) => String(v)).join(' / ');
  return [[key ? `${key} · ${metric[0]}` : metric[0], metric[1]]];
}

function cell(value) {
  return el('td', { class: typeof value === 'number' ? 'num' : typeof value === 'object' && value ? 'json' : '' }, formatCell(value));
}

function formatTime(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().slice(11, 23);
}
