// A function's page: code editor, test events, configuration (with concurrency and tags), versions and aliases, triggers, live logs, monitoring.
import { functionMetrics, lambda, logs, parseReport, testEvents } from './api.js';
import { deleteButton, envEditor, labelRuntimes, RUNTIMES } from './functions.js';
import { act, clear, createEditor, errorBox, field, formatBytes, formatTime, h, lineChart, notice, perMinute, select, tabs } from './ui.js';
import { asText, readZip, toBase64, writeZip } from './zip.js';
import { triggersTab } from './triggers.js';
import { versionsTab } from './versions.js';
import { concurrencySection, tagsSection } from './settings.js';

const TABS = [['code', 'Code'], ['test', 'Test'], ['configuration', 'Configuration'], ['versions', 'Versions & aliases'], ['triggers', 'Triggers'], ['logs', 'Logs'], ['monitoring', 'Monitoring']];
const INLINE_LIMIT = 3 * 1024 * 1024;
const MAX_TEST_EVENTS = 10;

export async function functionPage(view, name, initialTab) {
  const crumbs = h('div.crumbs', h('a', { href: '#/functions' }, 'Functions'), ` / ${name}`);
  let fn;
  try {
    fn = await lambda.get(name);
  } catch (e) {
    view.append(crumbs, h('h1', name), errorBox(e, 'Could not open the function'));
    return;
  }
  const summary = h('div.muted.small');
  const renderSummary = () => {
    const c = fn.Configuration;
    clear(summary, `${c.Runtime} · ${c.Handler} · ${c.MemorySize} MB · ${c.Timeout} s timeout · ${formatBytes(c.CodeSize)} · modified ${formatTime(c.LastModified)}`,
      c.Description ? h('div', c.Description) : null);
  };
  renderSummary();
  const actions = h('div');
  deleteButton(actions, name, () => { location.hash = '#/functions'; });
  const panels = {};
  const stops = [];
  const host = h('div');
  let current;
  const ctx = {
    name, get fn() { return fn; },
    refresh: async () => { fn = await lambda.get(name); renderSummary(); },
    onLeave: (f) => stops.push(f),
  };
  const builders = { code: codeTab, test: testTab, configuration: configTab, versions: versionsTab, triggers: triggersTab, logs: logsTab, monitoring: monitoringTab };
  const tabBar = h('div');
  function show(tab) {
    if (!builders[tab]) tab = 'code';
    current = tab;
    clear(tabBar, tabs(TABS, tab, (t) => { show(t); tabBar.querySelector(`[data-tab="${t}"]`).focus(); }));
    history.replaceState(null, '', `#/functions/${encodeURIComponent(name)}/${tab}`);
    for (const [k, p] of Object.entries(panels)) { p.el.hidden = k !== tab; if (k !== tab && p.hide) p.hide(); }
    if (!panels[tab]) {
      const el = h('section.tab-panel', { 'data-panel': tab, 'aria-label': TABS.find((t) => t[0] === tab)[1] });
      host.append(el);
      panels[tab] = { el };
      Promise.resolve(builders[tab](el, ctx)).then((hooks) => Object.assign(panels[tab], hooks || {}))
        .catch((e) => el.append(errorBox(e)));
    } else if (panels[tab].show) panels[tab].show();
  }
  view.append(crumbs, h('div.bar', h('div.grow', h('h1', name), summary), actions), tabBar, host);
  show(initialTab);
  return () => { for (const stop of stops) stop(); for (const p of Object.values(panels)) if (p.hide) p.hide(); };
}

// --- Code ------------------------------------------------------------------------------------

