// Small popups of the web client: a menu (message and member actions), the emoji palette and a
// modal question (<dialog>). One popup at a time; each returns focus where it came from when it
// closes, and Escape or a click elsewhere closes it.

const CommonEmoji = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀', '✅', '🔥'];
const RecentKey = 'confab.recentEmoji';
const MaxRecent = 8;

let open = null; // {el, returnTo}

export function closePopup(restoreFocus = true) {
  if (!open) return false;
  const { el, returnTo } = open;
  open = null;
  el.remove();
  if (restoreFocus && returnTo && returnTo.isConnected) returnTo.focus({ preventScroll: true });
  return true;
}

export function popupOpen() {
  return open !== null;
}

// Places el next to the anchor (an element or {x, y}), inside the viewport whatever its width.
function place(el, anchor) {
  document.body.append(el);
  const r = anchor instanceof Element ? anchor.getBoundingClientRect()
                                      : { left: anchor.x, right: anchor.x, top: anchor.y, bottom: anchor.y };
  const w = el.offsetWidth;
  const h = el.offsetHeight;
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  let left = anchor instanceof Element ? r.right - w : r.left;
  let top = r.bottom + 4;
  if (top + h > vh - 4) top = Math.max(4, r.top - h - 4);
  left = Math.min(Math.max(4, left), vw - w - 4);
  el.style.left = `${Math.max(4, left)}px`;
  el.style.top = `${top}px`;
}

function opened(el, anchor, returnTo) {
  closePopup(false);
  open = { el, returnTo };
  place(el, anchor);
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      closePopup();
    }
  });
}

// Arrow keys move between the buttons of a popup (wrapping), Home/End to the ends.
function arrowKeys(el, keys) {
  el.addEventListener('keydown', (e) => {
    if (!keys.includes(e.key) && e.key !== 'Home' && e.key !== 'End') return;
    if (!(e.target instanceof HTMLButtonElement)) return; // a text field keeps its arrow keys
    const items = [...el.querySelectorAll('button')];
    const i = items.indexOf(document.activeElement);
    let next = i;
    if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else next = (i + (e.key === keys[1] ? 1 : items.length - 1)) % items.length;
    e.preventDefault();
    items[next].focus();
  });
}

// items: [{label, action, danger}]
export function showMenu(anchor, items, { label = 'Actions', returnTo = document.activeElement } = {}) {
  const el = document.createElement('div');
  el.className = 'popup menu';
  el.setAttribute('role', 'menu');
  el.setAttribute('aria-label', label);
  for (const item of items) {
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('role', 'menuitem');
    b.textContent = item.label;
    if (item.danger) b.classList.add('danger');
    b.addEventListener('click', () => {
      closePopup();
      item.action();
    });
    el.append(b);
  }
  arrowKeys(el, ['ArrowUp', 'ArrowDown']);
  opened(el, anchor, returnTo);
  el.querySelector('button').focus();
}

export function recentEmoji() {
  try {
    const saved = JSON.parse(localStorage.getItem(RecentKey) || '[]');
    return Array.isArray(saved) ? saved.filter((e) => typeof e === 'string').slice(0, MaxRecent) : [];
  } catch {
    return [];
  }
}

export function rememberEmoji(emoji) {
  const list = [emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, MaxRecent);
  localStorage.setItem(RecentKey, JSON.stringify(list));
}

// The reaction palette: recently used first, then the common ones, and a field for any other.
export function showPalette(anchor, onPick, { valid, returnTo = document.activeElement } = {}) {
  const el = document.createElement('div');
  el.className = 'popup palette';
  el.setAttribute('role', 'dialog');
  el.setAttribute('aria-label', 'Add a reaction');
  const pick = (emoji) => {
    closePopup();
    rememberEmoji(emoji);
    onPick(emoji);
  };
  const row = (title, list) => {
    if (!list.length) return;
    const h = document.createElement('div');
    h.className = 'palette-title';
    h.textContent = title;
    const grid = document.createElement('div');
    grid.className = 'palette-grid';
    for (const emoji of list) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'emoji';
      b.textContent = emoji;
      b.setAttribute('aria-label', `React with ${emoji}`);
      b.addEventListener('click', () => pick(emoji));
      grid.append(b);
    }
    el.append(h, grid);
  };
  const recent = recentEmoji();
  row('Recently used', recent);
  row(recent.length ? 'Common' : 'Reactions', CommonEmoji.filter((e) => !recent.includes(e)));
  const form = document.createElement('form');
  form.className = 'palette-other';
  const input = document.createElement('input');
  input.placeholder = 'Other emoji';
  input.setAttribute('aria-label', 'Other emoji');
  input.maxLength = 16;
  form.append(input);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const emoji = input.value.trim();
    if (emoji && (!valid || valid(emoji))) {
      pick(emoji);
      return;
    }
    input.setCustomValidity('One emoji, no spaces');
    input.reportValidity();
  });
  input.addEventListener('input', () => input.setCustomValidity(''));
  el.append(form);
  arrowKeys(el, ['ArrowLeft', 'ArrowRight']);
  opened(el, anchor, returnTo);
  el.querySelector('button').focus();
}

// A modal question. fields: [{name, label, type: 'text'|'select', options: [[value, label]],
// value}]. Resolves with the fields' values on OK, null on cancel.
export function ask({ title, text = '', fields = [], ok = 'OK', danger = false }) {
  const dialog = document.getElementById('dialog');
  const form = dialog.querySelector('form');
  dialog.querySelector('.dialog-title').textContent = title;
  dialog.querySelector('.dialog-text').textContent = text;
  dialog.querySelector('.dialog-text').hidden = !text;
  const box = dialog.querySelector('.dialog-fields');
  box.replaceChildren();
  for (const f of fields) {
    const label = document.createElement('label');
    label.textContent = f.label;
    label.htmlFor = 'dialog-' + f.name;
    let input;
    if (f.type === 'select') {
      input = document.createElement('select');
      for (const [value, name] of f.options) {
        const o = document.createElement('option');
        o.value = value;
        o.textContent = name;
        input.append(o);
      }
    } else {
      input = document.createElement('input');
      input.type = f.type || 'text';
      if (f.maxLength) input.maxLength = f.maxLength;
      input.autocomplete = 'off';
    }
    input.id = 'dialog-' + f.name;
    input.name = f.name;
    if (f.value !== undefined) input.value = f.value;
    box.append(label, input);
  }
  const okButton = dialog.querySelector('.dialog-ok');
  okButton.textContent = ok;
  okButton.classList.toggle('danger', danger);
  const returnTo = document.activeElement;
  return new Promise((resolve) => {
    const done = () => {
      dialog.removeEventListener('close', done);
      const values = dialog.returnValue === 'ok'
        ? Object.fromEntries(fields.map((f) => [f.name, form.elements[f.name].value])) : null;
      // What the question quoted (a message being deleted) must not stay in the page.
      dialog.querySelector('.dialog-text').textContent = '';
      box.replaceChildren();
      if (returnTo && returnTo.isConnected) returnTo.focus({ preventScroll: true });
      resolve(values);
    };
    dialog.addEventListener('close', done);
    dialog.returnValue = '';
    dialog.showModal();
    // A question that destroys something (delete, kick, ban) starts on Cancel: Enter or a
    // double press must not do it by accident.
    const cancelButton = dialog.querySelector('button[value="cancel"]');
    (box.querySelector('input, select') || (danger ? cancelButton : okButton)).focus();
  });
}

document.addEventListener('pointerdown', (e) => {
  if (open && !open.el.contains(e.target)) closePopup(false);
}, true);
window.addEventListener('resize', () => closePopup(false));
