// The Live tab: follows a stream (usually a query's output) over SignalR, shows a table of recent
// rows — or, for an updating query's changelog, the current result with its ops applied — and a
// chart of one numeric column over event time, one line per key (the top few keys), with the same
// figures as a table for those who do not see the chart.
import { api } from './api.js';
import { follow } from './signalr-follow.js';
import { on } from './ui-hooks.js';
import { currentQueries } from './queries.js';
import { $, el, formatCell, formatNumber } from './dom.js';

const uPlot = globalThis.uPlot; // web/lib/uplot, loaded by index.html

const maxRows = 200;
const maxHistory = 5000;   // rows kept for the chart, so a new choice of column or key redraws from them
const maxPoints = 600;     // points per line
const maxLines = 6;        // the keys with the largest latest values get a line
const palette = ['#1f63c0', '#b5501c', '#17703c', '#7a3cc2', '#8a5a00', '#b42323'];

let feed = null;
let view = null;

export function initLiveTab() {
  $('#live-stream').addEventListener('change', () => start($('#live-stream').value));
  $('#live-from').addEventListener('change', () => start($('#live-stream').value));
  $('#chart-value').addEventListener('change', () => view?.choose({ value: $('#chart-value').value }));
  $('#chart-key').addEventListener('change', () => view?.choose({ key: $('#chart-key').value }));
  new ResizeObserver(() => view?.resizeChart()).observe($('#chart'));
  // A replaced or reset query starts its output over: forget what is shown and follow it again.
  on('live-reset', stream => { if (view?.stream === stream) start(stream, { fromStart: true }); });
}

export function setStreamChoices(streams) {
  const select = $('#live-stream');
  const chosen = select.value;
  const names = streams.map(s => s.name);
  if (select.options.length === names.length + 1 && names.every((n, i) => select.options[i + 1].value === n)) return;
  select.replaceChildren(el('option', { value: '' }, '— choose a stream —'), ...names.map(n => el('option', { value: n }, n)));
  select.value = names.includes(chosen) ? chosen : '';
}

/** Follows `stream`; from the first retained offset unless asked for new events only. */
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
  view = new LiveView(stream, await groupColumnsOf(stream));
  const mine = view;
  feed = follow(stream, from ?? null, {
    onEvent: event => mine.add(event),
    onStatus: text => { $('#live-status').textContent = text; },
  });
}

