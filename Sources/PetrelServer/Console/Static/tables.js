// Tables: list (paged), create, browse items (Scan with Limit/ExclusiveStartKey), query by key,
// put / edit / delete an item as DynamoDB JSON.
import { ddb } from './api.js';
import { act, clear, createEditor, errorBox, field, formatTime, h, notice, select } from './ui.js';

const PAGE = 25;

export async function tableListPage(view) {
  const body = h('div');
  const pager = h('div.pager');
  view.append(h('div.bar', h('h1.grow', 'Tables'), h('a.button.primary', { href: '#/tables/new' }, 'Create table')), body, pager);
  const starts = [undefined];
  let index = 0;
  async function load() {
    let r;
    try {
      r = await ddb('ListTables', { Limit: PAGE, ...(starts[index] ? { ExclusiveStartTableName: starts[index] } : {}) });
    } catch (e) { clear(body, errorBox(e, 'Could not list tables')); return; }
    const names = r.TableNames || [];
    if (!names.length && index === 0) clear(body, notice('No tables yet. Create one to store items and stream their changes to functions.'));
    else {
      const rows = names.map((n) => {
        const keys = h('td', '…'), stream = h('td', '…'), count = h('td', '…'), created = h('td', '');
        ddb('DescribeTable', { TableName: n }).then(({ Table: t }) => {
          keys.textContent = (t.KeySchema || []).map((k) => `${k.AttributeName} (${k.KeyType === 'HASH' ? 'partition' : 'sort'})`).join(', ');
          stream.replaceChildren(t.StreamSpecification && t.StreamSpecification.StreamEnabled
            ? h('span.pill.on', t.StreamSpecification.StreamViewType) : h('span.pill.off', 'off'));
          count.textContent = t.ItemCount ?? '';
          created.textContent = formatTime(t.CreationDateTime);
        }).catch(() => { keys.textContent = '?'; stream.textContent = ''; count.textContent = ''; });
        const actions = h('td');
        const row = h('tr', h('td.name-cell', h('a', { href: `#/tables/${encodeURIComponent(n)}` }, n)), keys, stream, count, created, actions);
        deleteTableButton(actions, n, () => row.remove());
        return row;
      });
      clear(body, h('div.table-scroll', h('table.list', h('thead', h('tr', ['Name', 'Keys', 'Stream', 'Items', 'Created', ''].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', rows))));
    }
    clear(pager,
      h('button', { type: 'button', disabled: index === 0, on: { click: () => { index--; load(); } } }, '← Previous'),
      h('span.muted.small', `Page ${index + 1}`),
      h('button', { type: 'button', disabled: !r.LastEvaluatedTableName, on: { click: () => { starts[index + 1] = r.LastEvaluatedTableName; index++; load(); } } }, 'Next →'));
  }
  await load();
}

/** Delete with an inline "are you sure" (DeleteTable; its items, indexes and stream go with it). */
function deleteTableButton(container, name, onDeleted) {
  const button = h('button.danger', { type: 'button', 'aria-label': `Delete table ${name}` }, 'Delete');
  const where = h('div');
  button.addEventListener('click', () => {
    const yes = h('button.danger', { type: 'button' }, `Delete table ${name}`);
    const no = h('button', { type: 'button' }, 'Cancel');
    const box = h('span', yes, ' ', no);
    no.addEventListener('click', () => { box.replaceWith(button); button.focus(); });
    yes.addEventListener('click', () => act(yes, where, async () => {
      await ddb('DeleteTable', { TableName: name });
      onDeleted();
    }, `Could not delete table ${name}`));
    button.replaceWith(box);
    yes.focus();
  });
  container.append(button, where);
}

const keyTypes = [['S', 'String'], ['N', 'Number'], ['B', 'Binary']];

/** The table's global secondary indexes: a list (with Delete) and a form that adds one (UpdateTable). */
function indexesSection(table, onChange) {
  const out = h('div');
  const list = h('div');
  const indexes = table.GlobalSecondaryIndexes || [];
  const keysOf = (ks) => ks.map((k) => `${k.AttributeName} (${k.KeyType === 'HASH' ? 'partition' : 'sort'})`).join(', ');
  if (!indexes.length) list.append(notice('No global secondary indexes. Add one to query the items by another key.'));
  else list.append(h('div.table-scroll', h('table.list', h('thead', h('tr', ['Index', 'Keys', 'Projection', 'Status', ''].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', indexes.map((ix) => {
      const remove = h('button.danger', { type: 'button', 'aria-label': `Delete index ${ix.IndexName}` }, 'Delete');
      remove.addEventListener('click', () => act(remove, out, async () => {
        await ddb('UpdateTable', { TableName: table.TableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: ix.IndexName } }] });
        await onChange(`Deleted index ${ix.IndexName}.`);
      }, `Could not delete index ${ix.IndexName}`));
      return h('tr', h('td.name-cell', ix.IndexName), h('td', keysOf(ix.KeySchema || [])), h('td', (ix.Projection || {}).ProjectionType || ''),
        h('td', h(`span.pill.${ix.IndexStatus === 'ACTIVE' ? 'on' : 'off'}`, ix.IndexStatus || '')), h('td', remove));
    })))));
  const name = h('input', { name: 'indexName', autocomplete: 'off', placeholder: 'by-status' });
  const pk = h('input', { name: 'indexPartitionKey' });
  const pkType = select(keyTypes, 'S', { 'aria-label': 'Index partition key type' });
  const sk = h('input', { name: 'indexSortKey', placeholder: '(none)' });
  const skType = select(keyTypes, 'S', { 'aria-label': 'Index sort key type' });
  const projection = select([['ALL', 'All attributes'], ['KEYS_ONLY', 'Keys only']], 'ALL', { 'aria-label': 'Projection' });
  const add = h('button.primary', { type: 'submit' }, 'Add index');
  const form = h('form', { 'aria-label': 'Add a global secondary index' },
    h('div.grid2', field('Index name', name, '3 to 255 letters, digits, dots, dashes and underscores.'), field('Projection', projection),
      field('Partition key', pk), field('Partition key type', pkType), field('Sort key (optional)', sk), field('Sort key type', skType)),
    h('div.bar', add), out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(add, out, async () => {
      clear(out);
      const keys = [{ AttributeName: pk.value.trim(), KeyType: 'HASH' }];
      const defs = [{ AttributeName: pk.value.trim(), AttributeType: pkType.value }];
      if (sk.value.trim()) { keys.push({ AttributeName: sk.value.trim(), KeyType: 'RANGE' }); defs.push({ AttributeName: sk.value.trim(), AttributeType: skType.value }); }
      const known = Object.fromEntries((table.AttributeDefinitions || []).map((d) => [d.AttributeName, d.AttributeType]));
      for (const d of defs) known[d.AttributeName] = known[d.AttributeName] || d.AttributeType;
      await ddb('UpdateTable', {
        TableName: table.TableName,
        AttributeDefinitions: Object.entries(known).map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: name.value.trim(), KeySchema: keys, Projection: { ProjectionType: projection.value } } }],
      });
      await onChange(`Added index ${name.value.trim()}.`);
    }, 'Could not add the index');
  });
  return h('section.panel', { 'aria-label': 'Indexes' }, h('h2', 'Global secondary indexes'), list, h('h3', 'Add an index'), form);
}

