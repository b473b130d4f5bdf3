// The streams view: the list (head offset, the server's events/s, which query writes it), the create form and
// the ingest box.
import { api, bodyContentType } from './api.js';
import { currentQueries } from './queries.js';
import { emit } from './ui-hooks.js';
import { $, el, setMessage, setText, syncRows, formatNumber } from './dom.js';

const samples = {};
let streams = [];
const listeners = new Set();

export function onStreamsChanged(listener) { listeners.add(listener); }
export function currentStreams() { return streams; }

export function initStreams({ onFollow }) {
  $('#create-stream').addEventListener('submit', async event => {
    event.preventDefault();
    const form = event.currentTarget;
    const message = $('#create-stream-message');
    try {
      const definition = readDefinition(new FormData(form));
      const created = await api.createStream(definition);
      setMessage(message, `Created stream '${created.name}'.`, 'ok');
      form.reset();
      await refreshStreams();
      selectIngestTarget(created.name);
    } catch (error) {
      setMessage(message, error.message, 'error');
    }
  });

  $('#ingest').addEventListener('submit', async event => {
    event.preventDefault();
    const form = event.currentTarget;
    const message = $('#ingest-message');
    const stream = form.stream.value;
    const body = form.body.value.trim();
    if (!stream) return setMessage(message, 'Create a stream first.', 'error');
    if (!body) return setMessage(message, 'Write some JSON to post.', 'error');
    try {
      const result = await api.append(stream, body, bodyContentType(body));
      setMessage(message, `Appended ${result.count} event${result.count === 1 ? '' : 's'} at offsets ${result.firstOffset}–${result.lastOffset}.`, 'ok');
      refreshStreams();
    } catch (error) {
      setMessage(message, error.message, 'error');
    }
  });

  $('#ingest-sample').addEventListener('click', () => {
    const stream = $('#ingest-stream').value;
    $('#ingest').body.value = sampleFor(streams.find(s => s.name === stream));
  });
  $('#ingest-stream').addEventListener('change', () => {
    const body = $('#ingest').body;
    if (!body.value.trim() || Object.values(samples).includes(body.value)) $('#ingest-sample').click();
  });

  streamsTableClick = onFollow;
  refreshStreams();
  setInterval(refreshStreams, 1000);
}

let streamsTableClick = () => {};

function readDefinition(data) {
  const definition = { name: data.get('name').trim(), storage: data.get('storage') };
  const timestampField = data.get('timestampField').trim();
  if (timestampField) definition.timestampField = timestampField;
  const watermarkDelay = data.get('watermarkDelay').trim();
  if (watermarkDelay) definition.watermarkDelay = watermarkDelay;
  const capacity = data.get('capacity').trim();
  if (capacity) definition.capacity = Number(capacity);
  const schemaText = data.get('schema').trim();
  if (schemaText) {
    definition.schema = {};
    for (const [index, line] of schemaText.split('\n').entries()) {
      if (!line.trim()) continue;
      const match = /^\s*([A-Za-z_][\w]*)\s*[:=\s]\s*([a-z]+)\s*,?\s*$/.exec(line);
      if (!match) throw new Error(`Schema line ${index + 1}: write it as "field: type", got "${line.trim()}".`);
      definition.schema[match[1]] = match[2];
    }
  }
  return definition;
}

function selectIngestTarget(name) {
  const select = $('#ingest-stream');
  select.value = name;
  select.dispatchEvent(new Event('change'));
}

export async function refreshStreams() {
  let list;
  try {
    list = await api.listStreams();
  } catch {
    return; // the banner says the server is unreachable; the list keeps its last figures, marked stale
  }
  streams = list;
  render(list);
  for (const listener of listeners) listener(list);
}

function render(list) {
  const outputs = new Map(currentQueries().map(q => [q.name, q]));
  syncRows($('#streams-table tbody'), list, {
    keyOf: s => s.name,
    create: s => {
      const tr = el('tr', { dataset: { stream: s.name } },
        el('th', { scope: 'row' }, el('strong', {}, s.name), el('span', { class: 'output-of' })),
        el('td', { class: 'storage' }),
        el('td', { class: 'num head' }),
        el('td', { class: 'num count' }),
        el('td', { class: 'num rate' }),
        el('td', { class: 'muted time' }),
        el('td', { class: 'actions' },
          el('button', { type: 'button', class: 'small follow', 'aria-label': `Follow live: ${s.name}`, onclick: () => streamsTableClick(s.name) }, 'Follow live'),
          el('button', { type: 'button', class: 'small danger delete', 'data-needs': `manage:${s.name}`, 'aria-label': `Delete stream ${s.name}`, onclick: () => removeStream(s.name) }, 'Delete')));
      return tr;
    },
    update: (tr, s) => {
      const query = outputs.get(s.name);
      const mark = tr.querySelector('.output-of');
      setText(mark, query ? 'output of query' : '');
      mark.title = query ? `Written by the query '${s.name}'; deleting the query keeps this stream.` : '';
      tr.classList.toggle('query-output', Boolean(query));
      setText(tr.querySelector('.storage'), s.storage);
      setText(tr.querySelector('.head'), formatNumber(s.headOffset));
      setText(tr.querySelector('.count'), formatNumber(s.count));
      setText(tr.querySelector('.rate'), s.eventsPerSecond == null ? '–' : formatNumber(Math.round(s.eventsPerSecond * 10) / 10));
      setText(tr.querySelector('.time'), s.timestampField ? `${s.timestampField} (−${s.watermarkDelay})` : 'ingest time');
      emit('stream-row', tr, s);
    },
  });
  $('#streams-empty').hidden = list.length > 0;
  $('#streams-summary').textContent = list.length ? `${list.length} stream${list.length === 1 ? '' : 's'}` : '';

  const select = $('#ingest-stream');
  const chosen = select.value;
  const names = list.map(s => s.name);
  if (select.options.length !== names.length || names.some((n, i) => select.options[i].value !== n)) {
    select.replaceChildren(...names.map(n => el('option', { value: n }, n)));
  }
  if (names.includes(chosen)) select.value = chosen;
  else if (list.length) {
    select.value = list[0].name;
    if (!$('#ingest').body.value.trim()) $('#ingest').body.value = sampleFor(list[0]);
  }
}

async function removeStream(name) {
  if (!confirm(`Delete stream '${name}' and all its events?`)) return;
  try {
    await api.deleteStream(name);
    refreshStreams();
  } catch (error) {
    setMessage($('#create-stream-message'), error.message, 'error');
  }
}

// A plausible event for the stream: its schema's fields filled with sample values.
function sampleFor(stream) {
  if (!stream) return '';
  const now = new Date().toISOString();
  const value = (field, type, i) => {
    switch (type) {
      case 'bigint': return Math.floor(Math.random() * 1000);
      case 'double': case 'decimal': return Math.round(Math.random() * 10000) / 100;
      case 'boolean': return i % 2 === 0;
      case 'timestamp': return now;
      case 'json': return { note: 'sample' };
      default: return `${field}_${i}`;
    }
  };
  const lines = [];
  for (let i = 0; i < 3; i++) {
    const event = {};
    if (stream.schema) {
      for (const [field, type] of Object.entries(stream.schema)) event[field] = value(field, type, i);
    } else {
      event.sensor = `s${i + 1}`;
      event.value = Math.round(Math.random() * 1000) / 10;
    }
    if (stream.timestampField && !(stream.schema && stream.timestampField in stream.schema)) event[stream.timestampField] = now;
    lines.push(JSON.stringify(event));
  }
  samples[stream.name] = lines.join('\n');
  return samples[stream.name];
}
