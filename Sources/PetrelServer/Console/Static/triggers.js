// A function's Triggers tab: its event source mappings (table streams, Kinesis streams, SQS queues),
// its function URL, and the EventBridge rules that target it.
import { allQueues, ddb, eventbridge, kinesis, lambda, rest } from './api.js';
import { act, clear, errorBox, field, h, notice, select } from './ui.js';

const SOURCES = [['table', 'DynamoDB table stream'], ['kinesis', 'Kinesis stream'], ['sqs', 'SQS queue']];

/** An event source's ARN as a link to its page: [kind, name, href]. */
export function sourceOf(arn) {
  let m = /:dynamodb:[^:]*:\d*:table\/([^/]+)/.exec(arn || '');
  if (m) return ['table stream', m[1], `#/tables/${encodeURIComponent(m[1])}`];
  m = /:kinesis:[^:]*:\d*:stream\/([^/]+)/.exec(arn || '');
  if (m) return ['Kinesis stream', m[1], `#/streams/${encodeURIComponent(m[1])}`];
  m = /:sqs:[^:]*:\d*:(.+)$/.exec(arn || '');
  if (m) return ['SQS queue', m[1], `#/queues/${encodeURIComponent(m[1])}`];
  return ['', arn, null];
}

export async function triggersTab(el, ctx) {
  const mappingsPanel = h('section', { 'aria-label': 'Event source mappings' });
  const urlPanel = h('section.panel', { 'aria-label': 'Function URL' });
  const rulesPanel = h('section.panel', { 'aria-label': 'EventBridge rules' });
  el.append(mappingsPanel, urlPanel, rulesPanel);
  const [mappings] = await Promise.all([mappingsSection(mappingsPanel, ctx), urlSection(urlPanel, ctx), rulesSection(rulesPanel, ctx)]);
  return { show: () => { mappings.render().catch(() => null); } };
}

// --- Event source mappings -------------------------------------------------------------------

