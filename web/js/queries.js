// The queries view: editor validated as you type, registration, the list with lifecycle and metrics.
import { api } from './api.js';
import { createEditor } from './editor.js';
import { $, el, setMessage, formatNumber } from './dom.js';
import { editButton, backfillNote } from './replace.js';

const exampleSql = `SELECT sensor, COUNT(*) AS readings, AVG(value) AS mean, MAX(value) AS peak
FROM readings
GROUP BY sensor`;

let editor;
let validateTimer = null;
let validation = 0;

export function initQueries({ onFollow }) {
  editor = createEditor($('#sql-editor'), { onChange: scheduleValidation });
  editor.value = exampleSql;
  followQuery = onFollow;

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
    if (error.status === 400) showValidation(error.problem, true);
    else {
      editor.setError(null);
      setValidation(error.status === 404 ? 'The query API is not available on this server.' : error.message, 'error');
    }
  }
}

function showValidation(result, failed) {
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
  } catch {
    $('#queries-empty').textContent = 'The query API is not available on this server.';
    return;
  }
  if (!Array.isArray(list)) list = list?.queries ?? [];
  const body = $('#queries-table tbody');
  body.replaceChildren(...list.map(row));
  $('#queries-empty').hidden = list.length > 0;
  $('#queries-empty').textContent = 'No queries yet.';
}

function row(q) {
  const m = q.metrics ?? q;
  const state = String(q.state ?? 'unknown').toLowerCase();
  return el('tr', { dataset: { query: q.name } },
    el('td', {}, el('strong', {}, q.name)),
    el('td', {}, el('span', { class: `badge ${state}` }, state), backfillNote(q), q.error ? el('span', { class: 'error-text' }, q.error) : null),
    el('td', { class: 'muted' }, formatWatermark(m.watermark ?? q.watermark)),
    el('td', { class: 'num' }, formatNumber(m.eventsIn)),
    el('td', { class: 'num' }, formatNumber(m.rowsOut)),
    el('td', { class: 'num' }, formatNumber(m.lateEvents)),
    el('td', { class: 'num' }, formatNumber(m.stateSize)),
    el('td', { class: 'num' }, Array.isArray(m.inputs) ? formatNumber(m.inputs.reduce((sum, i) => sum + (i.lag ?? 0), 0)) : '–'),
    el('td', { class: 'num' }, latency(m, 'read')),
    el('td', { class: 'num' }, latency(m, 'process')),
    el('td', { class: 'num' }, latency(m, 'write')),
    el('td', { class: 'actions' },
      el('button', { type: 'button', class: 'small', onclick: () => followQuery(q.name) }, 'Results'),
      editButton(q, { onReplaced: name => { refreshQueries(); followQuery(name); } }),
      state === 'running'
        ? el('button', { type: 'button', class: 'small', onclick: () => act(api.stopQuery, q.name) }, 'Stop')
        : el('button', { type: 'button', class: 'small', onclick: () => act(api.startQuery, q.name) }, 'Start'),
      el('button', { type: 'button', class: 'small danger', onclick: () => confirm(`Delete query '${q.name}'?`) && act(api.deleteQuery, q.name) }, 'Delete')));
}

async function act(action, name) {
  try {
    await action(name);
  } catch (error) {
    setMessage($('#query-message'), error.message, 'error');
  }
  refreshQueries();
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
