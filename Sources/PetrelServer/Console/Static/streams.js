// Streams (Kinesis Data Streams): list, create, delete; a stream's shards, putting a record, and
// reading a shard's records from its oldest (TRIM_HORIZON) or from now on (LATEST).
import { kinesis } from './api.js';
import { act, clear, errorBox, field, formatTime, h, notice, select } from './ui.js';
import { toBase64 } from './zip.js';

const streamHash = (name) => `#/streams/${encodeURIComponent(name)}`;

/** A record's data as text when it is UTF-8, else as base64. */
function dataText(base64) {
  const bytes = Uint8Array.from(atob(base64 || ''), (c) => c.charCodeAt(0));
  try { return new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { return `(binary, base64) ${base64}`; }
}

export async function streamListPage(view) {
  const body = h('div');
  const out = h('div');
  const name = h('input', { name: 'streamName', autocomplete: 'off', placeholder: 'clicks', size: 30 });
  const mode = select([['PROVISIONED', 'Provisioned (a number of shards)'], ['ON_DEMAND', 'On demand']], 'PROVISIONED', { name: 'streamMode' });
  const shards = h('input', { type: 'number', name: 'shardCount', min: 1, max: 500, value: 1 });
  const create = h('button.primary', { type: 'submit' }, 'Create stream');
  const form = h('form.panel', { 'aria-label': 'Create a stream' },
    h('div.grid2', field('Stream name', name, '1 to 128 letters, digits, dots, dashes and underscores.'), field('Capacity mode', mode), field('Shards', shards)),
    h('div.bar', create), out);
  mode.addEventListener('change', () => { shards.disabled = mode.value === 'ON_DEMAND'; });
  view.append(h('h1', 'Streams'), form, body);
  async function load() {
    const names = [];
    try {
      let r = await kinesis('ListStreams', { Limit: 100 });
      names.push(...(r.StreamNames || []));
      while (r.HasMoreStreams && names.length) {
        r = await kinesis('ListStreams', { Limit: 100, ExclusiveStartStreamName: names[names.length - 1] });
        names.push(...(r.StreamNames || []));
      }
    } catch (e) { clear(body, errorBox(e, 'Could not list the streams')); return; }
    if (!names.length) { clear(body, notice('No streams yet. Create one to record events in order and feed them to functions.')); return; }
    clear(body, h('div.table-scroll', h('table.list', { 'data-role': 'streams' },
      h('thead', h('tr', ['Name', 'Status', 'Mode', 'Open shards', 'Retention', 'Created', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', names.map((n) => {
        const cells = [0, 1, 2, 3, 4].map(() => h('td', '…'));
        kinesis('DescribeStreamSummary', { StreamName: n }).then(({ StreamDescriptionSummary: s }) => {
          [s.StreamStatus, (s.StreamModeDetails || {}).StreamMode, s.OpenShardCount, `${s.RetentionPeriodHours} h`, formatTime(s.StreamCreationTimestamp)]
            .forEach((v, i) => { cells[i].textContent = v ?? ''; });
        }).catch(() => { for (const c of cells) c.textContent = '?'; });
        const remove = h('button.danger', { type: 'button', 'aria-label': `Delete stream ${n}` }, 'Delete');
        remove.addEventListener('click', () => act(remove, out, async () => {
          clear(out);
          await kinesis('DeleteStream', { StreamName: n, EnforceConsumerDeletion: true });
          await load();
          clear(out, notice(`Deleted stream ${n}.`, 'ok'));
        }, `Could not delete stream ${n}`));
        return h('tr', { 'data-stream': n }, h('td.name-cell', h('a', { href: streamHash(n) }, n)), cells, h('td', remove));
      })))));
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(create, out, async () => {
      clear(out);
      const n = name.value.trim();
      await kinesis('CreateStream', { StreamName: n, StreamModeDetails: { StreamMode: mode.value },
        ...(mode.value === 'PROVISIONED' ? { ShardCount: Number(shards.value) } : {}) });
      name.value = '';
      await load();
      clear(out, notice(`Created stream ${n}.`, 'ok'));
    }, 'Could not create the stream');
  });
  await load();
}

