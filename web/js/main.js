// Wires the three views together: tabs, the connection pill, and "follow" links between views.
import { initStreams, onStreamsChanged } from './streams.js';
import { initQueries } from './queries.js';
import { initResults, setStreamChoices, start } from './results.js';
import { onConnectionStatus } from './live.js';
import { initSession } from './session.js';
import { initCluster } from './cluster.js';
import { $ } from './dom.js';

function show(name) {
  for (const tab of document.querySelectorAll('.tabs button')) tab.classList.toggle('active', tab.dataset.view === name);
  for (const view of document.querySelectorAll('.view')) view.classList.toggle('active', view.id === `view-${name}`);
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
}

for (const tab of document.querySelectorAll('.tabs button')) tab.addEventListener('click', () => show(tab.dataset.view));

function followLive(stream, fromStart) {
  show('live');
  start(stream, { fromStart });
}

// After signing in, reload the page's data with the new credential (the simplest way to refresh every view).
initSession(() => location.reload());
initResults();
initStreams({ onFollow: name => followLive(name, false) });
initQueries({ onFollow: name => followLive(name, true) });
onStreamsChanged(setStreamChoices);
initCluster({ show });
onConnectionStatus(state => {
  const pill = $('#connection');
  pill.textContent = state === 'Connected' ? 'live' : state.toLowerCase();
  pill.className = `pill pill-${state === 'Connected' ? 'connected' : state === 'Reconnecting' ? 'reconnecting' : 'idle'}`;
});

show(['streams', 'queries', 'live'].includes(location.hash.slice(1)) ? location.hash.slice(1) : 'streams');
