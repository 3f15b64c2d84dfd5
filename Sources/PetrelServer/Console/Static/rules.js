// Rules (EventBridge): event buses, each bus's rules (event pattern or schedule) and a rule's
// targets (functions, queues, other buses).
import { allQueues, eventbridge, lambda, sqs } from './api.js';
import { act, clear, errorBox, field, h, notice, select } from './ui.js';

const busHash = (bus) => `#/rules/${encodeURIComponent(bus)}`;
const ruleHash = (bus, rule) => `${busHash(bus)}/${encodeURIComponent(rule)}`;

async function allPages(operation, input, key) {
  const out = [];
  let token;
  do {
    const r = await eventbridge(operation, { ...input, ...(token ? { NextToken: token } : {}) });
    out.push(...(r[key] || []));
    token = r.NextToken;
  } while (token);
  return out;
}

/** Functions and queues a rule may target, as [arn, label]. */
async function targetChoices() {
  const [functions, queues] = await Promise.all([
    (async () => {
      const functions = [];
      let marker;
      do {
        const r = await lambda.list(marker, 50);
        functions.push(...(r.Functions || []).map((f) => [f.FunctionArn, `function ${f.FunctionName}`]));
        marker = r.NextMarker;
      } while (marker && functions.length < 1000);
      return functions;
    })().catch(() => []),
    allQueues().then((all) => all.map((q) => [q.arn, `queue ${q.name}`])).catch(() => []),
  ]);
  return [...functions, ...queues];
}

function targetOptions(selectEl, choices) {
  clear(selectEl, h('option', { value: '' }, '(no target)'), choices.map(([arn, label]) => h('option', { value: arn }, label)));
}

function patternOrSchedule(rule) {
  if (rule.ScheduleExpression) return h('code', rule.ScheduleExpression);
  if (!rule.EventPattern) return '';
  try { return h('code', JSON.stringify(JSON.parse(rule.EventPattern))); } catch { return h('code', rule.EventPattern); }
}

/**
 * What AWS's console does when it adds a queue target: a statement in the queue's policy that
 * lets EventBridge send to it for this rule (without one, the queue refuses the rule's events).
 */
async function letRuleSendTo(targetArn, ruleArn, targetId) {
  const parts = targetArn.split(':');
  if (parts[2] !== 'sqs') return;
  const { QueueUrl } = await sqs('GetQueueUrl', { QueueName: parts[5], QueueOwnerAWSAccountId: parts[4] });
  const { Attributes: a = {} } = await sqs('GetQueueAttributes', { QueueUrl, AttributeNames: ['Policy'] });
  let policy;
  try { policy = JSON.parse(a.Policy); } catch { policy = null; }
  if (!policy || !Array.isArray(policy.Statement)) policy = { Version: '2012-10-17', Id: `${targetArn}/SQSDefaultPolicy`, Statement: [] };
  const sid = `AWSEvents_${ruleArn.split('/').pop()}_${targetId}`;
  policy.Statement = policy.Statement.filter((st) => st.Sid !== sid).concat([{
    Sid: sid, Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage',
    Resource: targetArn, Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
  }]);
  await sqs('SetQueueAttributes', { QueueUrl, Attributes: { Policy: JSON.stringify(policy) } });
}

