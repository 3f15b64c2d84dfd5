// The functions list (paged, searchable by name prefix) and the create form.
import { ensureRole, functionMetrics, lambda, runtimes, testEvents } from './api.js';
import { blueprints } from './blueprints.js';
import { act, clear, errorBox, field, formatBytes, formatTime, h, notice, perMinute, select, sparkline } from './ui.js';
import { readZip, toBase64, writeZip } from './zip.js';

export const RUNTIMES = ['nodejs24.x', 'nodejs22.x', 'nodejs20.x', 'nodejs18.x', 'python3.14', 'python3.13', 'python3.12',
  'python3.11', 'python3.10', 'python3.9', 'provided.al2023', 'provided.al2', 'provided'];
export const ROLE_TEMPLATES = [
  ['basic', 'Basic execution role (lambda-basic-execution)', 'lambda-basic-execution'],
  ['stream', 'DynamoDB stream execution role (lambda-dynamodb-stream-execution)', 'lambda-dynamodb-stream-execution'],
  ['microservice', 'Simple microservice permissions (lambda-microservice-execution)', 'lambda-microservice-execution'],
  ['name', 'An existing role (name or ARN)', ''],
];
/** The policy templates a new role is made from, as the AWS console offers them. */
export const POLICY_TEMPLATES = {
  basic: { title: 'Basic Lambda permissions', managed: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'] },
  stream: { title: 'DynamoDB stream permissions', managed: ['arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole'] },
  microservice: {
    title: 'Simple microservice permissions', managed: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    inline: { name: 'SimpleMicroservicePermissions', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow',
      Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      Resource: 'arn:aws:dynamodb:*:*:table/*' }] } },
  },
};
export const roleArn = (nameOrArn) => nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:iam::000000000000:role/${nameOrArn}`;
const PAGE = 50;
let metricsMissing = false; // the metrics endpoint answered 404 once: don't ask for every row

/** What runs a runtime here, in words: "Python 3.12.1", "not installed (Python 3.14)". */
export function runtimeText(row) {
  if (!row) return '';
  if (row.status === 'installed') return row.interpreter;
  if (row.status === 'fallback') return `${row.interpreter}, as a fallback: ${row.missing} is not installed`;
  if (row.status === 'custom') return 'your own bootstrap';
  return `not installed (${row.missing})`;
}

/** Labels a runtime <select>'s options with the exact interpreter behind each, and disables
 *  those this machine cannot run (CreateFunction would refuse them). */
export async function labelRuntimes(selectEl) {
  const rows = await runtimes();
  const byName = Object.fromEntries(rows.map((r) => [r.runtime, r]));
  for (const option of selectEl.options) {
    const row = byName[option.value];
    if (!row) continue;
    option.textContent = `${option.value} — ${runtimeText(row)}`;
    option.disabled = row.status === 'missing' && option.value !== selectEl.value;
  }
  return rows;
}

/** Every runtime and what runs it on this machine: the table `petrel status` prints. */
export function runtimesTable(rows) {
  return h('details', h('summary.small', 'Runtimes on this machine'),
    h('div.table-scroll', h('table.list.runtimes-table', { 'data-role': 'runtimes' },
      h('thead', h('tr', ['Runtime', 'Runs on', 'Executable'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', rows.map((r) => h('tr', { 'data-runtime': r.runtime }, h('td', r.runtime), h('td', runtimeText(r)), h('td.mono', r.path || '')))))));
}

/** Names are ordered and ListFunctions' Marker is the last name seen, so a prefix search starts just before it. */
function markerBefore(prefix) {
  if (!prefix) return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last - 1) + '~';
}

export async function functionListPage(view) {
  const search = h('input', { type: 'search', placeholder: 'Find functions by name prefix', 'aria-label': 'Find functions by name prefix' });
  const body = h('div');
  const pager = h('div.pager');
  const status = h('div');
  view.append(
    h('div.bar', h('h1.grow', 'Functions'), h('a.button.primary', { href: '#/functions/new' }, 'Create function')),
    h('div.bar', search, h('span.muted.small', 'Paged 50 at a time; the search jumps to names starting with what you type.')),
    status, body, pager);
  const markers = [undefined]; // start marker of each page seen
  let pageIndex = 0;
  let generation = 0;

  async function load() {
    const mine = ++generation;
    const prefix = search.value.trim();
    let marker = markers[pageIndex] ?? markerBefore(prefix);
    clear(status);
    let out;
    try {
      out = await lambda.list(marker, PAGE);
    } catch (e) {
      clear(status, errorBox(e, 'Could not list functions'));
      return;
    }
    if (mine !== generation) return;
    let functions = out.Functions || [];
    let next = out.NextMarker;
    if (prefix) {
      const matching = functions.filter((f) => f.FunctionName.startsWith(prefix));
      if (matching.length < functions.length) next = null; // past the prefix: nothing more matches
      functions = matching;
    }
    render(functions, prefix);
    clear(pager,
      h('button', { type: 'button', disabled: pageIndex === 0, on: { click: () => { pageIndex--; load(); } } }, '← Previous'),
      h('span.muted.small', `Page ${pageIndex + 1}`),
      h('button', { type: 'button', disabled: !next, on: { click: () => { markers[pageIndex + 1] = next; pageIndex++; load(); } } }, 'Next →'));
  }

  function render(functions, prefix) {
    if (!functions.length) {
      clear(body, notice(prefix ? `No function name starts with “${prefix}”.` : 'No functions yet. Create one from a blueprint to start.'));
      return;
    }
    const rows = functions.map((f) => {
      const graph = h('td.graph', h('span.muted.small', '…'));
      const actions = h('td');
      const row = h('tr',
        h('td.name-cell', h('a', { href: `#/functions/${encodeURIComponent(f.FunctionName)}` }, f.FunctionName),
          f.Description ? h('div.muted.small', f.Description) : null),
        h('td', f.Runtime), h('td', `${f.MemorySize} MB`), h('td', formatBytes(f.CodeSize || 0)),
        h('td', formatTime(f.LastModified)), graph, actions);
      deleteButton(actions, f.FunctionName, () => row.remove());
      return { row, graph, name: f.FunctionName };
    });
    clear(body, h('div.table-scroll', h('table.list', h('thead', h('tr', ['Name', 'Runtime', 'Memory', 'Code size', 'Last modified', 'Invocations / errors (1 h)', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', rows.map((r) => r.row)))));
    loadGraphs(rows);
  }

  async function loadGraphs(rows) {
    for (const r of rows) {
      if (metricsMissing) { clear(r.graph, h('span.muted.small', 'no data')); continue; }
      try {
        const m = await functionMetrics(r.name, 60);
        if (!m) metricsMissing = true;
        clear(r.graph, m && m.Points && m.Points.length ? sparkline(perMinute(m.Points, 60)) : h('span.muted.small', 'no data'));
      } catch {
        clear(r.graph, h('span.muted.small', 'no data'));
      }
    }
  }

  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { markers.length = 1; markers[0] = undefined; pageIndex = 0; load(); }, 250);
  });
  await load();
}

/** An inline "are you sure" next to the Delete button (no modal dialog). */
export function deleteButton(container, name, onDeleted) {
  const button = h('button.danger', { type: 'button', 'aria-label': `Delete ${name}` }, 'Delete');
  const where = h('div');
  button.addEventListener('click', () => {
    const yes = h('button.danger', { type: 'button' }, `Delete ${name}`);
    const no = h('button', { type: 'button' }, 'Cancel');
    const box = h('span', yes, ' ', no);
    no.addEventListener('click', () => { box.replaceWith(button); button.focus(); });
    yes.addEventListener('click', () => act(yes, where, async () => {
      await lambda.remove(name);
      onDeleted();
    }, `Could not delete ${name}`));
    button.replaceWith(box);
    yes.focus();
  });
  container.append(button, where);
}

/** Environment variables editor: rows of key/value. */
export function envEditor(initial = {}) {
  const rows = h('div');
  const add = (k = '', v = '') => {
    const key = h('input', { value: k, placeholder: 'Key', 'aria-label': 'Variable name' });
    const value = h('input', { value: v, placeholder: 'Value', 'aria-label': 'Variable value' });
    const row = h('div.env-row', key, value, h('button', { type: 'button', 'aria-label': 'Remove variable', on: { click: () => row.remove() } }, '✕'));
    rows.append(row);
  };
  for (const [k, v] of Object.entries(initial)) add(k, v);
  const el = h('div', rows, h('button', { type: 'button', on: { click: () => add() } }, 'Add variable'));
  el.value = () => {
    const out = {};
    for (const row of rows.children) {
      const [k, v] = row.querySelectorAll('input');
      if (k.value.trim()) out[k.value.trim()] = v.value;
    }
    return out;
  };
  el.set = (vars) => { rows.replaceChildren(); for (const [k, v] of Object.entries(vars || {})) add(k, v); };
  return el;
}

/** The role chooser: a pre-built template or a name of one's own → an ARN. */
export function roleChooser(initial = 'basic') {
  const kind = select(ROLE_TEMPLATES.map(([v, t]) => [v, t]), initial, { name: 'roleTemplate' });
  const name = h('input', { name: 'roleName', value: ROLE_TEMPLATES.find((r) => r[0] === initial)[2] });
  kind.addEventListener('change', () => {
    const t = ROLE_TEMPLATES.find((r) => r[0] === kind.value);
    if (t[2]) name.value = t[2]; else { name.value = ''; name.focus(); }
  });
  const el = h('div', field('Execution role', kind), field('Role name', name,
    'Becomes arn:aws:iam::000000000000:role/NAME. A template\'s role is created from its policy templates when it does not exist yet; see Roles.'));
  el.arn = () => roleArn(name.value.trim() || 'lambda-basic-execution');
  /** Creates the template's role if it is missing (an existing role is used as it is). */
  el.ensure = async () => {
    const template = POLICY_TEMPLATES[kind.value];
    const roleName = name.value.trim();
    if (template && roleName && !roleName.startsWith('arn:')) await ensureRole(roleName, template);
  };
  el.setTemplate = (t) => { kind.value = t; kind.dispatchEvent(new Event('change')); };
  return el;
}

export async function createFunctionPage(view) {
  const form = h('form.panel', { novalidate: true });
  const out = h('div');
  const name = h('input', { name: 'name', required: true, pattern: '[A-Za-z0-9_-]{1,64}', autocomplete: 'off' });
  const description = h('input', { name: 'description' });
  const runtime = select(RUNTIMES, 'nodejs20.x', { name: 'runtime' });
  const handler = h('input', { name: 'handler', value: 'index.handler' });
  const memory = h('input', { name: 'memory', type: 'number', min: 128, max: 10240, step: 1, value: 128 });
  const timeout = h('input', { name: 'timeout', type: 'number', min: 1, max: 900, value: 3 });
  const role = roleChooser('basic');
  const env = envEditor();
  const zipInput = h('input', { type: 'file', accept: '.zip,application/zip', name: 'zip', 'aria-label': 'Deployment package (.zip)' });
  const zipInfo = h('div.hint');
  const choices = [...blueprints.map((b) => [b.id, b.title, b.summary]), ['upload', 'Upload a .zip', 'Your own deployment package, built as for `aws lambda create-function --zip-file`.']];
  const picker = h('fieldset.blueprints', h('legend', 'Choose the code'), choices.map(([id, title, summary], i) =>
    h('label.blueprint', h('input', { type: 'radio', name: 'source', value: id, checked: i === 0 }), h('strong', title), h('div.summary', summary))));
  const uploadBox = h('div', { hidden: true }, field('Deployment package', zipInput), zipInfo);

  function applyBlueprint() {
    const id = form.querySelector('input[name=source]:checked').value;
    uploadBox.hidden = id !== 'upload';
    const b = blueprints.find((x) => x.id === id);
    if (!b) {
      // Your own zip: drop what a blueprint filled in, keep what you typed.
      if (blueprints.some((x) => x.description === description.value)) description.value = '';
      if (blueprints.some((x) => JSON.stringify(x.environment) === JSON.stringify(env.value()))) env.set({});
      return;
    }
    runtime.value = b.runtime;
    handler.value = b.handler;
    description.value = b.description;
    role.setTemplate(b.role);
    env.set(b.environment);
  }
  picker.addEventListener('change', applyBlueprint);
  zipInput.addEventListener('change', async () => {
    const file = zipInput.files[0];
    if (!file) return;
    try {
      const entries = readZip(new Uint8Array(await file.arrayBuffer()));
      zipInfo.textContent = `${formatBytes(file.size)}: ${entries.filter((e) => !e.isDirectory).map((e) => e.name).slice(0, 8).join(', ')}${entries.length > 8 ? '…' : ''}`;
    } catch (e) { zipInfo.textContent = e.message; }
  });

  const submit = h('button.primary', { type: 'submit' }, 'Create function');
  form.append(
    picker, uploadBox,
    h('h2', 'Basic information'),
    h('div.grid2',
      field('Function name', name, 'Letters, digits, dashes and underscores, up to 64.'),
      field('Description', description),
      field('Runtime', runtime),
      field('Handler', handler, 'file.function, for example index.handler'),
      field('Memory (MB)', memory, '128 to 10240'),
      field('Timeout (seconds)', timeout, '1 to 900')),
    role,
    h('h3', 'Environment variables'), env,
    h('div.bar', { style: 'margin-top:16px' }, submit, h('a.button', { href: '#/functions' }, 'Cancel')),
    out);
  const runtimesBox = h('div');
  form.insertBefore(runtimesBox, role);
  view.append(h('div.crumbs', h('a', { href: '#/functions' }, 'Functions'), ' / Create'), h('h1', 'Create function'), form);
  applyBlueprint();
  labelRuntimes(runtime).then((rows) => { if (rows.length) runtimesBox.append(runtimesTable(rows)); }).catch(() => null);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(submit, out, async () => {
      clear(out);
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name.value)) {
        name.focus();
        throw Object.assign(new Error('Give the function a name: letters, digits, dashes and underscores, up to 64.'), { nextStep: 'Fill in the function name, then create again.' });
      }
      const source = form.querySelector('input[name=source]:checked').value;
      let zipBase64;
      const blueprint = blueprints.find((b) => b.id === source);
      if (blueprint) {
        zipBase64 = toBase64(writeZip(Object.entries(blueprint.files).map(([n, d]) => ({ name: n, data: d }))));
      } else {
        const file = zipInput.files[0];
        if (!file) throw Object.assign(new Error('Choose a .zip file to upload.'), { nextStep: 'Pick the deployment package, or choose a blueprint.' });
        zipBase64 = toBase64(new Uint8Array(await file.arrayBuffer()));
      }
      const vars = env.value();
      await role.ensure();
      const created = await lambda.create({
        FunctionName: name.value, Description: description.value, Runtime: runtime.value, Handler: handler.value,
        Role: role.arn(), MemorySize: Number(memory.value), Timeout: Number(timeout.value),
        Environment: { Variables: vars }, Code: { ZipFile: zipBase64 },
      });
      if (blueprint && blueprint.event) {
        await testEvents.save(created.FunctionName, 'example', blueprint.event).catch(() => null);
      }
      location.hash = `#/functions/${encodeURIComponent(created.FunctionName)}/code`;
    }, 'Could not create the function');
  });
  name.focus();
}