async function codeTab(el, ctx) {
  const out = h('div');
  const uploadInput = h('input', { type: 'file', accept: '.zip,application/zip', 'aria-label': 'Replace the code with a .zip' });
  const uploadButton = h('button', { type: 'button' }, 'Upload .zip');
  const upload = h('div.bar', h('span.muted.small', 'Or replace the whole package:'), uploadInput, uploadButton);
  uploadButton.addEventListener('click', () => act(uploadButton, out, async () => {
    const file = uploadInput.files[0];
    if (!file) throw Object.assign(new Error('Choose a .zip file first.'), { nextStep: 'Pick a deployment package, then upload.' });
    await lambda.updateCode(ctx.name, toBase64(new Uint8Array(await file.arrayBuffer())));
    await ctx.refresh();
    clear(el); await codeTab(el, ctx);
  }, 'Could not upload the package'));

  const size = ctx.fn.Configuration.CodeSize || 0;
  if (size > INLINE_LIMIT) {
    el.append(notice(`This package is ${formatBytes(size)}, too large to edit inline (over ${formatBytes(INLINE_LIMIT)}). Edit it locally and upload a new .zip.`, 'warn'), upload, out);
    return;
  }
  el.append(h('p.muted', 'Loading the code…'));
  let entries;
  try {
    const location = new URL(ctx.fn.Code.Location, window.location.href);
    const response = await fetch(location.pathname + location.search);
    if (!response.ok) throw new Error(`The code package could not be downloaded (HTTP ${response.status}).`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    entries = readZip(bytes).filter((e) => !e.isDirectory);
    for (const entry of entries) {
      entry.bytes = await entry.read();
      entry.text = asText(entry.bytes);
    }
  } catch (e) {
    clear(el, errorBox(e, 'Could not open the code'), upload, out);
    return;
  }
  const binary = entries.filter((e) => e.text === null);
  if (binary.length) {
    clear(el, notice(`This package holds binary files (${binary.slice(0, 5).map((e) => e.name).join(', ')}${binary.length > 5 ? '…' : ''}), so it cannot be edited inline. Edit it locally and upload a new .zip.`, 'warn'),
      h('p.muted.small', `Files: ${entries.map((e) => e.name).join(', ')}`), upload, out);
    return;
  }
  const files = entries.map((e) => ({ name: e.name, text: e.text, mode: e.mode || 0o644, dirty: false }));
  if (!files.length) files.push({ name: 'index.js', text: '', mode: 0o644, dirty: true });
  const handlerFile = (ctx.fn.Configuration.Handler || '').split('.').slice(0, -1).join('.');
  let current = files.find((f) => f.name.replace(/\.[^.]+$/, '') === handlerFile) || files[0];

  const list = h('ul.files', { 'aria-label': 'Files' });
  const editorBox = h('div');
  const fileLabel = h('div.muted.small.mono');
  const newName = h('input', { placeholder: 'new-file.js', 'aria-label': 'New file name', size: 16 });
  const addButton = h('button', { type: 'button' }, 'Add file');
  const saveButton = h('button.primary', { type: 'button', title: 'Ctrl+S' }, 'Save');
  const fileCount = h('span.grow.muted.small');
  clear(el,
    h('div.bar', fileCount, saveButton),
    h('div.editor-layout',
      h('div', list, h('div.bar', { style: 'margin-top:8px' }, newName, addButton)),
      h('div', fileLabel, editorBox)),
    out, upload);
  const editor = await createEditor(editorBox, { value: current.text, fileName: current.name, label: `Code of ${current.name}`, rows: 22 });
  let switching = false;
  const markDirty = () => {
    if (switching || editor.getValue() === current.text) return;
    current.text = editor.getValue();
    if (!current.dirty) { current.dirty = true; renderList(); }
  };
  if (editor.cm) editor.cm.on('change', markDirty);
  else editor.textarea.addEventListener('input', markDirty);

  function renderList() {
    clear(list, files.map((f) => h('li', h('button', { type: 'button', 'aria-current': f === current ? 'true' : 'false', class: f.dirty ? 'dirty' : '',
      on: { click: () => open(f) } }, f.name))));
    fileLabel.textContent = current.name;
    fileCount.textContent = `${files.length} file(s)${files.some((f) => f.dirty) ? ', unsaved changes' : ''}; Save builds a new .zip and calls UpdateFunctionCode.`;
  }
  function open(f) {
    markDirty();
    current = f;
    switching = true;
    editor.setValue(f.text, f.name);
    switching = false;
    renderList();
    editor.focus();
  }
  renderList();
  addButton.addEventListener('click', () => {
    const n = newName.value.trim().replace(/^\/+/, '');
    clear(out);
    if (!n || n.includes('..') || n.endsWith('/')) { clear(out, notice('Type a file name such as lib/util.js, then Add file.', 'warn')); newName.focus(); return; }
    let f = files.find((x) => x.name === n);
    if (!f) { f = { name: n, text: '', mode: /(^|\/)bootstrap$/.test(n) ? 0o755 : 0o644, dirty: true }; files.push(f); }
    newName.value = '';
    open(f);
  });
  newName.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); addButton.click(); } });
  saveButton.addEventListener('click', () => act(saveButton, out, async () => {
    current.text = editor.getValue();
    const zip = writeZip(files.map((f) => ({ name: f.name, data: f.text, mode: f.mode })));
    const result = await lambda.updateCode(ctx.name, toBase64(zip));
    for (const f of files) f.dirty = false;
    renderList();
    await ctx.refresh();
    clear(out, notice(`Saved: ${formatBytes(result.CodeSize)}, CodeSha256 ${result.CodeSha256}. New invocations run this code.`, 'ok'));
  }, 'Could not save the code'));
  el.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); saveButton.click(); }
  });
}

