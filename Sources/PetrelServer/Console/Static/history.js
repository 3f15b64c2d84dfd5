// Event history: the API calls CloudTrail recorded (LookupEvents), newest first, filtered by one
// lookup attribute, each with its whole record on demand.
import { cloudtrail } from './api.js';
import { act, clear, errorBox, field, h, notice, select } from './ui.js';

const PAGE = 50;
const ATTRIBUTES = [['', 'Everything'], ['EventName', 'Event name'], ['Username', 'User name'], ['ResourceName', 'Resource name'],
  ['EventSource', 'Event source'], ['ReadOnly', 'Read only (true/false)'], ['AccessKeyId', 'Access key id'], ['EventId', 'Event id']];

export async function historyPage(view) {
  const out = h('div');
  const listBox = h('div');
  const pager = h('div.pager');
  const attribute = select(ATTRIBUTES, '', { name: 'lookupAttribute', 'aria-label': 'Lookup attribute' });
  const value = h('input', { name: 'lookupValue', autocomplete: 'off', size: 30, 'aria-label': 'Lookup value' });
  const search = h('button.primary', { type: 'submit' }, 'Look up');
  const form = h('form.bar', { 'aria-label': 'Look up events' }, field('Filter by', attribute), field('Value', value), search);
  view.append(h('h1', 'Event history'),
    h('p.muted', 'The API calls CloudTrail recorded (LookupEvents), newest first. Select a row for the whole record.'),
    form, out, listBox, pager);
  const tokens = [undefined];
  let page = 0;

  async function load() {
    const input = { MaxResults: PAGE, ...(tokens[page] ? { NextToken: tokens[page] } : {}) };
    if (attribute.value) input.LookupAttributes = [{ AttributeKey: attribute.value, AttributeValue: value.value.trim() }];
    const r = await cloudtrail('LookupEvents', input);
    const records = r.Events || [];
    clear(out);
    if (!records.length) clear(listBox, notice(page === 0 ? 'No events match.' : 'No more events.'));
    else {
      clear(listBox, h('div.table-scroll', h('table.list', { 'data-role': 'events' },
        h('thead', h('tr', ['Time', 'Event name', 'Source', 'User', 'Resources'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', records.map(eventRows)))));
    }
    clear(pager,
      h('button', { type: 'button', disabled: page === 0, on: { click: () => { page--; act(null, out, load, 'Could not read the events'); } } }, '← Newer'),
      h('span.muted.small', `Page ${page + 1}`),
      h('button', { type: 'button', disabled: !r.NextToken, on: { click: () => { tokens[page + 1] = r.NextToken; page++; act(null, out, load, 'Could not read the events'); } } }, 'Older →'));
  }

  function eventRows(e) {
    const when = new Date(typeof e.EventTime === 'number' ? e.EventTime * 1000 : e.EventTime);
    const detail = h('tr.detail', { hidden: true }, h('td', { colspan: 5 }, h('pre.result', { 'data-role': 'record' }, pretty(e.CloudTrailEvent))));
    const toggle = h('button', { type: 'button', 'aria-expanded': 'false', 'data-action': 'record', 'aria-label': `The whole record of ${e.EventName}` }, e.EventName);
    toggle.addEventListener('click', () => {
      detail.hidden = !detail.hidden;
      toggle.setAttribute('aria-expanded', String(!detail.hidden));
    });
    return [h('tr', { 'data-event-id': e.EventId },
      h('td', { title: when.toISOString() }, when.toLocaleString()),
      h('td', toggle),
      h('td', e.EventSource || ''),
      h('td', e.Username || ''),
      h('td.name-cell', (e.Resources || []).map((res) => h('div', h('span.muted.small', `${res.ResourceType || ''} `), res.ResourceName || '')))),
    detail];
  }

  const restart = () => { tokens.length = 1; page = 0; return act(search, out, load, 'Could not read the events'); };
  form.addEventListener('submit', (e) => { e.preventDefault(); restart(); });
  try { await load(); } catch (e) { clear(listBox, errorBox(e, 'Could not read the events')); }
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text || ''; }
}
