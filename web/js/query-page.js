// The page of one registered query (#queries/NAME): its SQL, plan, inputs, state and error, metrics with the
// row errors, metrics over time (the server's per-second samples from GET /api/queries/NAME), and a preview of the
// query on events you give (POST /api/queries/preview). Built once when opened, its figures updated in place on
// every refresh of the list.
import { api } from './api.js';
import { emit } from './ui-hooks.js';
import { currentStreams } from './streams.js';
import { $, el, setText, formatNumber, formatCell } from './dom.js';
import { metricChart } from './metrics-chart.js';

let shown = null; // { name, card }

export function showQueryPage(name, query) {
  const card = $('#query-page');
  if (!query) {
    card.hidden = false;
    card.replaceChildren(el('h2', { id: 'query-page-title' }, `Query ${name}`), el('p', { class: 'empty' }, 'No query by that name (yet).'));
    shown = { name, card, pending: true };
    return;
  }
  const charts = {
    eventsInPerSecond: metricChart('eventsIn', 'events in per second', '/s'),
    rowsOutPerSecond: metricChart('rowsOut', 'rows out per second', '/s'),
    watermarkLagSeconds: metricChart('watermarkLag', 'watermark behind the wall clock', ' s'),
    lateEventsPerSecond: metricChart('lateEvents', 'late events per second', '/s'),
  };
  shown = { name, card, charts };
  card.hidden = false;
  card.replaceChildren(
    el('div', { class: 'row page-head' },
      el('h2', { id: 'query-page-title' }, 'Query ', el('code', {}, name)),
      el('span', { class: 'badge state' }),
      el('span', { class: 'muted kind' }, query.isUpdating ? 'updating (changelog with +/-)' : 'append-only'),
      el('button', { type: 'button', class: 'small close', 'aria-label': `Close the page of query ${name}`, onclick: closeQueryPage }, 'Close')),
    el('p', { class: 'error-text query-error', role: 'status' }),
    el('div', { class: 'actions page-actions' },
      el('button', { type: 'button', class: 'small', onclick: () => followOutput(name) }, 'Follow its output live'),
      el('button', { type: 'button', class: 'small', onclick: () => loadIntoEditor(query) }, 'Copy into the editor')),
    el('div', { class: 'grid two' },
      el('div', {},
        el('h3', {}, 'SQL'), el('pre', { class: 'plan sql', tabindex: 0 }, query.sql),
        el('h3', {}, 'Plan'), el('pre', { class: 'plan', tabindex: 0 }, query.plan ?? ''),
        el('h3', {}, 'Output'), el('p', { class: 'schema' }, ...(query.outputSchema ?? []).map(c => el('span', {}, c.name, ' ', el('em', {}, c.type))))),
      el('div', {},
        el('h3', {}, 'Metrics'),
        el('dl', { class: 'figures' },
          ...figure('events in', 'eventsIn'), ...figure('rows out', 'rowsOut'), ...figure('output events/s (server)', 'outRate'),
          ...figure('late events', 'lateEvents'), ...figure('skipped events', 'skippedEvents'), ...figure('row errors', 'rowErrors'),
          ...figure('watermark', 'watermark'), ...figure('watermark behind the wall clock', 'watermarkLag'), ...figure('state size', 'stateSize')),
        el('h3', { id: 'metrics-over-time-title' }, 'Metrics over time'),
        el('p', { class: 'hint' }, 'The server\'s samples, one a second, of the last five minutes.'),
        el('div', { class: 'series-grid', role: 'group', 'aria-labelledby': 'metrics-over-time-title' }, ...Object.values(charts).map(c => c.node)),
        el('h3', {}, 'Inputs'),
        el('div', { class: 'table-wrap' }, el('table', { class: 'data inputs' },
          el('thead', {}, el('tr', {}, ...['stream', 'next offset', 'head', 'lag', 'events/s (server)'].map((h, i) => el('th', { scope: 'col', class: i ? 'num' : '' }, h)))),
          el('tbody'))),
        el('h3', {}, 'Recent row errors'),
        el('ul', { class: 'row-errors' }))),
    previewSection(query));
  emit('query-page', card, query);
  update(query);
  refreshHistory();
  card.focus();
}

export function closeQueryPage() {
  $('#query-page').hidden = true;
  shown = null;
  if (location.hash.startsWith('#queries/')) history.replaceState(null, '', '#queries');
}

/** The list was refreshed: update the open page's figures (or draw it, if it waited for its query). */
export function refreshQueryPage(list) {
  if (!shown) return;
  const query = list.find(q => q.name === shown.name);
  if (shown.pending) {
    if (query) showQueryPage(shown.name, query);
    return;
  }
  if (!query) {
    setText(shown.card.querySelector('.query-error'), 'This query was deleted.');
    return;
  }
  update(query);
  refreshHistory();
}

// The series come from GET /api/queries/NAME (the list leaves them out); one request at a time.
async function refreshHistory() {
  const page = shown;
  if (!page || page.pending || page.loadingHistory) return;
  page.loadingHistory = true;
  try {
    const query = await api.describeQuery(page.name);
    if (shown !== page) return;
    const points = query.metricsHistory?.points ?? [];
    for (const [field, chart] of Object.entries(page.charts)) {
      chart.update(points.map(p => ({ at: Date.parse(p.at), value: p[field] ?? null })));
    }
  } catch {
    // The list's refresh reports an unreachable server; the charts keep their last samples meanwhile.
  } finally {
    page.loadingHistory = false;
  }
}

let followOutput = () => {};
let loadIntoEditor = () => {};
export function initQueryPage({ onFollow, onEdit }) {
  followOutput = onFollow;
  loadIntoEditor = onEdit;
}

