// Hides what the signed-in credential may not do. The service enforces scopes on every request anyway (403 naming
// the scope); this only spares the user buttons that would be refused. An element declares what it needs with
// data-needs="<access>:<name>" (read, write or manage on that stream or query) or data-needs="<access>" (that access
// on some name, for forms whose name is typed in). Scopes come from GET /api/auth/me, the same grammar as SPEC §8.
let grants = null; // null: not known yet, or no credential needed: everything shows

export function setScopes(scopes, credentialsRequired) {
  grants = credentialsRequired ? parse(scopes) : null;
  applyAll();
}

export function may(needs) {
  if (grants === null || grants.admin) return true;
  const colon = needs.indexOf(':');
  const access = colon < 0 ? needs : needs.slice(0, colon);
  const name = colon < 0 ? null : needs.slice(colon + 1);
  return grants.list.some(g => g.access === access && (name === null || matches(g.pattern, name)));
}

function parse(scopes) {
  const words = (scopes ?? '').split(/[\s,]+/).filter(Boolean);
  return {
    admin: words.includes('admin'),
    list: words.map(w => w.split(':')).filter(p => p.length === 2 && p[1]).map(([access, pattern]) => ({ access, pattern })),
  };
}

function matches(pattern, name) {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

function apply(node) {
  node.hidden = !may(node.dataset.needs);
}

function applyAll(root = document) {
  for (const node of root.querySelectorAll('[data-needs]')) apply(node);
}

// Lists re-render often (rates, heads): new rows are checked as they are added.
new MutationObserver(records => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (!(node instanceof Element)) continue;
      if (node.dataset.needs) apply(node);
      applyAll(node);
    }
  }
}).observe(document.documentElement, { childList: true, subtree: true });