export async function rulesPage(view, bus = 'default') {
  const out = h('div');
  const busChoice = h('select', { name: 'bus', 'aria-label': 'Event bus' });
  const newBus = h('input', { name: 'busName', autocomplete: 'off', placeholder: 'orders', size: 20 });
  const createBus = h('button', { type: 'button' }, 'Create bus');
  const deleteBus = h('button.danger', { type: 'button', hidden: bus === 'default' }, 'Delete bus');
  const rulesBox = h('div');
  const name = h('input', { name: 'ruleName', autocomplete: 'off', size: 30 });
  const kind = select([['pattern', 'Event pattern'], ['schedule', 'Schedule (default bus only)']], 'pattern', { name: 'ruleKind', 'aria-label': 'Rule type' });
  const pattern = h('textarea.code', { name: 'eventPattern', rows: 4, 'aria-label': 'Event pattern', spellcheck: 'false' });
  pattern.value = '{\n  "source": ["my.app"]\n}';
  const schedule = h('input', { name: 'scheduleExpression', value: 'rate(5 minutes)', size: 24 });
  const patternField = field('Event pattern', pattern, 'JSON, as in AWS\'s "Amazon EventBridge event patterns".');
  const scheduleField = field('Schedule', schedule, 'rate(5 minutes), cron(0 3 * * ? *)');
  scheduleField.hidden = true;
  const target = h('select', { name: 'target', 'aria-label': 'Target' });
  const create = h('button.primary', { type: 'submit' }, 'Create rule');
  const form = h('form.panel', { 'aria-label': 'Create a rule' }, h('h2', 'Create a rule'),
    h('div.grid2', field('Rule name', name), field('Type', kind), field('Target', target)), patternField, scheduleField, h('div.bar', create));
  kind.addEventListener('change', () => { patternField.hidden = kind.value !== 'pattern'; scheduleField.hidden = kind.value !== 'schedule'; });
  view.append(h('h1', 'Rules'),
    h('div.bar', field('Event bus', busChoice), deleteBus, h('span.grow'), field('New bus', newBus), createBus), out,
    h('h2', `Rules on ${bus}`), rulesBox, form);

  async function loadBuses() {
    const buses = await allPages('ListEventBuses', {}, 'EventBuses');
    clear(busChoice, buses.map((b) => h('option', { value: b.Name }, b.Name)));
    if (!buses.some((b) => b.Name === bus)) busChoice.append(h('option', { value: bus }, `${bus} (not found)`));
    busChoice.value = bus;
  }
  busChoice.addEventListener('change', () => { location.hash = busHash(busChoice.value); });
  createBus.addEventListener('click', () => act(createBus, out, async () => {
    clear(out);
    const n = newBus.value.trim();
    await eventbridge('CreateEventBus', { Name: n });
    location.hash = busHash(n);
  }, 'Could not create the bus'));
  deleteBus.addEventListener('click', () => act(deleteBus, out, async () => {
    await eventbridge('DeleteEventBus', { Name: bus });
    location.hash = busHash('default');
  }, `Could not delete bus ${bus}`));

  async function loadRules() {
    const rules = await allPages('ListRules', { EventBusName: bus, Limit: 100 }, 'Rules');
    if (!rules.length) { clear(rulesBox, notice(`No rules on ${bus}.`)); return; }
    clear(rulesBox, h('div.table-scroll', h('table.list', { 'data-role': 'rules' },
      h('thead', h('tr', ['Rule', 'Pattern or schedule', 'State', 'Targets'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', rules.map((r) => {
        const targets = h('td', '…');
        eventbridge('ListTargetsByRule', { Rule: r.Name, EventBusName: bus }).then((t) => { targets.textContent = String((t.Targets || []).length); })
          .catch(() => { targets.textContent = '?'; });
        return h('tr', { 'data-rule': r.Name }, h('td.name-cell', h('a', { href: ruleHash(bus, r.Name) }, r.Name), r.Description ? h('div.hint', r.Description) : null),
          h('td.mono', patternOrSchedule(r)), h('td', h(`span.pill.${r.State === 'ENABLED' ? 'on' : 'off'}`, r.State)), targets);
      })))));
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(create, out, async () => {
      clear(out);
      const n = name.value.trim();
      const input = { Name: n, EventBusName: bus, State: 'ENABLED' };
      if (kind.value === 'schedule') input.ScheduleExpression = schedule.value.trim();
      else input.EventPattern = pattern.value;
      const { RuleArn } = await eventbridge('PutRule', input);
      if (target.value) {
        const r = await eventbridge('PutTargets', { Rule: n, EventBusName: bus, Targets: [{ Id: 'target-1', Arn: target.value }] });
        if (r.FailedEntryCount) throw Object.assign(new Error(r.FailedEntries[0].ErrorMessage), { type: r.FailedEntries[0].ErrorCode });
        await letRuleSendTo(target.value, RuleArn, 'target-1');
      }
      name.value = '';
      await loadRules();
      clear(out, notice(`Created rule ${n}.`, 'ok'));
    }, 'Could not create the rule');
  });
  try {
    await Promise.all([loadBuses(), loadRules(), targetChoices().then((c) => targetOptions(target, c))]);
  } catch (e) { clear(rulesBox, errorBox(e, 'Could not list the rules')); }
}

