// The queries view: editor validated as you type, registration, the list with lifecycle and metrics, and the page
// of one query (query-page.js).
import { api } from './api.js';
import { createEditor } from './editor.js';
import { showQueryPage, refreshQueryPage } from './query-page.js';
import { emit } from './ui-hooks.js';
import { $, el, setMessage, setText, syncRows, formatNumber } from './dom.js';

const exampleSql = `SELECT sensor, COUNT(*) AS readings, AVG(value) AS mean, MAX(value) AS peak
FROM readings
GROUP BY sensor`;

let editor;
let validateTimer = null;
let validation = 0;
let failedValidation = false;
let queries = [];
let openQuery = () => {};

export function currentQueries() { return queries; }

export function initQueries({ onFollow, onOpen }) {
  editor = createEditor($('#sql-editor'), { onChange: scheduleValidation });
  editor.value = exampleSql;
  followQuery = onFollow;
  openQuery = onOpen;

  $('#query-form').addEventListener('submit', async event => {
    event.preventDefault();
    const form = event.currentTarget;
    const message = $('#query-message');
    const registration = { name: form.name.value.trim(), sql: editor.value };
    if (form.latest.checked) registration.from = 'latest';
    try {
      await api.registerQuery(registration);
      setMessage(message, `Registered '${registration.name}'; its rows go to the stream of the same name.`, 'ok');
      refreshQueries();
      onFollow(registration.name);
    } catch (error) {
      setMessage(message, error.message, 'error');
      showValidation(error.problem ?? {}, true);
    }
  });

  refreshQueries();
  setInterval(refreshQueries, 1000);
}

let followQuery = () => {};

function scheduleValidation() {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validate, 300);
}

async function validate() {
  const sql = editor.value;
  const mine = ++validation;
  if (!sql.trim()) {
    editor.setError(null);
    setValidation('', '');
    return;
  }
  try {
    const result = await api.validateQuery(sql);
    if (mine !== validation) return;
    showValidation(result, false);
  } catch (error) {
    if (mine !== validation) return;
    if (error.status === 400 && sql === exampleSql && /readings/.test(error.problem?.detail ?? '')) showExampleHint();
    else if (error.status === 400) showValidation(error.problem, true);
    else {
      editor.setError(null);
      setValidation(error.status === 404 ? 'The query API is not available on this server.' : error.message, 'error');
    }
  }
}

// The built-in example reads a stream that a new server does not have: say so as a hint, not as an error.
function showExampleHint() {
  failedValidation = true;
  editor.setError(null);
  $('#plan').textContent = 'The plan shows once the query is valid.';
  $('#schema').replaceChildren();
  setValidation("This example reads a stream named 'readings' (sensor text, value double): create it on the Streams tab, or write your own query.", 'hint');
}

/** The streams changed: an error about a missing stream may be gone now, so check the query again. */
let streamNames = '';
export function streamsChanged(list) {
  const names = list.map(s => s.name).join(',');
  if (names === streamNames) return;
  streamNames = names;
  if (failedValidation) scheduleValidation();
}

function showValidation(result, failed) {
  failedValidation = failed;
  if (!failed) {
    editor.setError(null);
    setValidation('✓ The query is valid.', 'ok');
    $('#plan').textContent = result.plan ?? '(no plan returned)';
    renderSchema(result);
    return;
  }
  $('#plan').textContent = 'Fix the error to see the plan.';
  $('#schema').replaceChildren();
  const line = Number(result.line ?? result.extensions?.line);
  const column = Number(result.column ?? result.extensions?.column);
  // `message` is the bare reason; `detail` repeats the position in words.
  const text = result.message ?? result.detail ?? result.title ?? 'The query is invalid.';
  if (line > 0) {
    editor.setError({ line, column: column > 0 ? column : 1 });
    const node = $('#validation');
    node.className = 'validation error';
    node.replaceChildren(el('span', { class: 'where' }, `line ${line}, column ${column}`), text);
  } else {
    editor.setError(null);
    setValidation(text, 'error');
  }
}

function setValidation(text, kind) {
  const node = $('#validation');
  node.textContent = text;
  node.className = `validation ${kind}`;
}

function renderSchema(result) {
  const columns = result.columns ?? result.outputSchema ?? result.schema ?? [];
  const list = Array.isArray(columns) ? columns : Object.entries(columns).map(([name, type]) => ({ name, type }));
  $('#schema').replaceChildren(...list.map(c => el('span', {}, c.name, ' ', el('em', {}, String(c.type ?? '').toLowerCase()))));
}

export async function refreshQueries() {
  let list;
  try {
    list = await api.listQueries();
  } catch (error) {
    if (error.status === 404) $('#queries-empty').textContent = 'The query API is not available on this server.';
    return;
  }
  if (!Array.isArray(list)) list = list?.queries ?? [];
  queries = list;
  syncRows($('#queries-table tbody'), list, { keyOf: q => q.name, create: createRow, update: updateRow });
  $('#queries-empty').hidden = list.length > 0;
  $('#queries-empty').textContent = 'No queries yet.';
  refreshQueryPage(list);
}

