// A SQL textarea with a line-number gutter and a backdrop that marks an error's line and column.
import { el } from './dom.js';

export function createEditor(root, { onChange }) {
  const textarea = root.querySelector('textarea');
  const gutter = root.querySelector('.gutter');
  const backdrop = root.querySelector('.backdrop');
  let error = null; // { line, column } 1-based

  function render() {
    const lines = textarea.value.split('\n');
    gutter.replaceChildren(...lines.map((_, i) => el('div', { class: error?.line === i + 1 ? 'error' : '' }, i + 1)));
    backdrop.replaceChildren(...lines.map((text, i) => {
      if (error?.line !== i + 1) return el('div', { class: 'line' }, text || ' ');
      // Mark the character at the column (or a blank cell past the end of the line).
      const at = Math.max(0, Math.min(error.column - 1, text.length));
      return el('div', { class: 'line error' },
        text.slice(0, at),
        el('span', { class: 'mark', 'data-line': error.line, 'data-column': error.column }, text.slice(at, at + 1) || ' '),
        text.slice(at + 1));
    }));
    syncScroll();
  }

  function syncScroll() {
    backdrop.scrollTop = textarea.scrollTop;
    backdrop.scrollLeft = textarea.scrollLeft;
    gutter.scrollTop = textarea.scrollTop;
  }

  textarea.addEventListener('input', () => { render(); onChange(textarea.value); });
  textarea.addEventListener('scroll', syncScroll);
  // Tab indents; Esc, then Tab (or Shift+Tab), moves the focus on as everywhere else, so keyboard users are not trapped.
  let released = false;
  textarea.addEventListener('blur', () => { released = false; });
  textarea.addEventListener('keydown', event => {
    if (event.key === 'Escape') {
      released = true;
      return;
    }
    if (event.key === 'Tab' && released) {
      released = false;
      return;
    }
    if (event.key !== 'Shift') released = false;
    if (event.key === 'Tab' && !event.shiftKey) {
      event.preventDefault();
      textarea.setRangeText('  ', textarea.selectionStart, textarea.selectionEnd, 'end');
      textarea.dispatchEvent(new Event('input'));
    }
  });

  render();
  return {
    get value() { return textarea.value; },
    set value(text) { textarea.value = text; render(); onChange(text); },
    setError(next) { error = next; render(); },
    focus() { textarea.focus(); },
  };
}