export async function streamPage(view, name) {
  const crumbs = h('div.crumbs', h('a', { href: '#/streams' }, 'Streams'), ` / ${name}`);
  let summary;
  try {
    summary = (await kinesis('DescribeStreamSummary', { StreamName: name })).StreamDescriptionSummary;
  } catch (e) {
    view.append(crumbs, h('h1', name), errorBox(e, 'Could not open the stream'));
    return;
  }
  const out = h('div');
  const shardsBox = h('div');
  const partitionKey = h('input', { name: 'partitionKey', value: 'key-1' });
  const data = h('textarea.code', { name: 'recordData', rows: 3, 'aria-label': 'Record data', spellcheck: 'false' });
  const put = h('button.primary', { type: 'submit' }, 'Put record');
  const putForm = h('form.panel', { 'aria-label': 'Put a record' }, h('h2', 'Put a record'),
    h('div.grid2', field('Partition key', partitionKey, 'Records with the same key go to the same shard, in order.')), field('Data', data), h('div.bar', put));
  const shardChoice = h('select', { name: 'shard', 'aria-label': 'Shard' });
  const position = select([['TRIM_HORIZON', 'TRIM_HORIZON (oldest kept)'], ['LATEST', 'LATEST (from now on)']], 'TRIM_HORIZON', { name: 'position', 'aria-label': 'Starting position' });
  const read = h('button.primary', { type: 'button' }, 'Read records');
  const more = h('button', { type: 'button', disabled: true }, 'Read more');
  const recordsBox = h('div');
  const readStatus = h('span.muted.small');
  view.append(crumbs, h('h1', name),
    h('p.muted.small', `${summary.StreamStatus} · ${(summary.StreamModeDetails || {}).StreamMode || ''} · ${summary.OpenShardCount} open shard(s) · ${summary.RetentionPeriodHours} h retention · `, h('code', summary.StreamARN)),
    out, putForm, h('section', { 'aria-label': 'Shards' }, h('h2', 'Shards'), shardsBox),
    h('section', { 'aria-label': 'Records' }, h('h2', 'Records'),
      h('div.bar', field('Shard', shardChoice), field('Starting position', position), read, more, readStatus), recordsBox));

  async function loadShards() {
    const shards = [];
    let token;
    do {
      const r = await kinesis('ListShards', token ? { NextToken: token } : { StreamName: name });
      shards.push(...(r.Shards || []));
      token = r.NextToken;
    } while (token);
    const chosen = shardChoice.value;
    clear(shardChoice, shards.map((s) => h('option', { value: s.ShardId }, s.ShardId + (s.SequenceNumberRange.EndingSequenceNumber ? ' (closed)' : ''))));
    if (shards.some((s) => s.ShardId === chosen)) shardChoice.value = chosen;
    clear(shardsBox, h('div.table-scroll', h('table.list', { 'data-role': 'shards' },
      h('thead', h('tr', ['Shard', 'Hash keys', 'Parent', 'State'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', shards.map((s) => h('tr', { 'data-shard': s.ShardId }, h('td.mono', s.ShardId),
        h('td.mono', { title: `${s.HashKeyRange.StartingHashKey} – ${s.HashKeyRange.EndingHashKey}` }, `${s.HashKeyRange.StartingHashKey.slice(0, 12)} – ${s.HashKeyRange.EndingHashKey.slice(0, 12)}…`),
        h('td.mono', s.ParentShardId || '—'), h('td', s.SequenceNumberRange.EndingSequenceNumber ? 'closed' : 'open')))))));
  }

  let iterator = null;
  let shown = [];
  function renderRecords() {
    if (!shown.length) { clear(recordsBox, notice(position.value === 'LATEST' ? 'No records since you started reading: put one, then Read more.' : 'No records in this shard.')); return; }
    clear(recordsBox, h('div.table-scroll', h('table.list', { 'data-role': 'records' },
      h('thead', h('tr', ['Sequence number', 'Partition key', 'Arrived', 'Data'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', shown.map((r) => h('tr', { 'data-sequence': r.SequenceNumber }, h('td.mono.small', r.SequenceNumber), h('td.mono', r.PartitionKey),
        h('td', formatTime(r.ApproximateArrivalTimestamp)), h('td', h('pre.result', { 'data-role': 'data' }, dataText(r.Data)))))))));
  }
  async function readOnce() {
    const r = await kinesis('GetRecords', { ShardIterator: iterator, Limit: 100 });
    iterator = r.NextShardIterator || null;
    shown = [...shown, ...(r.Records || [])].slice(-500);
    more.disabled = !iterator;
    readStatus.textContent = `${shown.length} record(s) · ${r.MillisBehindLatest ?? 0} ms behind the newest`;
    renderRecords();
  }
  read.addEventListener('click', () => act(read, out, async () => {
    clear(out);
    if (!shardChoice.value) throw Object.assign(new Error('This stream has no shard to read.'), { nextStep: 'Wait until it is ACTIVE, then reload.' });
    iterator = (await kinesis('GetShardIterator', { StreamName: name, ShardId: shardChoice.value, ShardIteratorType: position.value })).ShardIterator;
    shown = [];
    await readOnce();
  }, 'Could not read the records'));
  more.addEventListener('click', () => act(more, out, readOnce, 'Could not read more records'));

  putForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(put, out, async () => {
      clear(out);
      const r = await kinesis('PutRecord', { StreamName: name, PartitionKey: partitionKey.value, Data: toBase64(new TextEncoder().encode(data.value)) });
      data.value = '';
      clear(out, notice(`Put record ${r.SequenceNumber} into ${r.ShardId}.`, 'ok'));
    }, 'Could not put the record');
  });
  try { await loadShards(); } catch (e) { clear(shardsBox, errorBox(e, 'Could not list the shards')); }
}
