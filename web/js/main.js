// Wires the three views together: tabs (also switched by the URL hash), the connection pill, the
// "server unreachable" banner, and "follow" links between views.
import { initStreams, onStreamsChanged } from './streams.js';
import { initQueries, openQueryPage, editQuery, streamsChanged } from './queries.js';
import { initQueryPage } from './query-page.js';
import { initLiveTab, setStreamChoices, start } from './live-tab.js';
import { onConnectionStatus } from './signalr-follow.js';
import { onServerStatus } from './api.js';
import { initSession } from './session.js';
import { initCluster } from './cluster.js';
import { $ } from './dom.js';

// Add-on modules (query replace, hiding actions the credential may not take, a cluster panel) plug in through
// ui-hooks.js; import each here, one line per module.
import './replace.js';

const views = ['streams', 'queries', 'live'];
const tabs = [...document.querySelectorAll('.tabs [role=tab]')];

// The hash names the tab, and for a query its page: #streams, #queries, #queries/NAME, #live.
function show(name, { focus = false } = {}) {
  for (const tab of tabs) {
    const selected = tab.dataset.view === name;
    tab.classList.toggle('active', selected);
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  for (const view of document.querySelectorAll('.view')) view.classList.toggle('active', view.id === `view-${name}`);
  if (location.hash.slice(1).split('/')[0] !== name) history.replaceState(null, '', `#${name}`);
}

function showFromHash() {
  const [name, query] = location.hash.slice(1).split('/');
  show(views.includes(name) ? name : 'streams');
  if (name === 'queries' && query) openQueryPage(decodeURIComponent(query));
}

for (const tab of tabs) {
  tab.addEventListener('click', () => show(tab.dataset.view));
  // Arrow keys move between tabs, as the ARIA tabs pattern has it.
  tab.addEventListener('keydown', event => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    show(next.dataset.view, { focus: true });
  });
}
window.addEventListener('hashchange', showFromHash);

function followLive(stream) {
  show('live');
  start(stream, { fromStart: true });
}

// After signing in, reload the page's data with the new credential (the simplest way to refresh every view).
initSession(() => location.reload());
initLiveTab();
initStreams({ onFollow: followLive });
initQueries({ onFollow: followLive, onOpen: name => { location.hash = `#queries/${encodeURIComponent(name)}`; } });
initQueryPage({ onFollow: followLive, onEdit: editQuery });
onStreamsChanged(setStreamChoices);
onStreamsChanged(streamsChanged);
initCluster({ show });
onConnectionStatus(state => {
  const pill = $('#connection');
  pill.textContent = state === 'Connected' ? 'live' : state.toLowerCase();
  pill.className = `pill pill-${state === 'Connected' ? 'connected' : state === 'Reconnecting' ? 'reconnecting' : 'idle'}`;
});
onServerStatus(({ reachable, lastSuccess, error }) => {
  const banner = $('#server-status');
  banner.hidden = reachable;
  document.body.classList.toggle('server-unreachable', !reachable);
  if (!reachable) {
    const since = lastSuccess ? ` The figures shown are from ${lastSuccess.toLocaleTimeString()}.` : '';
    banner.textContent = `The server is unreachable (${error}); retrying every second.${since}`;
  }
});

showFromHash();