async function mappingsSection(el, ctx) {
  const out = h('div');
  const listBox = h('div');
  const kind = select(SOURCES, 'table', { 'aria-label': 'Event source type', name: 'sourceType' });
  const sourceSelect = h('select', { 'aria-label': 'Table', name: 'source' });
  const sourceField = field('Table', sourceSelect, 'Its stream is turned on (NEW_AND_OLD_IMAGES) if it has none.');
  const position = select([['LATEST', 'LATEST (new changes only)'], ['TRIM_HORIZON', 'TRIM_HORIZON (oldest record kept)']], 'LATEST', { name: 'startingPosition' });
  const positionField = field('Starting position', position);
  const batch = h('input', { type: 'number', name: 'batchSize', min: 1, max: 10000, value: 100 });
  const add = h('button.primary', { type: 'button' }, 'Add trigger');
  el.append(h('h2', 'Triggers'), listBox,
    h('h2', 'Add a trigger'),
    h('div.panel', h('div.grid2', field('Source', kind), sourceField, positionField, field('Batch size', batch)),
      h('div.bar', add), out));

  /** The sources of the chosen kind, as [value, label] (value: a table's name, a stream's or queue's ARN). */
  async function sources(which) {
    if (which === 'table') {
      const names = [];
      let last;
      do {
        const r = await ddb('ListTables', { Limit: 100, ...(last ? { ExclusiveStartTableName: last } : {}) });
        names.push(...(r.TableNames || []));
        last = r.LastEvaluatedTableName;
      } while (last && names.length < 1000);
      return names.map((n) => [n, n]);
    }
    if (which === 'kinesis') {
      const streams = [];
      let token;
      do {
        const r = await kinesis('ListStreams', token ? { NextToken: token } : { Limit: 100 });
        streams.push(...(r.StreamSummaries || []).map((s) => [s.StreamARN, s.StreamName]));
        token = r.HasMoreStreams ? r.NextToken : undefined;
      } while (token && streams.length < 1000);
      return streams;
    }
    return (await allQueues()).map((q) => [q.arn, q.name]);
  }
  const labels = { table: ['Table', 'Its stream is turned on (NEW_AND_OLD_IMAGES) if it has none.', 'no tables: create one under Tables'],
    kinesis: ['Stream', 'Records are read shard by shard, in order.', 'no streams: create one under Streams'],
    sqs: ['Queue', 'Messages are received in batches and deleted when the function succeeds.', 'no queues: create one under Queues'] };
  async function loadSources() {
    const which = kind.value;
    const [label, hint, none] = labels[which];
    sourceSelect.setAttribute('aria-label', label);
    sourceField.querySelector('label').textContent = label;
    sourceField.querySelector('.hint').textContent = hint;
    positionField.hidden = which === 'sqs';
    batch.value = which === 'sqs' ? 10 : 100;
    const list = await sources(which);
    if (kind.value !== which) return;
    clear(sourceSelect, list.length ? list.map(([v, t]) => h('option', { value: v }, t)) : h('option', { value: '' }, `(${none})`));
  }
  kind.addEventListener('change', () => loadSources().catch((e) => clear(out, errorBox(e, 'Could not list the sources'))));

  let shown = null;
  async function render() {
    const r = await lambda.mappings(ctx.name);
    const mappings = r.EventSourceMappings || [];
    // Re-render only on a change, and keep the keyboard focus on the same button.
    const key = JSON.stringify(mappings.map((m) => [m.UUID, m.State, m.BatchSize, m.StartingPosition, m.LastProcessingResult]));
    const again = () => { if (mappings.some((m) => /ing$/.test(m.State))) setTimeout(() => { if (el.isConnected) render().catch(() => null); }, 1500); };
    if (key === shown) { again(); return; }
    shown = key;
    const focused = document.activeElement && listBox.contains(document.activeElement)
      ? [document.activeElement.closest('tr')?.dataset.uuid, document.activeElement.dataset.action] : null;
    if (!mappings.length) { clear(listBox, notice('No triggers. Add one below to run this function on a table\'s changes, a stream\'s records or a queue\'s messages.')); return; }
    clear(listBox, h('div.table-scroll', h('table.list', { 'data-role': 'mappings' },
      h('thead', h('tr', ['Source', 'State', 'Batch size', 'Starting position', 'Last result', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', mappings.map((m) => {
        const enabled = m.State === 'Enabled' || m.State === 'Enabling' || m.State === 'Creating';
        const toggle = h('button', { type: 'button', 'data-action': 'toggle' }, enabled ? 'Disable' : 'Enable');
        toggle.addEventListener('click', () => act(toggle, out, async () => {
          await lambda.updateMapping(m.UUID, { Enabled: !enabled }); await render();
        }, 'Could not change the trigger'));
        const remove = h('button.danger', { type: 'button', 'data-action': 'remove' }, 'Remove');
        remove.addEventListener('click', () => act(remove, out, async () => { await lambda.deleteMapping(m.UUID); await render(); }, 'Could not remove the trigger'));
        const [what, name, href] = sourceOf(m.EventSourceArn);
        return h('tr', { 'data-uuid': m.UUID },
          h('td', href ? h('a', { href }, name) : name, what ? h('span.muted.small', ` ${what}`) : null, h('div.muted.small.mono', m.EventSourceArn)),
          h('td', h(`span.pill.${enabled ? 'on' : 'off'}`, m.State)), h('td', m.BatchSize), h('td', m.StartingPosition || ''),
          h('td', m.LastProcessingResult || ''), h('td', toggle, ' ', remove));
      })))));
    if (focused && focused[0]) listBox.querySelector(`tr[data-uuid="${focused[0]}"] [data-action="${focused[1]}"]`)?.focus();
    again();
  }
  add.addEventListener('click', () => act(add, out, async () => {
    clear(out);
    const which = kind.value;
    const source = sourceSelect.value;
    if (!source) throw Object.assign(new Error(`There is no ${labels[which][0].toLowerCase()} to choose.`), { nextStep: `Create one under ${labels[which][0]}s, then come back.` });
    const input = { FunctionName: ctx.name, BatchSize: Number(batch.value) };
    let done = `Added a trigger on ${sourceSelect.selectedOptions[0].textContent}`;
    if (which === 'table') {
      let description = (await ddb('DescribeTable', { TableName: source })).Table;
      if (!description.StreamSpecification || !description.StreamSpecification.StreamEnabled || !description.LatestStreamArn) {
        description = (await ddb('UpdateTable', { TableName: source, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } })).TableDescription;
        done += ' (its stream was turned on)';
      }
      Object.assign(input, { EventSourceArn: description.LatestStreamArn, StartingPosition: position.value });
    } else if (which === 'kinesis') {
      Object.assign(input, { EventSourceArn: source, StartingPosition: position.value });
    } else {
      input.EventSourceArn = source;
    }
    await lambda.createMapping(input);
    await render();
    clear(out, notice(`${done}.`, 'ok'));
  }, 'Could not add the trigger'));
  await Promise.all([render().catch((e) => clear(listBox, errorBox(e, 'Could not list triggers'))),
    loadSources().catch((e) => out.append(errorBox(e, 'Could not list the sources')))]);
  return { render };
}

// --- Function URL ----------------------------------------------------------------------------