function figure(label, key) {
  return [el('dt', {}, label), el('dd', { dataset: { figure: key } }, '–')];
}

function update(query) {
  const card = shown.card;
  const m = query.metrics ?? {};
  const state = String(query.state ?? '').toLowerCase();
  const badge = card.querySelector('.badge.state');
  badge.className = `badge state ${state}`;
  setText(badge, state);
  setText(card.querySelector('.query-error'), query.error ? `Error: ${query.error}` : '');
  const streams = new Map(currentStreams().map(s => [s.name, s]));
  const rate = name => streams.get(name)?.eventsPerSecond;
  const watermark = m.watermark ? new Date(m.watermark) : null;
  const values = {
    eventsIn: formatNumber(m.eventsIn), rowsOut: formatNumber(m.rowsOut), outRate: formatRate(rate(query.name)),
    lateEvents: formatNumber(m.lateEvents), skippedEvents: formatNumber(m.skippedEvents), rowErrors: formatNumber(m.rowErrors),
    watermark: watermark ? watermark.toISOString().replace('T', ' ').replace('Z', '') : '–',
    watermarkLag: watermark ? formatSeconds((Date.now() - watermark.getTime()) / 1000) : '–',
    stateSize: formatNumber(m.stateSize),
  };
  for (const [key, text] of Object.entries(values)) setText(card.querySelector(`[data-figure=${key}]`), text);

  const body = card.querySelector('table.inputs tbody');
  const inputs = m.inputs ?? (query.inputs ?? []).map(stream => ({ stream }));
  if (body.rows.length !== inputs.length) {
    body.replaceChildren(...inputs.map(() => el('tr', {}, el('th', { scope: 'row' }), el('td', { class: 'num' }), el('td', { class: 'num' }), el('td', { class: 'num' }), el('td', { class: 'num' }))));
  }
  inputs.forEach((input, i) => {
    const cells = body.rows[i].cells;
    setText(cells[0], input.stream);
    setText(cells[1], formatNumber(input.offset));
    setText(cells[2], formatNumber(input.headOffset));
    setText(cells[3], formatNumber(input.lag));
    setText(cells[4], formatRate(rate(input.stream)));
  });

  const errors = card.querySelector('.row-errors');
  const recent = m.recentRowErrors ?? [];
  const texts = recent.length
    ? recent.map(e => `${e.message}${e.stream ? ` (${e.stream}${e.offset != null ? ` offset ${e.offset}` : ''})` : ''}`)
    : ['None.'];
  if ([...errors.children].map(li => li.textContent).join('\n') !== texts.join('\n')) errors.replaceChildren(...texts.map(t => el('li', {}, t)));
}

// Preview: the query run on events typed here (by default the last few events of each input), nothing stored.
function previewSection(query) {
  const events = el('textarea', { rows: 6, spellcheck: 'false', id: 'preview-events', 'aria-describedby': 'preview-hint' });
  const message = el('p', { class: 'message', role: 'status' });
  const table = el('table', { class: 'data preview-rows' }, el('thead'), el('tbody'));
  const run = async () => {
    let parsed;
    try {
      parsed = JSON.parse(events.value || '{}');
    } catch (error) {
      message.className = 'message error';
      message.textContent = `The events are not JSON: ${error.message}`;
      return;
    }
    try {
      const result = await api.previewQuery(query.sql, parsed);
      const columns = (result.outputSchema ?? []).map(c => c.name);
      const withOp = result.isUpdating;
      table.tHead.replaceChildren(el('tr', {}, withOp ? el('th', { scope: 'col' }, 'op') : null, ...columns.map(c => el('th', { scope: 'col' }, c))));
      table.tBodies[0].replaceChildren(...result.rows.map(row => el('tr', {}, withOp ? el('td', {}, row.op ?? '') : null, ...columns.map(c => el('td', {}, formatCell(row[c]))))));
      message.className = 'message ok';
      message.textContent = `${result.rows.length} row${result.rows.length === 1 ? '' : 's'} from ${result.eventsIn} event${result.eventsIn === 1 ? '' : 's'}${result.truncated ? ' (truncated)' : ''}.`;
    } catch (error) {
      message.className = 'message error';
      message.textContent = error.message;
    }
  };
  prefillPreview(query, events);
  return el('section', { class: 'preview', 'aria-labelledby': 'preview-title' },
    el('h3', { id: 'preview-title' }, 'Preview'),
    el('label', { for: 'preview-events' }, 'events per input stream ',
      el('span', { class: 'hint', id: 'preview-hint' }, '{"stream": [{...}, ...]}; filled with the last events of each input')),
    events,
    el('div', { class: 'row' }, el('button', { type: 'button', class: 'primary', onclick: run }, 'Preview'), message),
    el('div', { class: 'table-wrap' }, table));
}

async function prefillPreview(query, textarea) {
  const events = {};
  for (const stream of query.inputs ?? []) {
    try {
      const probe = await api.readEvents(stream, 0, 1).catch(error =>
        error.status === 410 ? api.readEvents(stream, error.problem.firstRetainedOffset, 1) : Promise.reject(error));
      const page = await api.readEvents(stream, Math.max(probe.firstRetainedOffset, probe.headOffset - 5), 5);
      events[stream] = page.events.map(e => e.data);
    } catch {
      events[stream] = [];
    }
  }
  if (!textarea.value) textarea.value = JSON.stringify(events, null, 1);
}

function formatRate(value) {
  return value == null ? '–' : formatNumber(Math.round(value * 10) / 10);
}

function formatSeconds(seconds) {
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