export function createTablePage(view) {
  const out = h('div');
  const name = h('input', { name: 'tableName', autocomplete: 'off' });
  const pk = h('input', { name: 'partitionKey', value: 'id' });
  const pkType = select([['S', 'String'], ['N', 'Number'], ['B', 'Binary']], 'S', { 'aria-label': 'Partition key type' });
  const sk = h('input', { name: 'sortKey', placeholder: '(none)' });
  const skType = select([['S', 'String'], ['N', 'Number'], ['B', 'Binary']], 'S', { 'aria-label': 'Sort key type' });
  const stream = h('input', { type: 'checkbox', name: 'stream', checked: true });
  const viewType = select(['NEW_AND_OLD_IMAGES', 'NEW_IMAGE', 'OLD_IMAGE', 'KEYS_ONLY'], 'NEW_AND_OLD_IMAGES', { 'aria-label': 'Stream view type' });
  const submit = h('button.primary', { type: 'submit' }, 'Create table');
  const form = h('form.panel',
    field('Table name', name, '3 to 255 letters, digits, dots, dashes and underscores.'),
    h('div.grid2', field('Partition key', pk), field('Partition key type', pkType), field('Sort key (optional)', sk), field('Sort key type', skType)),
    h('div.field', h('label', stream, ' Stream changes (for triggers)')), field('Stream view', viewType),
    h('p.muted.small', 'On-demand capacity (PAY_PER_REQUEST).'),
    h('div.bar', submit, h('a.button', { href: '#/tables' }, 'Cancel')), out);
  stream.addEventListener('change', () => { viewType.disabled = !stream.checked; });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(submit, out, async () => {
      clear(out);
      const keys = [{ AttributeName: pk.value.trim(), KeyType: 'HASH' }];
      const defs = [{ AttributeName: pk.value.trim(), AttributeType: pkType.value }];
      if (sk.value.trim()) { keys.push({ AttributeName: sk.value.trim(), KeyType: 'RANGE' }); defs.push({ AttributeName: sk.value.trim(), AttributeType: skType.value }); }
      const input = { TableName: name.value.trim(), KeySchema: keys, AttributeDefinitions: defs, BillingMode: 'PAY_PER_REQUEST' };
      if (stream.checked) input.StreamSpecification = { StreamEnabled: true, StreamViewType: viewType.value };
      await ddb('CreateTable', input);
      location.hash = `#/tables/${encodeURIComponent(input.TableName)}`;
    }, 'Could not create the table');
  });
  view.append(h('div.crumbs', h('a', { href: '#/tables' }, 'Tables'), ' / Create'), h('h1', 'Create table'), form);
  name.focus();
}