// --- Test events ----------------------------------------------------------------------------

async function testTab(el, ctx) {
  const out = h('div');
  const result = h('div.test-result');
  const chooser = h('select', { 'aria-label': 'Saved test events' });
  const eventName = h('input', { 'aria-label': 'Event name', placeholder: 'event name', maxlength: 25, size: 18 });
  const editorBox = h('div');
  const runButton = h('button.primary', { type: 'button' }, 'Test');
  const saveButton = h('button', { type: 'button' }, 'Save event');
  const newButton = h('button', { type: 'button' }, 'New event');
  const deleteEventButton = h('button.danger', { type: 'button' }, 'Delete event');
  el.append(
    h('p.muted.small', `Up to ${MAX_TEST_EVENTS} saved test events per function, kept by the server. Test invokes the function with the event (Invoke, X-Amz-Log-Type: Tail).`),
    h('div.bar', field('Saved event', chooser), field('Name', eventName)),
    editorBox,
    h('div.bar', { style: 'margin-top:8px' }, runButton, saveButton, newButton, deleteEventButton),
    out, result);
  const editor = await createEditor(editorBox, { value: '{}', fileName: 'event.json', label: 'Event JSON', rows: 12 });
  let saved = [];

  async function reload(select) {
    saved = await testEvents.list(ctx.name);
    clear(chooser, saved.length ? saved.map((e) => h('option', { value: e.Name }, e.Name)) : h('option', { value: '' }, '(none saved)'));
    const pick = saved.find((e) => e.Name === select) || saved[0];
    if (pick) { chooser.value = pick.Name; eventName.value = pick.Name; editor.setValue(pick.Event, 'event.json'); }
    newButton.disabled = saved.length >= MAX_TEST_EVENTS;
    newButton.title = newButton.disabled ? `A function keeps at most ${MAX_TEST_EVENTS} test events` : '';
  }
  chooser.addEventListener('change', () => {
    const e = saved.find((x) => x.Name === chooser.value);
    if (e) { eventName.value = e.Name; editor.setValue(e.Event, 'event.json'); }
  });
  newButton.addEventListener('click', () => {
    let n = 1;
    while (saved.some((e) => e.Name === `event${n}`)) n++;
    eventName.value = `event${n}`;
    editor.setValue('{\n  "key1": "value1"\n}', 'event.json');
    eventName.focus();
  });
  function eventText() {
    const text = editor.getValue();
    try { JSON.parse(text); } catch (e) {
      throw Object.assign(new Error(`The event is not valid JSON: ${e.message}`), { nextStep: 'Fix the JSON, then try again.' });
    }
    return text;
  }
  saveButton.addEventListener('click', () => act(saveButton, out, async () => {
    clear(out);
    const n = eventName.value.trim();
    if (!n) throw Object.assign(new Error('Name the event first.'), { nextStep: 'Type a name, then save.' });
    await testEvents.save(ctx.name, n, eventText());
    await reload(n);
    clear(out, notice(`Saved test event ${n}.`, 'ok'));
  }, 'Could not save the test event'));
  deleteEventButton.addEventListener('click', () => act(deleteEventButton, out, async () => {
    clear(out);
    if (!chooser.value) return;
    await testEvents.remove(ctx.name, chooser.value);
    await reload();
    clear(out, notice('Deleted.', 'ok'));
  }, 'Could not delete the test event'));
  runButton.addEventListener('click', () => act(runButton, out, async () => {
    clear(out);
    clear(result); // a new run's error must not sit above the previous run's result
    const payload = eventText();
    clear(result, h('p.muted', 'Running…'));
    const started = performance.now();
    const r = await lambda.invoke(ctx.name, payload);
    const elapsed = performance.now() - started;
    const report = parseReport(r.log);
    let pretty = r.payload;
    try { pretty = JSON.stringify(JSON.parse(r.payload), null, 2); } catch { /* not JSON */ }
    const ok = !r.functionError;
    const rows = [];
    if (report) {
      rows.push(['Duration', `${report.duration} ms`], ['Billed duration', `${report.billed} ms`],
        ['Memory size', `${report.memorySize} MB`], ['Max memory used', `${report.memoryUsed} MB`]);
      if (report.init !== null) rows.push(['Init duration', `${report.init} ms`]);
    } else rows.push(['Round trip', `${elapsed.toFixed(0)} ms`]);
    clear(result, h('div.panel',
      h('h3', { class: ok ? 'status-ok' : 'status-bad' }, ok ? 'Execution result: succeeded' : `Execution result: failed (${r.functionError})`),
      h('dl.summary', rows.map(([k, v]) => [h('dt', k), h('dd', v)])),
      h('h3', ok ? 'Result' : 'Error'), h('pre.result', { 'data-role': 'payload' }, pretty || '(empty)'),
      h('h3', 'Log output'), h('pre.log', { 'data-role': 'log' }, r.log || '(no log)')));
  }, 'Could not run the test'));
  el.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); runButton.click(); }
  });
  try { await reload(); } catch (e) { out.append(errorBox(e, 'Could not load the saved test events')); }
}

