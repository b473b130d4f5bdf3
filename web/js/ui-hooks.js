// The points where add-on modules plug into the UI without editing the views: each view calls `emit` at a
// named point and a module listens with `on`. Add-on modules are imported in main.js (one line each).
//   'stream-row'   (tr, stream)   a row of the Streams table was created or updated
//   'query-row'    (tr, query)    a row of the Queries table was created or updated
//   'query-page'   (card, query)  the page of one query was drawn (its action bar is card.querySelector('.actions'))
//   'live-reset'   (stream)       the Live tab must forget what it shows of `stream` (e.g. a query was reset)
//   'signed-in'    (me)           GET /api/auth/me answered: who this tab is and its scopes
const listeners = new Map();

export function on(point, listener) {
  if (!listeners.has(point)) listeners.set(point, new Set());
  listeners.get(point).add(listener);
  return () => listeners.get(point).delete(listener);
}

export function emit(point, ...args) {
  for (const listener of listeners.get(point) ?? []) {
    try {
      listener(...args);
    } catch (error) {
      console.error(`ui hook '${point}' failed`, error);
    }
  }
}