/** Short text for an attribute value in a cell. */
function cell(v) {
  if (!v) return '';
  if ('S' in v) return v.S;
  if ('N' in v) return v.N;
  if ('BOOL' in v) return String(v.BOOL);
  if ('NULL' in v) return 'null';
  const text = JSON.stringify(v);
  return text.length > 80 ? text.slice(0, 77) + '…' : text;
}

export async function tablePage(view, name) {
  const crumbs = h('div.crumbs', h('a', { href: '#/tables' }, 'Tables'), ` / ${name}`);
  let table;
  try { table = (await ddb('DescribeTable', { TableName: name })).Table; } catch (e) {
    view.append(crumbs, h('h1', name), errorBox(e, 'Could not open the table'));
    return;
  }
  const keys = table.KeySchema.map((k) => k.AttributeName);
  const typeOf = (attr) => (table.AttributeDefinitions.find((d) => d.AttributeName === attr) || {}).AttributeType || 'S';
  const [pkName, skName] = [table.KeySchema.find((k) => k.KeyType === 'HASH').AttributeName, (table.KeySchema.find((k) => k.KeyType === 'RANGE') || {}).AttributeName];
  const streamOn = table.StreamSpecification && table.StreamSpecification.StreamEnabled;
  const headerActions = h('div');
  deleteTableButton(headerActions, name, () => { location.hash = '#/tables'; });
  const indexesBox = h('div');
  const showIndexes = (t, message) => {
    clear(indexesBox, indexesSection(t, async (done) => {
      table = (await ddb('DescribeTable', { TableName: name })).Table;
      showIndexes(table, done);
      refreshIndexChoice();
    }));
    if (message) indexesBox.querySelector('section').append(notice(message, 'ok'));
  };
  view.append(crumbs, h('div.bar', h('h1.grow', name), headerActions),
    h('p.muted.small', `Keys: ${keys.map((k) => `${k} (${typeOf(k)})`).join(', ')} · stream ${streamOn ? table.StreamSpecification.StreamViewType : 'off'} · about ${table.ItemCount ?? 0} items`,
      table.LatestStreamArn ? h('div.mono', table.LatestStreamArn) : null));

  // Item editor
  const editorOut = h('div');
  const editorBox = h('div');
  const putButton = h('button.primary', { type: 'button' }, 'Put item');
  const template = { [pkName]: { [typeOf(pkName)]: typeOf(pkName) === 'N' ? '1' : 'example' } };
  if (skName) template[skName] = { [typeOf(skName)]: typeOf(skName) === 'N' ? '1' : 'sort' };
  const editorPanel = h('section.panel', { 'aria-label': 'Item editor' }, h('h2', 'Item (DynamoDB JSON)'),
    h('p.muted.small', 'Each attribute as {"S": "text"}, {"N": "12"}, {"BOOL": true}, {"L": [...]}, {"M": {...}}. Put replaces the item with the same key.'),
    editorBox, h('div.bar', { style: 'margin-top:8px' }, putButton), editorOut);
  const editor = await createEditor(editorBox, { value: JSON.stringify(template, null, 2), fileName: 'item.json', label: 'Item as DynamoDB JSON', rows: 10 });

  // Browse / query
  const itemsOut = h('div');
  const itemsBox = h('div');
  const pager = h('div.pager');
  const mode = select([['scan', 'Scan (browse)'], ['query', 'Query by key']], 'scan', { 'aria-label': 'Browse or query' });
  const pkValue = h('input', { 'aria-label': `${pkName} value`, placeholder: `${pkName} =` });
  const skOp = select([['', '(any sort key)'], ['=', '='], ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>='], ['begins_with', 'begins with']], '', { 'aria-label': 'Sort key condition' });
  const skValue = h('input', { 'aria-label': `${skName || 'sort key'} value`, placeholder: skName || '' });
  const run = h('button', { type: 'button' }, 'Run');
  const indexChoice = select([['', 'the table']], '', { 'aria-label': 'Query the table or an index' });
  const queryKeys = () => {
    const ix = (table.GlobalSecondaryIndexes || []).find((i) => i.IndexName === indexChoice.value);
    const schema = ix ? ix.KeySchema : table.KeySchema;
    return [schema.find((k) => k.KeyType === 'HASH').AttributeName, (schema.find((k) => k.KeyType === 'RANGE') || {}).AttributeName];
  };
  const pkField = field(`${pkName} (partition key)`, pkValue);
  const skFields = h('span.group', field(`${skName || 'sort key'} (sort key)`, skOp), field('value', skValue));
  function refreshIndexChoice() {
    const current = indexChoice.value;
    clear(indexChoice, h('option', { value: '' }, 'the table'), (table.GlobalSecondaryIndexes || []).map((i) => h('option', { value: i.IndexName }, `index ${i.IndexName}`)));
    indexChoice.value = [...indexChoice.options].some((o) => o.value === current) ? current : '';
    indexField.hidden = indexChoice.options.length < 2;
    const [p, k] = queryKeys();
    pkField.querySelector('label').textContent = `${p} (partition key)`;
    pkValue.placeholder = `${p} =`;
    skFields.hidden = !k;
    if (k) skFields.querySelector('label').textContent = `${k} (sort key)`;
  }
  indexChoice.addEventListener('change', refreshIndexChoice);
  const indexField = field('Query', indexChoice);
  const queryBar = h('div.bar', { hidden: true }, indexField, pkField, skFields);
  const starts = [undefined];
  let index = 0;

  async function load() {
    const base = { TableName: name, Limit: PAGE, ...(starts[index] ? { ExclusiveStartKey: starts[index] } : {}) };
    let r;
    try {
      if (mode.value === 'query') {
        const [qpk, qsk] = queryKeys();
        if (!pkValue.value) { clear(itemsBox, notice(`Type a ${qpk} value, then Run.`)); clear(pager); return; }
        const names = { '#pk': qpk };
        const values = { ':pk': { [typeOf(qpk)]: pkValue.value } };
        let cond = '#pk = :pk';
        if (qsk && skOp.value) {
          names['#sk'] = qsk; values[':sk'] = { [typeOf(qsk)]: skValue.value };
          cond += skOp.value === 'begins_with' ? ' AND begins_with(#sk, :sk)' : ` AND #sk ${skOp.value} :sk`;
        }
        r = await ddb('Query', { ...base, ...(indexChoice.value ? { IndexName: indexChoice.value } : {}),
          KeyConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values });
      } else {
        r = await ddb('Scan', base);
      }
    } catch (e) { clear(itemsOut, errorBox(e, mode.value === 'query' ? 'Query failed' : 'Scan failed')); return; }
    clear(itemsOut);
    const items = r.Items || [];
    const columns = [...keys];
    for (const item of items) for (const k of Object.keys(item)) if (!columns.includes(k) && columns.length < 12) columns.push(k);
    if (!items.length) clear(itemsBox, notice(index === 0 ? 'No items.' : 'No more items.'));
    else clear(itemsBox, h('div.table-scroll', h('table.list', h('thead', h('tr', columns.map((c) => h('th', { scope: 'col' }, c)), h('th', ''))),
      h('tbody', items.map((item) => {
        const edit = h('button', { type: 'button', 'aria-label': `Edit item ${cell(item[pkName])}` }, 'Edit');
        edit.addEventListener('click', () => { editor.setValue(JSON.stringify(item, null, 2)); editorPanel.scrollIntoView({ block: 'nearest' }); editor.focus(); });
        const del = h('button.danger', { type: 'button', 'aria-label': `Delete item ${cell(item[pkName])}` }, 'Delete');
        del.addEventListener('click', () => {
          const yes = h('button.danger', { type: 'button' }, 'Delete this item');
          const no = h('button', { type: 'button' }, 'Cancel');
          const box = h('span', yes, ' ', no);
          no.addEventListener('click', () => { box.replaceWith(del); del.focus(); });
          yes.addEventListener('click', () => act(yes, itemsOut, async () => {
            const key = Object.fromEntries(keys.map((k) => [k, item[k]]));
            await ddb('DeleteItem', { TableName: name, Key: key });
            await load();
          }, 'Could not delete the item'));
          del.replaceWith(box); yes.focus();
        });
        return h('tr', columns.map((c) => h('td.mono', { title: item[c] ? JSON.stringify(item[c]) : '' }, cell(item[c]))), h('td', edit, ' ', del));
      })))));
    clear(pager,
      h('button', { type: 'button', disabled: index === 0, on: { click: () => { index--; load(); } } }, '← Previous'),
      h('span.muted.small', `Page ${index + 1} · ${items.length} item(s) · ${r.ScannedCount ?? items.length} read`),
      h('button', { type: 'button', disabled: !r.LastEvaluatedKey, on: { click: () => { starts[index + 1] = r.LastEvaluatedKey; index++; load(); } } }, 'Next →'));
  }
  const restart = () => { starts.length = 1; index = 0; load(); };
  mode.addEventListener('change', () => { queryBar.hidden = mode.value !== 'query'; restart(); });
  run.addEventListener('click', restart);
  for (const input of [pkValue, skValue]) input.addEventListener('keydown', (e) => { if (e.key === 'Enter') restart(); });

  putButton.addEventListener('click', () => act(putButton, editorOut, async () => {
    clear(editorOut);
    let item;
    try { item = JSON.parse(editor.getValue()); } catch (e) {
      throw Object.assign(new Error(`The item is not valid JSON: ${e.message}`), { nextStep: 'Fix the JSON, then put again.' });
    }
    await ddb('PutItem', { TableName: name, Item: item });
    clear(editorOut, notice(`Put item ${keys.map((k) => `${k}=${cell(item[k])}`).join(', ')}.`, 'ok'));
    await load();
  }, 'Could not put the item'));

  view.append(h('section', { 'aria-label': 'Items' }, h('div.bar', h('h2.grow', 'Items'), mode, run), queryBar, itemsOut, itemsBox, pager), editorPanel, indexesBox);
  showIndexes(table);
  refreshIndexChoice();
  await load();
}