// --- Configuration --------------------------------------------------------------------------

function configTab(el, ctx) {
  const c = ctx.fn.Configuration;
  const out = h('div');
  const description = h('input', { value: c.Description || '' });
  const runtime = select(RUNTIMES.includes(c.Runtime) ? RUNTIMES : [c.Runtime, ...RUNTIMES], c.Runtime);
  const handler = h('input', { value: c.Handler });
  const memory = h('input', { type: 'number', min: 128, max: 10240, value: c.MemorySize });
  const timeout = h('input', { type: 'number', min: 1, max: 900, value: c.Timeout });
  const role = h('input', { value: c.Role, size: 50 });
  const env = envEditor((c.Environment && c.Environment.Variables) || {});
  const save = h('button.primary', { type: 'submit' }, 'Save configuration');
  const form = h('form.panel',
    h('div.grid2', field('Description', description), field('Runtime', runtime), field('Handler', handler),
      field('Memory (MB)', memory), field('Timeout (seconds)', timeout), field('Execution role ARN', role)),
    h('h3', 'Environment variables'), env, h('div.bar', { style: 'margin-top:14px' }, save), out,
    h('p.muted.small', `ARN ${c.FunctionArn} · revision ${c.RevisionId || ''}`));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(save, out, async () => {
      clear(out);
      const r = await lambda.updateConfiguration(ctx.name, {
        Description: description.value, Runtime: runtime.value, Handler: handler.value, MemorySize: Number(memory.value),
        Timeout: Number(timeout.value), Role: role.value, Environment: { Variables: env.value() },
      });
      await ctx.refresh();
      clear(out, notice(`Saved (revision ${r.RevisionId || ''}).`, 'ok'));
    }, 'Could not save the configuration');
  });
  const concurrencyBox = h('div');
  const tagsBox = h('div');
  el.append(form, concurrencyBox, tagsBox);
  labelRuntimes(runtime).catch(() => null);
  return Promise.all([concurrencySection(concurrencyBox, ctx), tagsSection(tagsBox, ctx)]).then(() => undefined);
}

// --- Logs ------------------------------------------------------------------------------------

