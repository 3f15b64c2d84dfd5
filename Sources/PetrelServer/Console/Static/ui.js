// Small DOM helpers, error display, SVG charts and the code editor (CodeMirror when installed).

/** h('div.card#id', {attrs, on: {click}}, ...children) */
export function h(spec, attrs, ...children) {
  if (attrs === null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    if (attrs !== undefined && attrs !== null) children.unshift(attrs);
    attrs = {};
  }
  const [, tag = 'div', rest = ''] = spec.match(/^([a-z0-9]*)(.*)$/i);
  const el = document.createElement(tag || 'div');
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === 'text') el.textContent = value;
    else if (key === 'value') el.value = value;
    else if (key === 'checked' || key === 'selected' || key === 'disabled') el[key] = !!value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) { el.replaceChildren(); append(el, children); return el; }

/** An error as the user's next step: the API's message, then what to do. */
export function errorBox(error, context) {
  const next = error && error.nextStep ? error.nextStep : 'Try again; if it persists, see the server log.';
  return h('div.notice.error', { role: 'alert' },
    h('strong', context ? `${context}: ` : ''), error.message || String(error),
    h('div.next', next),
    error.type ? h('div.muted.small', error.type) : null);
}

export function notice(text, kind = 'info') { return h(`div.notice.${kind}`, { role: 'status' }, text); }

/** Runs an async action from a button, showing errors in `where` (replacing its content). */
export async function act(button, where, fn, context) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (e) {
    if (where) clear(where, errorBox(e, context));
    else alert(e.message);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h('div.field', h('label', { for: id }, label), input, hint ? h('div.hint', hint) : null);
}

export function select(options, value, attrs = {}) {
  return h('select', attrs, options.map((o) => {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    return h('option', { value: v, selected: v === value }, text);
  }));
}

/** A tab bar: Tab reaches the selected tab, arrow keys / Home / End move between tabs (WAI-ARIA). */
export function tabs(names, current, onSelect) {
  const keys = names.map(([key]) => key);
  const bar = h('div.tabs', { role: 'tablist' }, names.map(([key, label]) =>
    h('button.tab', { type: 'button', role: 'tab', 'aria-selected': key === current ? 'true' : 'false', 'data-tab': key,
      tabindex: key === current ? '0' : '-1', on: { click: () => onSelect(key) } }, label)));
  bar.addEventListener('keydown', (e) => {
    const at = keys.indexOf(current);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: keys.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    onSelect(keys[(to + keys.length) % keys.length]);
  });
  return bar;
}

export function formatTime(value) {
  if (!value) return '';
  const d = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  if (isNaN(d)) return String(value);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// --- Charts ---------------------------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

/**
 * One point per minute over the last `minutes` (the endpoint may send only minutes with data):
 * counts missing from a minute are 0; other figures (durations, ages) stay missing, drawn as gaps.
 */
export function perMinute(points, minutes, counts = ['Invocations', 'Errors', 'Throttles', 'ConcurrentExecutions']) {
  const byMinute = new Map(points.map((p) => [Math.floor(p.Timestamp / 60) * 60, p]));
  const last = Math.floor(Date.now() / 60000) * 60;
  const out = [];
  for (let t = last - (minutes - 1) * 60; t <= last; t += 60) {
    const p = { ...(byMinute.get(t) || {}), Timestamp: t };
    for (const k of counts) if (p[k] === undefined) p[k] = 0;
    out.push(p);
  }
  return out;
}

/** A small two-series sparkline (invocations and errors). */
export function sparkline(points, keys = ['Invocations', 'Errors'], width = 120, height = 28) {
  const max = Math.max(1, ...points.flatMap((p) => keys.map((k) => p[k] || 0)));
  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'sparkline', role: 'img' });
  const total = keys.map((k) => points.reduce((n, p) => n + (p[k] || 0), 0));
  svg.setAttribute('aria-label', keys.map((k, i) => `${k} ${total[i]}`).join(', ') + ' in the last hour');
  keys.forEach((k, i) => {
    if (points.length < 2) return;
    const d = points.map((p, j) => `${j ? 'L' : 'M'}${(j / (points.length - 1)) * (width - 2) + 1},${height - 2 - ((p[k] || 0) / max) * (height - 4)}`).join(' ');
    svg.append(s('path', { d, class: `series s${i}`, fill: 'none' }));
  });
  svg.append(s('title', {}, svg.getAttribute('aria-label')));
  return svg;
}

/** A y-axis label: whole numbers as they are, others with one decimal below 100 (323.8 → 324). */
export function axisLabel(v, unit = '') {
  const text = Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(1);
  return text + unit;
}

/** Room left of the plot for the longest y-axis label (10 px text, ≤ 6.5 px a character), so none is cut. */
export function axisRoom(labels) {
  return Math.ceil(Math.max(...labels.map((l) => l.length)) * 6.5) + 10;
}

