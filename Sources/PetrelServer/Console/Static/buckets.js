// Buckets (S3): list, create, delete; a bucket browsed by prefix ("folders") with upload, download
// and delete of objects; its notification configuration.
import { s3, s3Path, s3Xml, xmlChildren, xmlText } from './api.js';
import { act, clear, errorBox, field, formatBytes, formatTime, h, notice } from './ui.js';

const PAGE = 100;
const bucketHash = (bucket, prefix = '') => `#/buckets/${encodeURIComponent(bucket)}` + (prefix ? `/${encodeURIComponent(prefix)}` : '');

export async function bucketListPage(view) {
  const body = h('div');
  const out = h('div');
  const name = h('input', { name: 'bucketName', autocomplete: 'off', placeholder: 'my-bucket', size: 30 });
  const create = h('button.primary', { type: 'submit' }, 'Create bucket');
  const form = h('form.panel', { 'aria-label': 'Create a bucket' },
    h('div.bar', field('Bucket name', name, '3 to 63 lower-case letters, digits, dots and dashes.'), create), out);
  view.append(h('h1', 'Buckets'), form, body);
  async function load() {
    let doc;
    try { doc = await s3Xml('GET', '/'); } catch (e) { clear(body, errorBox(e, 'Could not list the buckets')); return; }
    const buckets = xmlChildren(doc.getElementsByTagName('Buckets')[0] || doc.documentElement, 'Bucket')
      .map((b) => ({ name: xmlText(b, 'Name'), created: xmlText(b, 'CreationDate') }));
    if (!buckets.length) { clear(body, notice('No buckets yet. Create one to store objects and notify functions of new ones.')); return; }
    clear(body, h('div.table-scroll', h('table.list', { 'data-role': 'buckets' },
      h('thead', h('tr', ['Name', 'Created', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', buckets.map((b) => {
        const remove = h('button.danger', { type: 'button', 'aria-label': `Delete bucket ${b.name}` }, 'Delete');
        remove.addEventListener('click', () => act(remove, out, async () => {
          clear(out);
          await s3('DELETE', s3Path(b.name));
          await load();
          clear(out, notice(`Deleted bucket ${b.name}.`, 'ok'));
        }, `Could not delete bucket ${b.name}`));
        return h('tr', { 'data-bucket': b.name }, h('td.name-cell', h('a', { href: bucketHash(b.name) }, b.name)),
          h('td', formatTime(b.created)), h('td', remove));
      })))));
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(create, out, async () => {
      clear(out);
      const n = name.value.trim();
      await s3('PUT', s3Path(n));
      name.value = '';
      await load();
      clear(out, notice(`Created bucket ${n}.`, 'ok'));
    }, 'Could not create the bucket');
  });
  await load();
}