/** Puts a registered query's name and SQL into the editor, to change and register it (or replace it, where the API has that). */
export function editQuery(query) {
  $('#query-form').name.value = query.name;
  editor.value = query.sql;
  editor.focus();
}

export function openQueryPage(name) {
  showQueryPage(name, queries.find(q => q.name === name));
}

// A row's cells and buttons are made once and updated in place each second (see syncRows); the buttons read the
// row's current query when clicked.
function createRow(q) {
  const tr = el('tr', { dataset: { query: q.name } });
  const current = () => tr.query;
  tr.append(
    el('th', { scope: 'row' }, el('button', { type: 'button', class: 'link open', 'aria-label': `Open query ${q.name}`, onclick: () => openQuery(current().name) }, q.name)),
    el('td', { class: 'state' }, el('span', { class: 'badge' }), el('span', { class: 'error-text' })),
    el('td', { class: 'muted watermark' }),
    ...['eventsIn', 'rowsOut', 'late', 'rowErrors', 'stateSize', 'lag', 'read', 'process', 'write'].map(name => el('td', { class: `num ${name}` })),
    el('td', { class: 'actions' },
      el('button', { type: 'button', class: 'small results', 'aria-label': `Results of ${q.name}`, onclick: () => followQuery(current().name) }, 'Results'),
      el('button', { type: 'button', class: 'small toggle', 'data-needs': `manage:${q.name}`, onclick: () => {
        const query = current();
        act(isRunning(query) ? api.stopQuery : api.startQuery, query.name);
      } }),
      el('button', { type: 'button', class: 'small danger delete', 'data-needs': `manage:${q.name}`, 'aria-label': `Delete query ${q.name}`, onclick: () => {
        const name = current().name;
        if (confirm(`Delete query '${name}'?`)) act(api.deleteQuery, name);
      } })));
  tr.querySelector('.delete').textContent = 'Delete';
  return tr;
}

function isRunning(q) { return String(q.state ?? '').toLowerCase() === 'running'; }

function updateRow(tr, q) {
  tr.query = q;
  const m = q.metrics ?? q;
  const state = String(q.state ?? 'unknown').toLowerCase();
  const badge = tr.querySelector('.badge');
  badge.className = `badge ${state}`;
  setText(badge, state);
  setText(tr.querySelector('.error-text'), q.error ?? '');
  setText(tr.querySelector('.watermark'), formatWatermark(m.watermark ?? q.watermark));
  setText(tr.querySelector('.eventsIn'), formatNumber(m.eventsIn));
  setText(tr.querySelector('.rowsOut'), formatNumber(m.rowsOut));
  setText(tr.querySelector('.late'), formatNumber(m.lateEvents));
  setText(tr.querySelector('.rowErrors'), formatNumber(m.rowErrors));
  setText(tr.querySelector('.stateSize'), formatNumber(m.stateSize));
  setText(tr.querySelector('.lag'), Array.isArray(m.inputs) ? formatNumber(m.inputs.reduce((sum, i) => sum + (i.lag ?? 0), 0)) : '–');
  setText(tr.querySelector('.read'), latency(m, 'read'));
  setText(tr.querySelector('.process'), latency(m, 'process'));
  setText(tr.querySelector('.write'), latency(m, 'write'));
  const toggle = tr.querySelector('.toggle');
  const verb = state === 'running' ? 'Stop' : 'Start';
  setText(toggle, verb);
  toggle.setAttribute('aria-label', `${verb} query ${q.name}`);
  emit('query-row', tr, q);
}

export async function act(action, name) {
  try {
    await action(name);
  } catch (error) {
    setMessage($('#query-message'), error.message, 'error');
  }
  await refreshQueries();
}

function formatWatermark(value) {
  if (!value) return '–';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('T', ' ').replace('Z', '');
}

// The three latency terms (SPEC §6), accepting the shapes a metrics object may reasonably take.
function latency(m, term) {
  const capital = term[0].toUpperCase() + term.slice(1);
  const source = m[`t${capital}`] ?? m[`T_${term}`] ?? m.latency?.[term] ?? m.latencies?.[term] ?? m[`${term}Latency`] ?? m[term];
  const p50 = source?.p50 ?? source?.p50Ms ?? m[`t${capital}P50`] ?? m[`t${capital}P50Ms`];
  const p99 = source?.p99 ?? source?.p99Ms ?? m[`t${capital}P99`] ?? m[`t${capital}P99Ms`];
  if (p50 == null && p99 == null) return '–';
  return `${formatMs(p50)} / ${formatMs(p99)}`;
}

function formatMs(value) {
  if (value == null) return '–';
  if (typeof value === 'string') return value;
  if (value < 1) return `${Math.round(value * 1000)} µs`;
  return `${Math.round(value * 10) / 10} ms`;
}