// A query's GROUP BY columns are its output's keys: the chart draws one line per key, never the key as a value.
// (A regular expression over the SQL is enough here: a wrong guess only changes the chart's default choice.)
async function groupColumnsOf(stream) {
  try {
    const query = currentQueries().find(q => q.name === stream) ?? (await api.listQueries()).find(q => q.name === stream);
    if (!query) return [];
    const groupBy = /\bGROUP\s+BY\s+([\s\S]*?)(?:\bHAVING\b|\bORDER\b|\bLIMIT\b|\bEMIT\b|$)/i.exec(query.sql)?.[1] ?? '';
    const output = new Set((query.outputSchema ?? []).map(c => c.name));
    // A window's bounds are when, not who: its groups are the same key over time, one line.
    return groupBy.split(',').map(part => part.trim().split('.').pop().replace(/"/g, ''))
      .filter(name => output.has(name) && name !== 'window_start' && name !== 'window_end');
  } catch {
    return [];
  }
}

// Column names that hold identifiers, not measures: never the default value of the chart.
function looksLikeId(name) {
  return /(^|_)id$|^(auction|bidder|seller|person|category|window_start|window_end)$/i.test(name);
}

class LiveView {
  constructor(stream, groupColumns) {
    this.stream = stream;
    this.groupColumns = groupColumns;
    this.clear();
  }

  // The view as it starts: no rows, no columns, no chart (also after a `reset` event: the query was replaced).
  clear() {
    this.chart?.destroy();
    this.columns = [];
    this.numeric = [];
    this.recent = [];          // append-only: newest first
    this.current = new Map();  // changelog: row key → { row, count }
    this.updating = false;
    this.history = [];         // { time, row } of added rows, oldest first, for the chart
    this.choice = { value: null, key: null }; // null: not chosen by the person yet
    this.chart = null;
    this.chartLines = '';
    this.pending = false;
    this.count = 0;
    $('#results-title').textContent = `Rows of ${this.stream}`;
    $('#results-table thead').replaceChildren();
    $('#results-table tbody').replaceChildren();
    $('#results-empty').hidden = false;
    $('#chart').replaceChildren();
    $('#chart').setAttribute('aria-label', 'Chart: no rows yet');
    $('#chart-empty').hidden = false;
    $('#chart-value').replaceChildren();
    $('#chart-key').replaceChildren();
    $('#chart-summary caption').textContent = '';
    $('#chart-summary thead').replaceChildren();
    $('#chart-summary tbody').replaceChildren();
  }

  add(event) {
    const data = event.data ?? {};
    const op = event.op ?? null;
    if (op === 'reset') {
      // The query was replaced (PUT /api/queries/{name}): what came before is another query's; start over.
      this.clear();
      $('#live-status').textContent = `${this.stream} was replaced; showing the new query's rows`;
      return;
    }
    const row = { ...data };
    delete row.op;
    this.count++;
    for (const [key, value] of Object.entries(row)) {
      if (!this.columns.includes(key)) this.columns.push(key);
      if (typeof value === 'number' && !this.numeric.includes(key)) this.numeric.push(key);
    }
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
    const time = Date.parse(event.timestamp) / 1000;
    if (op !== '-' && !Number.isNaN(time)) { // a retraction is not a new value
      this.history.push({ time, row });
      if (this.history.length > maxHistory) this.history.splice(0, this.history.length - maxHistory);
    }
    this.schedule();
  }

  choose(choice) {
    Object.assign(this.choice, choice);
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      if (view !== this) return;
      this.renderTable();
      this.renderChoices();
      this.renderChart();
    });
  }

  renderTable() {
    const columns = this.columns;
    const head = el('tr', {}, this.updating ? null : el('th', { scope: 'col', class: 'num' }, 'offset'), this.updating ? null : el('th', { scope: 'col' }, 'time'),
      ...columns.map(c => el('th', { scope: 'col', class: this.numeric.includes(c) ? 'num' : '' }, c)), this.updating ? el('th', { scope: 'col', class: 'num' }, '×') : null);
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

  // The value column: the person's choice, else the first numeric column that is not a key or an id.
  // The key: the person's choice ('' = one line), else the query's GROUP BY columns, else for a changelog its
  // text columns; plain rows get one line.
  valueColumn() {
    if (this.choice.value && this.numeric.includes(this.choice.value)) return this.choice.value;
    return this.numeric.find(c => !this.groupColumns.includes(c) && !looksLikeId(c)) ?? this.numeric.find(c => !this.groupColumns.includes(c)) ?? this.numeric[0] ?? null;
  }

  keyColumns() {
    if (this.choice.key !== null) return this.choice.key ? this.choice.key.split(' / ') : [];
    if (this.groupColumns.length) return this.groupColumns.filter(c => this.columns.includes(c));
    if (!this.updating) return [];
    const sample = this.history.at(-1)?.row ?? {};
    return this.columns.filter(c => typeof sample[c] !== 'number' && typeof sample[c] !== 'object');
  }

  renderChoices() {
    const value = this.valueColumn();
    const keys = this.keyColumns();
    fill($('#chart-value'), this.numeric.map(c => [c, c]), value ?? '');
    const keyChoices = [['', '— one line —'], ...this.columns.filter(c => c !== value).map(c => [c, c])];
    const chosenKey = keys.length > 1 ? keys.join(' / ') : keys[0] ?? '';
    if (keys.length > 1) keyChoices.splice(1, 0, [chosenKey, chosenKey]);
    fill($('#chart-key'), keyChoices, chosenKey);
  }

  // Lines: one per key of the chosen value column, the `maxLines` keys with the largest latest value.
  lines() {
    const value = this.valueColumn();
    if (!value) return { value, lines: [] };
    const keyColumns = this.keyColumns();
    const byKey = new Map();
    for (const { time, row } of this.history) {
      const y = row[value];
      if (typeof y !== 'number') continue;
      const key = keyColumns.map(c => keyText(row[c])).join(' / ');
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key).push([time, y]);
    }
    const lines = [...byKey.entries()]
      .map(([key, points]) => ({ key, label: key ? `${key} · ${value}` : value, points: points.slice(-maxPoints), latest: points.at(-1)[1] }))
      .sort((a, b) => b.latest - a.latest)
      .slice(0, maxLines);
    return { value, keyColumns, keyCount: byKey.size, lines };
  }

  renderChart() {
    const { value, keyColumns, keyCount, lines } = this.lines();
    if (!lines.length) return;
    $('#chart-empty').hidden = true;
    // uPlot wants one ascending x axis shared by every line: the union of the lines' times.
    const times = [...new Set(lines.flatMap(l => l.points.map(p => p[0])))].sort((a, b) => a - b).slice(-maxPoints);
    const index = new Map(times.map((t, i) => [t, i]));
    const data = [times, ...lines.map(line => {
      const ys = times.map(() => null);
      for (const [t, y] of line.points) if (index.has(t)) ys[index.get(t)] = y;
      return ys;
    })];
    const signature = lines.map(l => l.label).join('\n');
    if (this.chart && signature === this.chartLines) {
      this.chart.setData(data);
    } else {
      this.chart?.destroy();
      this.chartLines = signature;
      this.chart = new uPlot({
        width: this.chartWidth(),
        height: 260,
        scales: { x: { time: true } },
        series: [{}, ...lines.map((l, i) => ({ label: l.label, stroke: palette[i % palette.length], width: 2, spanGaps: true, points: { show: times.length < 60 } }))],
        axes: [{}, { size: 60 }],
      }, data, $('#chart'));
    }
    const by = keyColumns.length ? ` by ${keyColumns.join(' / ')}` : '';
    const shownKeys = keyColumns.length && keyCount > lines.length ? ` (the ${lines.length} largest of ${keyCount} keys)` : '';
    const description = `Line chart of ${value}${by} over event time${shownKeys}; the same figures are in the table below the chart.`;
    $('#chart').setAttribute('aria-label', description);
    this.renderSummary(value, keyColumns, lines, description);
  }

  renderSummary(value, keyColumns, lines, description) {
    const table = $('#chart-summary');
    table.caption.textContent = description;
    table.tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col' }, keyColumns.length ? keyColumns.join(' / ') : 'line'),
      ...['latest', 'min', 'max', 'points', 'latest at'].map(h => el('th', { scope: 'col', class: h === 'latest at' ? '' : 'num' }, h))));
    table.tBodies[0].replaceChildren(...lines.map(line => {
      const ys = line.points.map(p => p[1]);
      return el('tr', {}, el('th', { scope: 'row' }, line.key || value),
        el('td', { class: 'num' }, formatNumber(line.latest)), el('td', { class: 'num' }, formatNumber(Math.min(...ys))),
        el('td', { class: 'num' }, formatNumber(Math.max(...ys))), el('td', { class: 'num' }, line.points.length),
        el('td', {}, formatTime(new Date(line.points.at(-1)[0] * 1000).toISOString())));
    }));
  }

  chartWidth() { return Math.max(260, $('#chart').clientWidth || 800); }

  resizeChart() { this.chart?.setSize({ width: this.chartWidth(), height: 260 }); }

  destroy() { this.chart?.destroy(); this.chart = null; }
}

// A key as written in the data (1007, not 1,007): it names a line, it is not a quantity.
function keyText(value) {
  if (value == null) return 'NULL';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function fill(select, choices, chosen) {
  const current = [...select.options].map(o => `${o.value}\t${o.text}`).join('\n');
  if (current !== choices.map(([v, t]) => `${v}\t${t}`).join('\n')) {
    select.replaceChildren(...choices.map(([v, t]) => el('option', { value: v }, t)));
  }
  if (select.value !== chosen) select.value = chosen;
}

function cell(value) {
  return el('td', { class: typeof value === 'number' ? 'num' : typeof value === 'object' && value ? 'json' : '' }, formatCell(value));
}

function formatTime(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().slice(11, 23);
}