export async function rulePage(view, bus, name) {
  const crumbs = h('div.crumbs', h('a', { href: busHash(bus) }, 'Rules'), ` / ${bus} / ${name}`);
  const out = h('div');
  const details = h('dl.summary', { 'data-role': 'rule' });
  const toggle = h('button', { type: 'button' }, '…');
  const remove = h('button.danger', { type: 'button' }, 'Delete rule');
  const targetsBox = h('div');
  const target = h('select', { name: 'target', 'aria-label': 'Target' });
  const add = h('button.primary', { type: 'button' }, 'Add target');
  view.append(crumbs, h('div.bar', h('h1.grow', name), toggle, remove), out, h('section.panel', { 'aria-label': 'Rule' }, details),
    h('section', { 'aria-label': 'Targets' }, h('h2', 'Targets'), targetsBox, h('div.bar', field('Add a target', target), add)));
  let rule;
  async function load() {
    rule = await eventbridge('DescribeRule', { Name: name, EventBusName: bus });
    toggle.textContent = rule.State === 'ENABLED' ? 'Disable rule' : 'Enable rule';
    clear(details,
      h('dt', 'State'), h('dd', h(`span.pill.${rule.State === 'ENABLED' ? 'on' : 'off'}`, rule.State)),
      h('dt', rule.ScheduleExpression ? 'Schedule' : 'Event pattern'),
      h('dd', rule.ScheduleExpression ? h('code', rule.ScheduleExpression) : h('pre.result', { 'data-role': 'pattern' }, prettyJSON(rule.EventPattern))),
      rule.Description ? [h('dt', 'Description'), h('dd', rule.Description)] : null,
      h('dt', 'ARN'), h('dd', h('code', rule.Arn)));
    const targets = await allPages('ListTargetsByRule', { Rule: name, EventBusName: bus }, 'Targets');
    if (!targets.length) { clear(targetsBox, notice('No targets: matched events go nowhere.')); return; }
    clear(targetsBox, h('div.table-scroll', h('table.list', { 'data-role': 'targets' },
      h('thead', h('tr', ['Id', 'ARN', 'Input', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', targets.map((t) => {
        const drop = h('button.danger', { type: 'button', 'aria-label': `Remove target ${t.Id}` }, 'Remove target');
        drop.addEventListener('click', () => act(drop, out, async () => {
          await eventbridge('RemoveTargets', { Rule: name, EventBusName: bus, Ids: [t.Id] });
          await load();
        }, `Could not remove target ${t.Id}`));
        return h('tr', { 'data-target': t.Id }, h('td', t.Id), h('td.mono.name-cell', t.Arn),
          h('td.mono', t.Input || t.InputPath || (t.InputTransformer ? 'transformer' : 'the event')), h('td', drop));
      })))));
  }
  toggle.addEventListener('click', () => act(toggle, out, async () => {
    clear(out);
    await eventbridge(rule.State === 'ENABLED' ? 'DisableRule' : 'EnableRule', { Name: name, EventBusName: bus });
    await load();
  }, 'Could not change the rule'));
  remove.addEventListener('click', () => act(remove, out, async () => {
    await eventbridge('DeleteRule', { Name: name, EventBusName: bus, Force: true });
    location.hash = busHash(bus);
  }, 'Could not delete the rule'));
  add.addEventListener('click', () => act(add, out, async () => {
    clear(out);
    if (!target.value) throw Object.assign(new Error('Choose a target first.'), { nextStep: 'Pick a function or a queue, then add it.' });
    const used = new Set([...targetsBox.querySelectorAll('tr[data-target]')].map((tr) => tr.dataset.target));
    let n = 1;
    while (used.has(`target-${n}`)) n++;
    const r = await eventbridge('PutTargets', { Rule: name, EventBusName: bus, Targets: [{ Id: `target-${n}`, Arn: target.value }] });
    if (r.FailedEntryCount) throw Object.assign(new Error(r.FailedEntries[0].ErrorMessage), { type: r.FailedEntries[0].ErrorCode });
    await letRuleSendTo(target.value, rule.Arn, `target-${n}`);
    await load();
  }, 'Could not add the target'));
  try {
    await Promise.all([load(), targetChoices().then((c) => targetOptions(target, c))]);
  } catch (e) { out.append(errorBox(e, 'Could not open the rule')); }
}

function prettyJSON(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text || ''; }
}
