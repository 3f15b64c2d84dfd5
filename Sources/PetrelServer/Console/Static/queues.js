// Queues (SQS, JSON protocol): list with approximate counts, create (standard or FIFO, with a
// dead-letter queue), delete; a queue's attributes, send, poll (receive) and delete messages, purge,
// and for a dead-letter queue the redrive of its messages back to their sources (message move tasks).
import { allQueues, sqs } from './api.js';
import { act, clear, errorBox, field, formatTime, h, notice, select } from './ui.js';

const nameOf = (url) => decodeURIComponent(url.split('/').pop());
const queueHash = (name) => `#/queues/${encodeURIComponent(name)}`;
const COUNTS = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'];

/** "arn:aws:sqs:us-east-1:000000000000:jobs-dlq" → a link to that queue's page. */
function queueLink(arn) {
  const name = String(arn || '').split(':').pop();
  return h('a', { href: queueHash(name) }, name);
}

function redriveText(policy) {
  if (!policy) return null;
  try {
    const p = JSON.parse(policy);
    return h('span', 'to ', queueLink(p.deadLetterTargetArn), ` after ${p.maxReceiveCount} receives`);
  } catch { return policy; }
}

export async function queueListPage(view) {
  const body = h('div');
  const out = h('div');
  const name = h('input', { name: 'queueName', autocomplete: 'off', placeholder: 'jobs', size: 30 });
  const fifo = h('input', { type: 'checkbox', name: 'fifo' });
  const dlq = h('select', { name: 'deadLetterQueue' }, h('option', { value: '' }, '(none)'));
  const maxReceives = h('input', { type: 'number', name: 'maxReceiveCount', min: 1, max: 1000, value: 5 });
  const create = h('button.primary', { type: 'submit' }, 'Create queue');
  const form = h('form.panel', { 'aria-label': 'Create a queue' },
    h('div.grid2', field('Queue name', name, 'Letters, digits, dashes and underscores; a FIFO queue\'s name ends in .fifo.'),
      h('div.field', h('label', fifo, ' FIFO (ordered per message group, deduplicated)')),
      field('Dead-letter queue', dlq, 'Messages received this many times move there.'), field('Maximum receives', maxReceives)),
    h('div.bar', create), out);
  view.append(h('h1', 'Queues'), form, body);
  let arns = {};
  async function load() {
    let urls;
    try { urls = (await allQueues()).map((q) => q.url); } catch (e) { clear(body, errorBox(e, 'Could not list the queues')); return; }
    const chosen = dlq.value;
    arns = {};
    if (!urls.length) clear(body, notice('No queues yet. Create one to hand work to functions or to other programs.'));
    const rows = urls.map((url) => {
      const n = nameOf(url);
      const cells = COUNTS.map(() => h('td', '…'));
      const redrive = h('td', '');
      const remove = h('button.danger', { type: 'button', 'aria-label': `Delete queue ${n}` }, 'Delete');
      remove.addEventListener('click', () => act(remove, out, async () => {
        clear(out);
        await sqs('DeleteQueue', { QueueUrl: url });
        await load();
        clear(out, notice(`Deleted queue ${n}.`, 'ok'));
      }, `Could not delete queue ${n}`));
      const attributes = sqs('GetQueueAttributes', { QueueUrl: url, AttributeNames: ['All'] }).then(({ Attributes: a = {} }) => {
        COUNTS.forEach((k, i) => { cells[i].textContent = a[k] ?? ''; });
        clear(redrive, redriveText(a.RedrivePolicy) || '—');
        arns[n] = a.QueueArn;
      }).catch(() => { for (const c of cells) c.textContent = '?'; });
      return [h('tr', { 'data-queue': n }, h('td.name-cell', h('a', { href: queueHash(n) }, n)), cells, redrive, h('td', remove)), attributes];
    });
    if (urls.length) {
      clear(body, h('div.table-scroll', h('table.list', { 'data-role': 'queues' },
        h('thead', h('tr', ['Name', 'Available', 'In flight', 'Delayed', 'Dead-letter queue', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', rows.map(([row]) => row)))));
    }
    await Promise.all(rows.map(([, p]) => p));
    clear(dlq, h('option', { value: '' }, '(none)'), Object.entries(arns).map(([n, arn]) => h('option', { value: arn }, n)));
    dlq.value = [...dlq.options].some((o) => o.value === chosen) ? chosen : '';
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(create, out, async () => {
      clear(out);
      const n = name.value.trim();
      const attributes = {};
      if (fifo.checked) attributes.FifoQueue = 'true';
      if (dlq.value) attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq.value, maxReceiveCount: Number(maxReceives.value) });
      await sqs('CreateQueue', { QueueName: n, ...(Object.keys(attributes).length ? { Attributes: attributes } : {}) });
      name.value = '';
      await load();
      clear(out, notice(`Created queue ${n}.`, 'ok'));
    }, 'Could not create the queue');
  });
  await load();
}

export async function queuePage(view, name) {
  const crumbs = h('div.crumbs', h('a', { href: '#/queues' }, 'Queues'), ` / ${name}`);
  let url;
  try {
    url = (await sqs('GetQueueUrl', { QueueName: name })).QueueUrl;
  } catch (e) {
    view.append(crumbs, h('h1', name), errorBox(e, 'Could not open the queue'));
    return;
  }
  const fifo = name.endsWith('.fifo');
  const out = h('div');
  const attributesBox = h('dl.summary', { 'data-role': 'attributes' });
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const purge = h('button.danger', { type: 'button' }, 'Purge');
  const messageBody = h('textarea.code', { name: 'messageBody', rows: 4, 'aria-label': 'Message body', spellcheck: 'false' });
  const group = h('input', { name: 'messageGroupId', value: 'default' });
  const dedup = h('input', { name: 'deduplicationId', placeholder: '(content-based if the queue has it)' });
  const delay = h('input', { type: 'number', name: 'delaySeconds', min: 0, max: 900, value: 0 });
  const send = h('button.primary', { type: 'submit' }, 'Send message');
  const sendForm = h('form.panel', { 'aria-label': 'Send a message' }, h('h2', 'Send a message'), field('Body', messageBody),
    h('div.grid2', fifo ? [field('Message group id', group), field('Deduplication id', dedup)] : field('Delay (seconds)', delay)),
    h('div.bar', send));
  const poll = h('button.primary', { type: 'button' }, 'Poll for messages');
  const visibility = h('input', { type: 'number', name: 'visibilityTimeout', min: 0, max: 43200, value: 30, size: 6 });
  const messagesBox = h('div');
  const redriveBox = h('section.panel', { 'aria-label': 'Dead-letter redrive', hidden: true });
  let queueArn = '';
  view.append(crumbs, h('div.bar', h('h1.grow', name), refresh, purge), out, redriveBox,
    h('section.panel', { 'aria-label': 'Attributes' }, h('h2', 'Attributes'), attributesBox), sendForm,
    h('section', { 'aria-label': 'Messages' }, h('div.bar', h('h2.grow', 'Messages'), field('Hide received messages for (s)', visibility), poll),
      h('p.muted.small', 'Polling receives up to 10 messages (ReceiveMessage, 1 s long poll). They stay invisible to others for the time above, then come back unless deleted.'),
      messagesBox));

  async function loadAttributes() {
    const { Attributes: a = {} } = await sqs('GetQueueAttributes', { QueueUrl: url, AttributeNames: ['All'] });
    const rows = [
      ['Messages available', a.ApproximateNumberOfMessages], ['Messages in flight', a.ApproximateNumberOfMessagesNotVisible],
      ['Messages delayed', a.ApproximateNumberOfMessagesDelayed], ['Visibility timeout', `${a.VisibilityTimeout} s`],
      ['Retention', `${Math.round(Number(a.MessageRetentionPeriod) / 3600)} h`], ['Delivery delay', `${a.DelaySeconds} s`],
      ['Dead-letter queue', redriveText(a.RedrivePolicy) || '—'],
      a.FifoQueue === 'true' ? ['FIFO', a.ContentBasedDeduplication === 'true' ? 'yes, content-based deduplication' : 'yes'] : null,
      ['ARN', h('code', a.QueueArn)], ['URL', h('code', url)], ['Created', formatTime(Number(a.CreatedTimestamp))],
    ].filter(Boolean);
    clear(attributesBox, rows.map(([k, v]) => [h('dt', k), h('dd', { 'data-attribute': k }, v ?? '')]));
    queueArn = a.QueueArn;
    await loadRedrive();
  }

  // A dead-letter queue (some queue's RedrivePolicy names it) can move its messages back to
  // where they came from: StartMessageMoveTask, with the tasks' progress from ListMessageMoveTasks.
  async function loadRedrive() {
    const { queueUrls = [] } = await sqs('ListDeadLetterSourceQueues', { QueueUrl: url });
    if (!queueUrls.length) { redriveBox.hidden = true; return; }
    const { Results: tasks = [] } = await sqs('ListMessageMoveTasks', { SourceArn: queueArn, MaxResults: 10 });
    const running = tasks.find((t) => t.Status === 'RUNNING');
    const start = h('button.primary', { type: 'button', 'data-action': 'redrive', disabled: Boolean(running) }, 'Move messages back to their source queues');
    const cancel = running ? h('button', { type: 'button', 'data-action': 'cancel-redrive' }, 'Cancel the move') : null;
    start.addEventListener('click', () => act(start, out, async () => {
      clear(out);
      await sqs('StartMessageMoveTask', { SourceArn: queueArn });
      await loadRedrive();
      clear(out, notice('Started moving the messages back.', 'ok'));
    }, 'Could not start the move'));
    if (cancel) {
      cancel.addEventListener('click', () => act(cancel, out, async () => {
        clear(out);
        await sqs('CancelMessageMoveTask', { TaskHandle: running.TaskHandle });
        await loadRedrive();
      }, 'Could not cancel the move'));
    }
    const sources = queueUrls.map((u) => u.split('/').pop());
    clear(redriveBox, h('h2', 'Dead-letter redrive'),
      h('p.muted.small', `This is the dead-letter queue of ${sources.join(', ')}. Moving sends its messages back to the queue each came from.`),
      h('div.bar', start, cancel),
      tasks.length ? h('div.table-scroll', h('table.list', { 'data-role': 'move-tasks' },
        h('thead', h('tr', ['Started', 'Status', 'Moved', 'Of', 'Failure'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', tasks.map((t) => h('tr', h('td', formatTime(Number(t.StartedTimestamp))), h('td', { 'data-role': 'status' }, t.Status),
          h('td', { 'data-role': 'moved' }, String(t.ApproximateNumberOfMessagesMoved ?? '')),
          h('td', String(t.ApproximateNumberOfMessagesToMove ?? '')), h('td', t.FailureReason || '')))))) : null);
    redriveBox.hidden = false;
  }

  function messageRow(m) {
    const remove = h('button.danger', { type: 'button', 'data-action': 'delete' }, 'Delete');
    const row = h('tr', { 'data-message-id': m.MessageId },
      h('td.mono.small', m.MessageId),
      h('td', h('pre.result', { 'data-role': 'body' }, m.Body)),
      h('td', (m.Attributes || {}).ApproximateReceiveCount || ''),
      h('td', formatTime(Number((m.Attributes || {}).SentTimestamp))),
      h('td', remove));
    remove.addEventListener('click', () => act(remove, out, async () => {
      clear(out);
      await sqs('DeleteMessage', { QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
      row.remove();
      await loadAttributes();
      clear(out, notice(`Deleted message ${m.MessageId}.`, 'ok'));
    }, 'Could not delete the message'));
    return row;
  }

  poll.addEventListener('click', () => act(poll, out, async () => {
    clear(out);
    const r = await sqs('ReceiveMessage', { QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: Number(visibility.value),
      MessageSystemAttributeNames: ['All'], AttributeNames: ['All'], MessageAttributeNames: ['All'] });
    const messages = r.Messages || [];
    if (!messages.length) clear(messagesBox, notice('No messages available right now.'));
    else {
      clear(messagesBox, h('div.table-scroll', h('table.list', { 'data-role': 'messages' },
        h('thead', h('tr', ['Message id', 'Body', 'Receives', 'Sent', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', messages.map(messageRow)))));
    }
    await loadAttributes();
  }, 'Could not receive messages'));

  sendForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(send, out, async () => {
      clear(out);
      const input = { QueueUrl: url, MessageBody: messageBody.value };
      if (fifo) {
        input.MessageGroupId = group.value.trim();
        if (dedup.value.trim()) input.MessageDeduplicationId = dedup.value.trim();
      } else if (Number(delay.value)) input.DelaySeconds = Number(delay.value);
      const r = await sqs('SendMessage', input);
      messageBody.value = '';
      await loadAttributes();
      clear(out, notice(`Sent message ${r.MessageId}.`, 'ok'));
    }, 'Could not send the message');
  });

  purge.addEventListener('click', () => {
    const yes = h('button.danger', { type: 'button' }, `Purge every message of ${name}`);
    const no = h('button', { type: 'button' }, 'Cancel');
    const box = h('span', yes, ' ', no);
    no.addEventListener('click', () => { box.replaceWith(purge); purge.focus(); });
    yes.addEventListener('click', () => act(yes, out, async () => {
      clear(out);
      await sqs('PurgeQueue', { QueueUrl: url });
      box.replaceWith(purge);
      clear(messagesBox);
      await loadAttributes();
      clear(out, notice('Purged: every message is gone.', 'ok'));
    }, 'Could not purge the queue'));
    purge.replaceWith(box);
    yes.focus();
  });
  refresh.addEventListener('click', () => act(refresh, out, loadAttributes, 'Could not read the attributes'));
  try { await loadAttributes(); } catch (e) { clear(attributesBox, errorBox(e, 'Could not read the attributes')); }
}
