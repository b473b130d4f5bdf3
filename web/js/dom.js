// Small DOM helpers: build elements without innerHTML, so user data is never parsed as markup.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = selector => document.querySelector(selector);

export function setMessage(node, text, kind = '') {
  node.textContent = text ?? '';
  node.className = `message ${kind}`;
}

export function formatNumber(value) {
  if (value == null || Number.isNaN(value)) return '–';
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

export function formatCell(value) {
  if (value == null) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

/**
 * Brings `tbody` to one row per item, in order, reusing the rows already there (by `keyOf`): `create(item)` makes a
 * new row, `update(tr, item)` refreshes one in place. Rows are only moved when the order changed, so a button that
 * has the keyboard focus keeps it across refreshes.
 */
export function syncRows(tbody, items, { keyOf, create, update }) {
  const existing = new Map([...tbody.rows].map(tr => [tr.dataset.key, tr]));
  const wanted = items.map(item => {
    const key = String(keyOf(item));
    let tr = existing.get(key);
    existing.delete(key);
    if (!tr) {
      tr = create(item);
      tr.dataset.key = key;
    }
    update(tr, item);
    return tr;
  });
  for (const stale of existing.values()) stale.remove();
  wanted.forEach((tr, index) => {
    if (tbody.rows[index] !== tr) tbody.insertBefore(tr, tbody.rows[index] ?? null);
  });
}

/** Sets a node's text only when it differs, so screen readers and selections are not disturbed for nothing. */
export function setText(node, text) {
  const value = String(text ?? '');
  if (node.textContent !== value) node.textContent = value;
}
