// The Cluster tab: nodes, their state and the queries each hosts (GET /api/cluster, admin scope; docs/cluster.md).
// Shown only when the service runs as a cluster node; builds its own tab and view so the page's markup stays as it is.
import { api } from './api.js';
import { el, $ } from './dom.js';

const REFRESH_MS = 2000;

function renderNodes(body, info) {
  body.replaceChildren(...info.nodes
    // Orleans keeps the dead generations of a node for a while; the live one is what matters.
    .filter(node => node.status !== 'dead' || !info.nodes.some(other => other.name === node.name && other.status !== 'dead'))
    .map(node => el('tr', { class: node.status === 'active' ? '' : 'muted' },
      el('td', {}, node.name, node.name === info.node ? el('small', {}, ' (this node)') : null),
      el('td', {}, node.address),
      el('td', {}, el('span', { class: `pill pill-${node.status === 'active' ? 'connected' : 'idle'}` }, node.status)),
      el('td', {}, node.queries.length ? node.queries.join(', ') : '–'))));
}

export async function initCluster({ show }) {
  let info;
  try {
    info = await api.cluster();
  } catch {
    return; // Not an admin credential, or an older service: no tab.
  }
  if (!info.enabled) return;

  const tab = el('button', { role: 'tab', dataset: { view: 'cluster' } }, 'Cluster');
  tab.addEventListener('click', () => show('cluster'));
  $('.tabs').append(tab);
  const body = el('tbody');
  const status = el('span', { class: 'muted' });
  $('main').append(el('section', { id: 'view-cluster', class: 'view' },
    el('div', { class: 'card' },
      el('h2', {}, 'Cluster ', status),
      el('table', { class: 'data', id: 'cluster-table' },
        el('thead', {}, el('tr', {}, el('th', {}, 'node'), el('th', {}, 'address'), el('th', {}, 'state'), el('th', {}, 'queries'))),
        body))));
  renderNodes(body, info);
  status.textContent = `answered by ${info.node}`;
  setInterval(async () => {
    if (!$('#view-cluster').classList.contains('active')) return;
    try {
      const latest = await api.cluster();
      renderNodes(body, latest);
      status.textContent = `answered by ${latest.node}`;
    } catch (error) {
      status.textContent = `refresh failed: ${error.message}`;
    }
  }, REFRESH_MS);
}