export async function bucketPage(view, bucket, prefix = '') {
  const crumbs = h('div.crumbs', h('a', { href: '#/buckets' }, 'Buckets'), ' / ', h('a', { href: bucketHash(bucket) }, bucket));
  let at = 0;
  for (const part of prefix.split('/').slice(0, -1)) {
    at += part.length + 1;
    crumbs.append(' / ', h('a', { href: bucketHash(bucket, prefix.slice(0, at)) }, part));
  }
  const out = h('div');
  const listBox = h('div');
  const pager = h('div.pager');
  const file = h('input', { type: 'file', name: 'upload', 'aria-label': 'File to upload' });
  const key = h('input', { name: 'objectKey', autocomplete: 'off', size: 40, placeholder: `${prefix}(the file's name)` });
  const upload = h('button.primary', { type: 'submit' }, 'Upload');
  const uploadForm = h('form.panel', { 'aria-label': 'Upload an object' },
    h('div.bar', field('File', file), field('Key', key, `Defaults to ${prefix ? `${prefix}` : ''}the file's name.`), upload));
  const notifications = h('section.panel', { 'aria-label': 'Notifications' }, h('h2', 'Event notifications'), h('p.muted', 'Loading…'));
  view.append(crumbs, h('h1', prefix ? `${bucket}/${prefix}` : bucket), uploadForm, out, h('h2', 'Objects'), listBox, pager, notifications);

  const tokens = [undefined];
  let page = 0;
  async function load() {
    const query = new URLSearchParams({ 'list-type': '2', delimiter: '/', 'max-keys': String(PAGE), prefix });
    if (tokens[page]) query.set('continuation-token', tokens[page]);
    let doc;
    try { doc = await s3Xml('GET', s3Path(bucket), { query: query.toString() }); } catch (e) { clear(listBox, errorBox(e, 'Could not list the objects')); return; }
    const root = doc.documentElement;
    const folders = xmlChildren(root, 'CommonPrefixes').map((p) => xmlText(p, 'Prefix'));
    const objects = xmlChildren(root, 'Contents').map((c) => ({ key: xmlText(c, 'Key'), size: Number(xmlText(c, 'Size')), modified: xmlText(c, 'LastModified') }));
    const next = xmlText(root, 'NextContinuationToken');
    if (!folders.length && !objects.length) clear(listBox, notice(prefix ? 'Nothing under this prefix.' : 'This bucket is empty. Upload a file above.'));
    else {
      clear(listBox, h('div.table-scroll', h('table.list', { 'data-role': 'objects' },
        h('thead', h('tr', ['Key', 'Size', 'Last modified', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody',
          folders.map((f) => h('tr', { 'data-folder': f }, h('td.name-cell', h('a', { href: bucketHash(bucket, f) }, f.slice(prefix.length))), h('td', 'folder'), h('td', ''), h('td', ''))),
          objects.map((o) => objectRow(o))))));
    }
    clear(pager,
      h('button', { type: 'button', disabled: page === 0, on: { click: () => { page--; load(); } } }, '← Previous'),
      h('span.muted.small', `Page ${page + 1}`),
      h('button', { type: 'button', disabled: !next, on: { click: () => { tokens[page + 1] = next; page++; load(); } } }, 'Next →'));
  }

  function objectRow(o) {
    const download = h('button', { type: 'button', 'data-action': 'download', 'aria-label': `Download ${o.key}` }, 'Download');
    download.addEventListener('click', () => act(download, out, async () => {
      const blob = await (await s3('GET', s3Path(bucket, o.key))).blob();
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: o.key.split('/').pop() || 'object' });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    }, `Could not download ${o.key}`));
    const remove = h('button.danger', { type: 'button', 'data-action': 'delete', 'aria-label': `Delete ${o.key}` }, 'Delete');
    remove.addEventListener('click', () => act(remove, out, async () => {
      clear(out);
      await s3('DELETE', s3Path(bucket, o.key));
      await load();
      clear(out, notice(`Deleted ${o.key}.`, 'ok'));
    }, `Could not delete ${o.key}`));
    return h('tr', { 'data-key': o.key }, h('td.name-cell.mono', o.key.slice(prefix.length)), h('td', formatBytes(o.size)),
      h('td', formatTime(o.modified)), h('td', download, ' ', remove));
  }

  uploadForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(upload, out, async () => {
      clear(out);
      const chosen = file.files[0];
      if (!chosen) throw Object.assign(new Error('Choose a file first.'), { nextStep: 'Pick a file, then upload.' });
      const k = key.value.trim() || prefix + chosen.name;
      const bytes = new Uint8Array(await chosen.arrayBuffer());
      await s3('PUT', s3Path(bucket, k), { body: bytes, headers: { 'Content-Type': chosen.type || 'application/octet-stream' } });
      key.value = '';
      file.value = '';
      await load();
      clear(out, notice(`Uploaded ${k} (${formatBytes(bytes.length)}).`, 'ok'));
    }, 'Could not upload the file');
  });

  async function loadNotifications() {
    let doc;
    try { doc = await s3Xml('GET', s3Path(bucket), { query: 'notification' }); } catch (e) {
      clear(notifications, h('h2', 'Event notifications'), errorBox(e, 'Could not read the notification configuration'));
      return;
    }
    const kinds = [['CloudFunctionConfiguration', 'CloudFunction', 'Function'], ['QueueConfiguration', 'Queue', 'Queue'],
      ['TopicConfiguration', 'Topic', 'Topic']];
    const rows = [];
    for (const [tag, target, label] of kinds) {
      for (const c of xmlChildren(doc.documentElement, tag)) {
        const rules = [...c.getElementsByTagName('FilterRule')].map((r) => `${xmlText(r, 'Name')} = ${xmlText(r, 'Value')}`);
        rows.push(h('tr', h('td', xmlText(c, 'Id')), h('td', label), h('td.mono.name-cell', xmlText(c, target)),
          h('td', xmlChildren(c, 'Event').map((ev) => ev.textContent).join(', ')), h('td', rules.join('; ') || '—')));
      }
    }
    const eventBridge = xmlChildren(doc.documentElement, 'EventBridgeConfiguration').length > 0;
    clear(notifications, h('h2', 'Event notifications'),
      h('p.muted.small', 'Set with PutBucketNotificationConfiguration (aws s3api put-bucket-notification-configuration).'),
      rows.length ? h('div.table-scroll', h('table.list', { 'data-role': 'notifications' },
        h('thead', h('tr', ['Id', 'Destination', 'ARN', 'Events', 'Filter'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', rows)))
        : notice('No notifications: nothing is told when objects change here.'),
      eventBridge ? notice('EventBridge delivery is on.') : null);
  }
  await Promise.all([load(), loadNotifications()]);
}