async function urlSection(el, ctx) {
  const path = `/2021-10-31/functions/${encodeURIComponent(ctx.name)}/url`;
  const out = h('div');
  const body = h('div');
  el.append(h('h2', 'Function URL'), body, out);
  async function render() {
    let config = null;
    try { config = await rest('GET', path); } catch (e) { if (e.status !== 404) throw e; }
    if (!config) {
      const auth = select([['NONE', 'NONE (anyone who can reach the server)'], ['AWS_IAM', 'AWS_IAM (SigV4-signed requests)']], 'NONE', { name: 'urlAuthType', 'aria-label': 'Auth type' });
      const create = h('button.primary', { type: 'button' }, 'Create function URL');
      create.addEventListener('click', () => act(create, out, async () => {
        clear(out);
        await rest('POST', path, { AuthType: auth.value });
        await render();
      }, 'Could not create the function URL'));
      clear(body, h('p.muted.small', 'A function URL is an HTTP endpoint of the function\'s own (CreateFunctionUrlConfig).'), h('div.bar', field('Auth type', auth), create));
      return;
    }
    const remove = h('button.danger', { type: 'button' }, 'Delete function URL');
    remove.addEventListener('click', () => act(remove, out, async () => {
      clear(out);
      await rest('DELETE', path);
      await render();
    }, 'Could not delete the function URL'));
    clear(body, h('dl.summary',
      h('dt', 'URL'), h('dd', h('a', { href: config.FunctionUrl, target: '_blank', rel: 'noopener', 'data-role': 'function-url' }, config.FunctionUrl), ' ',
        h('a.button', { href: config.FunctionUrl, target: '_blank', rel: 'noopener', 'data-role': 'function-url-open', 'aria-label': 'Open the function URL in a new tab' }, 'Open')),
      h('dt', 'Auth type'), h('dd', config.AuthType), h('dt', 'Invoke mode'), h('dd', config.InvokeMode || 'BUFFERED')),
    h('div.bar', { style: 'margin-top:10px' }, remove));
  }
  try { await render(); } catch (e) { clear(body, errorBox(e, 'Could not read the function URL')); }
}

// --- EventBridge rules -----------------------------------------------------------------------

async function rulesSection(el, ctx) {
  const fnArn = ctx.fn.Configuration.FunctionArn;
  const out = h('div');
  const listBox = h('div');
  const ruleName = h('input', { name: 'ruleName', autocomplete: 'off', value: `${ctx.name}-schedule`.slice(0, 64), size: 30 });
  const schedule = h('input', { name: 'scheduleExpression', value: 'rate(5 minutes)', size: 24 });
  const create = h('button.primary', { type: 'button' }, 'Create schedule rule');
  el.append(h('h2', 'EventBridge rules'), listBox,
    h('h3', 'Run on a schedule'),
    h('div.bar', field('Rule name', ruleName), field('Schedule', schedule, 'rate(5 minutes), rate(1 hour), cron(0 3 * * ? *)'), create), out);
  async function render() {
    const buses = [];
    let token;
    do {
      const r = await eventbridge('ListEventBuses', token ? { NextToken: token } : {});
      buses.push(...(r.EventBuses || []).map((b) => b.Name));
      token = r.NextToken;
    } while (token);
    const rules = [];
    for (const bus of buses) {
      let next;
      do {
        const r = await eventbridge('ListRuleNamesByTarget', { TargetArn: fnArn, EventBusName: bus, ...(next ? { NextToken: next } : {}) });
        for (const n of r.RuleNames || []) rules.push(await eventbridge('DescribeRule', { Name: n, EventBusName: bus }));
        next = r.NextToken;
      } while (next);
    }
    if (!rules.length) { clear(listBox, notice('No EventBridge rule targets this function.')); return; }
    clear(listBox, h('div.table-scroll', h('table.list', { 'data-role': 'rules' },
      h('thead', h('tr', ['Rule', 'Bus', 'Schedule or pattern', 'State'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', rules.map((r) => h('tr', { 'data-rule': r.Name },
        h('td.name-cell', h('a', { href: `#/rules/${encodeURIComponent(r.EventBusName || 'default')}/${encodeURIComponent(r.Name)}` }, r.Name)),
        h('td', r.EventBusName || 'default'),
        h('td.mono', r.ScheduleExpression || r.EventPattern || ''),
        h('td', h(`span.pill.${r.State === 'ENABLED' ? 'on' : 'off'}`, r.State))))))));
  }
  create.addEventListener('click', () => act(create, out, async () => {
    clear(out);
    const name = ruleName.value.trim();
    const rule = await eventbridge('PutRule', { Name: name, ScheduleExpression: schedule.value.trim(), State: 'ENABLED',
      Description: `Runs ${ctx.name} (made in the Petrel console)` });
    const r = await eventbridge('PutTargets', { Rule: name, Targets: [{ Id: ctx.name.slice(0, 64), Arn: fnArn }] });
    if (r.FailedEntryCount) throw Object.assign(new Error(r.FailedEntries[0].ErrorMessage), { type: r.FailedEntries[0].ErrorCode });
    // As AWS's console does: allow EventBridge to invoke the function for this rule.
    try {
      await rest('POST', `/2015-03-31/functions/${encodeURIComponent(ctx.name)}/policy`, {
        StatementId: `events-${name}`.slice(0, 100), Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: rule.RuleArn });
    } catch (e) { if (e.status !== 409) throw e; }
    await render();
    clear(out, notice(`Created rule ${name}: ${schedule.value.trim()}.`, 'ok'));
  }, 'Could not create the rule'));
  try { await render(); } catch (e) { clear(listBox, errorBox(e, 'Could not list the rules')); }
}
