// Replacing a query (PUT /api/queries/{name}, SPEC §7): the "Edit" action of the queries list opens a
// small dialog with the query's SQL; on success the output starts over with a `reset` event (the live
// view clears on it) and is rebuilt from the inputs, a backfill whose progress the list shows.
// It plugs into the list through ui-hooks.js ('query-row'), so the list itself knows nothing of it.
import { api, describeProblem } from './api.js';
import { el, setMessage, setText } from './dom.js';
import { on } from './ui-hooks.js';
import { refreshQueries } from './queries.js';
import { start } from './live-tab.js';

on('query-row', (tr, query) => {
  const actions = tr.querySelector('.actions');
  if (!actions.querySelector('.edit')) {
    // The row is reused for the same query each second: the button reads the row's current query when clicked.
    const edit = el('button', { type: 'button', class: 'small edit', 'data-needs': `manage:${query.name}`, 'aria-label': `Edit query ${query.name}`,
      onclick: () => openEditor(tr.query ?? query, name => { refreshQueries(); followReplaced(name); }) }, 'Edit');
    (actions.querySelector('.results') ?? actions.firstChild)?.after(edit);
  }
  const state = tr.querySelector('.state') ?? tr.cells[1];
  let note = state.querySelector('.backfill');
  if (!note) {
    note = el('span', { class: 'muted backfill' });
    state.querySelector('.badge')?.after(note);
  }
  const progress = backfillProgress(query);
  setText(note, progress ? ` backfill ${progress.percent}%` : '');
  note.title = progress ? `${progress.done} of ${progress.total} input offsets rebuilt` : '';
});

// After a replace, show the query's output from its first retained offset: the reset event, then the new rows.
function followReplaced(name) {
  document.querySelector('.tabs [data-view=live]')?.click();
  start(name, { fromStart: true });
}

/** Done/total/percent while the current run is still reading the input history it started with; null otherwise. */
function backfillProgress(query) {
  const backfill = query.backfill;
  if (!backfill || backfill.complete) return null;
  const done = backfill.inputs.reduce((sum, i) => sum + i.done, 0);
  const total = backfill.inputs.reduce((sum, i) => sum + i.total, 0);
  return { done, total, percent: total ? Math.floor((100 * done) / total) : 100 };
}

function openEditor(query, onReplaced) {
  const sql = el('textarea', { name: 'sql', rows: 8, spellcheck: 'false', 'aria-label': 'new SQL' });
  sql.value = query.sql ?? '';
  const latest = el('input', { type: 'checkbox', name: 'latest' });
  const message = el('p', { class: 'message', role: 'status' });
  // Styled here rather than in app.css, so this feature stays in one file.
  const dialog = el('dialog', { id: 'replace-query', style: 'border: 1px solid #d8dee9; border-radius: 10px; padding: 18px 22px; width: min(640px, 90vw)' },
    el('form', { method: 'dialog' },
      el('h2', {}, `Replace ${query.name}`),
      el('p', { class: 'hint' }, 'Its output gets a reset event, then the new query\'s rows rebuilt from the inputs.'),
      sql,
      el('label', { class: 'inline' }, latest, ' only events from now on (no backfill)'),
      message,
      el('div', { class: 'row' },
        el('button', { type: 'submit', class: 'primary', value: 'replace' }, 'Replace'),
        el('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'))));
  dialog.addEventListener('close', () => dialog.remove());
  dialog.querySelector('form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      await api.replaceQuery(query.name, latest.checked ? { sql: sql.value, from: 'latest' } : { sql: sql.value });
      dialog.close();
      onReplaced(query.name);
    } catch (error) {
      const problem = error.problem ?? {};
      const text = problem.message ?? describeProblem(error.status, problem);
      // The engine's messages usually name the position already; say it only when they do not.
      const where = problem.line && !/line \d/i.test(text) ? `line ${problem.line}, column ${problem.column}: ` : '';
      setMessage(message, where + text, 'error');
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  sql.focus();
}