/** A line chart with axes for one or more series of [{Timestamp, key: value}]. */
export function lineChart(title, points, series, unit = '') {
  const width = 420, height = 160, bottom = 22, top = 10, right = 10;
  const values = points.flatMap((p) => series.map(([k]) => p[k] ?? 0));
  const max = Math.max(1, ...values);
  const ticks = [0, 0.5, 1].map((frac) => [max * frac, axisLabel(max * frac, unit)]);
  const left = axisRoom(ticks.map(([, l]) => l));
  const plotW = width - left - right, plotH = height - top - bottom;
  const t0 = points.length ? points[0].Timestamp : 0;
  const t1 = points.length ? points[points.length - 1].Timestamp : 1;
  const x = (t) => left + (t1 === t0 ? plotW / 2 : ((t - t0) / (t1 - t0)) * plotW);
  const y = (v) => top + plotH - (v / max) * plotH;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title });
  for (const [v, text] of ticks) {
    svg.append(s('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(s('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, text));
  }
  if (points.length) {
    const label = (t) => new Date(t * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    svg.append(s('text', { x: left, y: height - 6, class: 'axis' }, label(t0)));
    svg.append(s('text', { x: width - right, y: height - 6, 'text-anchor': 'end', class: 'axis' }, label(t1)));
  }
  series.forEach(([k], i) => {
    let pen = 'M';
    const parts = [];
    for (const p of points) {
      if (p[k] === undefined || p[k] === null) { pen = 'M'; continue; } // a gap: no figure that minute
      parts.push(`${pen}${x(p.Timestamp).toFixed(1)},${y(p[k]).toFixed(1)}`);
      pen = 'L';
    }
    const lone = points.filter((p, j) => p[k] != null && points[j - 1]?.[k] == null && points[j + 1]?.[k] == null);
    for (const p of lone) svg.append(s('circle', { cx: x(p.Timestamp).toFixed(1), cy: y(p[k]).toFixed(1), r: 3, class: `dot s${i}` }));
    if (parts.length) svg.append(s('path', { d: parts.join(' '), class: `series s${i}`, fill: 'none' }));
  });
  return h('figure.chart-box', h('figcaption', title, ' ', series.map(([, label], i) => h(`span.legend.s${i}`, label))), svg);
}

// --- Code editor ----------------------------------------------------------------------------

let codeMirror; // undefined: not tried; null: not installed
export async function loadCodeMirror() {
  if (codeMirror !== undefined) return codeMirror;
  const base = '/console/vendor/codemirror/';
  const script = (src) => new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src; el.onload = resolve; el.onerror = reject;
    document.head.append(el);
  });
  try {
    const probe = await fetch(base + 'lib/codemirror.js', { method: 'HEAD' });
    if (!probe.ok) throw new Error('not installed');
    document.head.append(h('link', { rel: 'stylesheet', href: base + 'lib/codemirror.css' }));
    await script(base + 'lib/codemirror.js');
    await Promise.all(['javascript/javascript.js', 'python/python.js', 'shell/shell.js']
      .map((m) => script(base + 'mode/' + m).catch(() => null)));
    codeMirror = window.CodeMirror || null;
  } catch {
    codeMirror = null;
  }
  return codeMirror;
}

export function modeFor(name) {
  if (/\.(m?js|cjs|json)$/.test(name)) return /\.json$/.test(name) ? { name: 'javascript', json: true } : 'javascript';
  if (/\.py$/.test(name)) return 'python';
  if (/(\.sh|bootstrap)$/.test(name)) return 'shell';
  return null;
}

/** An editor in `container`: {getValue, setValue(text, fileName), focus}. CodeMirror or a textarea. */
export async function createEditor(container, { value = '', fileName = '', label = 'Code', rows = 18 } = {}) {
  const CM = await loadCodeMirror();
  const textarea = h('textarea.code', { spellcheck: 'false', rows, 'aria-label': label });
  textarea.value = value;
  container.append(textarea);
  if (!CM) {
    textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Tab' && !e.shiftKey && !e.ctrlKey && !e.altKey && textarea.dataset.tabIndent === 'on') {
        e.preventDefault();
        textarea.setRangeText('  ', textarea.selectionStart, textarea.selectionEnd, 'end');
      }
    });
    return {
      kind: 'textarea', textarea,
      getValue: () => textarea.value,
      setValue: (text) => { textarea.value = text; },
      focus: () => textarea.focus(),
    };
  }
  const cm = CM.fromTextArea(textarea, {
    lineNumbers: true, mode: modeFor(fileName), indentUnit: 2, tabSize: 2, viewportMargin: 20,
    extraKeys: { Tab: (c) => c.replaceSelection('  '), 'Shift-Tab': false, Esc: (c) => c.getInputField().blur() },
  });
  cm.getInputField().setAttribute('aria-label', label);
  cm.setSize(null, `${rows * 1.35}em`);
  // Created while detached or in a hidden tab, CodeMirror measures nothing: measure again once shown.
  if (window.ResizeObserver) new ResizeObserver(() => cm.refresh()).observe(cm.getWrapperElement());
  return {
    kind: 'codemirror', cm,
    getValue: () => cm.getValue(),
    setValue: (text, name) => { cm.setValue(text); if (name !== undefined) cm.setOption('mode', modeFor(name)); cm.clearHistory(); },
    focus: () => cm.focus(),
  };
}