function logsTab(el, ctx) {
  const group = `/aws/lambda/${ctx.name}`;
  const pre = h('pre.log', { 'aria-live': 'polite', 'data-role': 'live-log' });
  const status = h('span.muted.small');
  const pause = h('button', { type: 'button' }, 'Pause');
  const since = select([['300', 'last 5 minutes'], ['3600', 'last hour'], ['86400', 'last 24 hours']], '3600', { 'aria-label': 'Show logs since' });
  const out = h('div');
  el.append(h('div.bar', h('span.grow', h('code', group)), since, pause, status), out, pre);
  let timer = null, paused = false, seen = new Set(), start = 0, lines = [];
  const reset = () => { seen = new Set(); lines = []; start = Date.now() - Number(since.value) * 1000; pre.textContent = ''; };
  async function poll() {
    timer = null;
    try {
      let token, pages = 0, added = 0, newest = start;
      do {
        const r = await logs('FilterLogEvents', { logGroupName: group, startTime: start, limit: 1000, ...(token ? { nextToken: token } : {}) });
        for (const e of r.events || []) {
          newest = Math.max(newest, e.timestamp);
          if (seen.has(e.eventId)) continue;
          seen.add(e.eventId);
          lines.push(`${new Date(e.timestamp).toISOString().slice(11, 23)}  ${e.message.replace(/\n$/, '')}`);
          added++;
        }
        token = r.nextToken;
      } while (token && ++pages < 5);
      start = newest;
      if (lines.length > 2000) lines = lines.slice(-2000);
      if (added) {
        const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 20;
        pre.textContent = lines.join('\n');
        if (atBottom) pre.scrollTop = pre.scrollHeight;
      }
      clear(out);
      status.textContent = lines.length ? `updated ${new Date().toLocaleTimeString()}` : 'no log events yet: invoke the function';
    } catch (e) {
      if (e.type === 'ResourceNotFoundException') { clear(out); status.textContent = 'no logs yet: invoke the function and they appear here'; }
      else clear(out, errorBox(e, 'Could not read the logs'));
    }
    if (!paused && el.isConnected && !el.hidden) timer = setTimeout(poll, 2000);
  }
  const stop = () => { if (timer) clearTimeout(timer); timer = null; };
  pause.addEventListener('click', () => {
    paused = !paused; pause.textContent = paused ? 'Resume' : 'Pause';
    if (paused) stop(); else if (!timer) poll();
  });
  since.addEventListener('change', () => { stop(); reset(); poll(); });
  reset();
  poll();
  ctx.onLeave(stop);
  return { hide: stop, show: () => { if (!paused && !timer) poll(); } };
}

// --- Monitoring ------------------------------------------------------------------------------

async function monitoringTab(el, ctx) {
  const range = select([['60', 'last hour'], ['180', 'last 3 hours'], ['1440', 'last 24 hours']], '60', { 'aria-label': 'Time range' });
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const charts = h('div');
  el.append(h('div.bar', h('span.grow.muted.small', 'One-minute figures from GET /_petrel/metrics/functions/NAME.'), range, refresh), charts);
  async function load() {
    clear(charts, h('p.muted', 'Loading…'));
    let m;
    try { m = await functionMetrics(ctx.name, Number(range.value)); } catch (e) { clear(charts, errorBox(e, 'Could not read the metrics')); return; }
    if (!m || !m.Points || !m.Points.length) {
      clear(charts, notice(m ? 'No data in this range yet: invoke the function.' : 'No data: this server has no metrics endpoint yet (GET /_petrel/metrics/functions/NAME answered 404). Logs and REPORT lines are under Logs.'));
      return;
    }
    const p = perMinute(m.Points, Number(range.value));
    const hasAge = m.Points.some((x) => x.IteratorAge !== undefined);
    clear(charts, h('div.charts',
      lineChart('Invocations', p, [['Invocations', 'count']]),
      lineChart('Errors', p, [['Errors', 'count']]),
      lineChart('Duration', p, [['DurationP50', 'p50'], ['DurationP99', 'p99']], ' ms'),
      lineChart('Throttles', p, [['Throttles', 'count']]),
      lineChart('Concurrent executions', p, [['ConcurrentExecutions', 'max']]),
      hasAge ? lineChart('Iterator age (stream triggers)', p, [['IteratorAge', 'max']], ' ms') : null));
  }
  range.addEventListener('change', load);
  refresh.addEventListener('click', load);
  await load();
}
