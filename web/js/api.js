// Thin fetch helpers for the Sluice HTTP API. Errors come back as RFC 9457 problem+json.
import { authorizationHeaders, credentialNeeded } from './credential.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(describeProblem(status, problem));
    this.status = status;
    this.problem = problem ?? {};
  }
}

export function describeProblem(status, problem) {
  if (!problem) return `HTTP ${status}`;
  const details = problem.errors ? Object.entries(problem.errors).map(([k, v]) => `${k}: ${[].concat(v).join(' ')}`).join('; ') : '';
  return [problem.detail ?? problem.message ?? problem.title ?? `HTTP ${status}`, details].filter(Boolean).join(' — ');
}

// Whether the last request reached the server: a failed refresh must not leave stale figures looking current.
const serverListeners = new Set();
let server = { reachable: true, lastSuccess: null, error: null };

export function onServerStatus(listener) {
  serverListeners.add(listener);
  listener(server);
}

function setServer(reachable, error = null) {
  const changed = reachable !== server.reachable;
  server = { reachable, lastSuccess: reachable ? new Date() : server.lastSuccess, error };
  if (changed) for (const listener of serverListeners) listener(server);
}

async function send(method, path, body, contentType = 'application/json') {
  const init = { method, headers: authorizationHeaders() };
  if (body !== undefined) {
    init.headers['content-type'] = contentType;
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    setServer(false, 'no answer');
    throw new ApiError(0, { detail: 'The server is unreachable.' });
  }
  // A proxy in front of a stopped service answers 502-504 itself.
  if (response.status >= 502 && response.status <= 504) setServer(false, `HTTP ${response.status}`);
  else setServer(true);
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = { detail: text }; }
  }
  if (response.status === 401) credentialNeeded();
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const api = {
  whoAmI: () => send('GET', 'api/auth/me'),
  listStreams: () => send('GET', 'api/streams'),
  createStream: definition => send('POST', 'api/streams', definition),
  deleteStream: name => send('DELETE', `api/streams/${encodeURIComponent(name)}`),
  append: (stream, body, contentType) => send('POST', `api/streams/${encodeURIComponent(stream)}/events`, body, contentType),
  readEvents: (stream, from, limit = 100) => send('GET', `api/streams/${encodeURIComponent(stream)}/events?from=${from}&limit=${limit}`),
  listQueries: () => send('GET', 'api/queries'),
  describeQuery: name => send('GET', `api/queries/${encodeURIComponent(name)}`),
  previewQuery: (sql, events) => send('POST', 'api/queries/preview', { sql, events }),
  validateQuery: sql => send('POST', 'api/queries/validate', { sql }),
  registerQuery: registration => send('POST', 'api/queries', registration),
  replaceQuery: (name, replacement) => send('PUT', `api/queries/${encodeURIComponent(name)}`, replacement),
  stopQuery: name => send('POST', `api/queries/${encodeURIComponent(name)}/stop`),
  startQuery: name => send('POST', `api/queries/${encodeURIComponent(name)}/start`),
  deleteQuery: name => send('DELETE', `api/queries/${encodeURIComponent(name)}`),
  cluster: () => send('GET', 'api/cluster'),
};

// Chooses the body's content type: NDJSON when there are several top-level lines that are objects.
export function bodyContentType(text) {
  const lines = text.split('\n').map(l => l.trim()).filter(Boolean);
  return lines.length > 1 && lines.every(l => l.startsWith('{')) ? 'application/x-ndjson' : 'application/json';
}
