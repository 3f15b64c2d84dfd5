// The Configuration tab's lower panels: reserved concurrency (Put/Get/DeleteFunctionConcurrency,
// with the account's figures from GetAccountSettings) and the function's tags (ListTags,
// TagResource, UntagResource on its unqualified ARN).
import { lambda } from './api.js';
import { act, clear, errorBox, field, h, notice } from './ui.js';

/** The function's ARN without a qualifier: tags belong to the function, not to a version. */
export const unqualified = (arn) => arn.split(':').slice(0, 7).join(':');

export async function concurrencySection(el, ctx) {
  const out = h('div');
  const state = h('div', { 'data-role': 'concurrency' });
  const account = h('p.muted.small', { 'data-role': 'account-concurrency' });
  const useUnreserved = h('input', { type: 'radio', name: 'concurrencyMode', value: 'unreserved' });
  const useReserved = h('input', { type: 'radio', name: 'concurrencyMode', value: 'reserved' });
  const amount = h('input', { type: 'number', name: 'reservedConcurrency', min: 0, step: 1, style: 'width:7em', 'aria-label': 'Reserved concurrency' });
  const save = h('button.primary', { type: 'submit' }, 'Save concurrency');
  const form = h('form.panel', { 'aria-label': 'Concurrency' },
    h('h2', 'Concurrency'), state, account,
    h('div', h('label', useUnreserved, ' Use unreserved account concurrency')),
    h('div', h('label', useReserved, ' Reserve '), amount, ' concurrent executions',
      h('div.muted.small', { style: 'margin:4px 0 12px 22px' }, 'At most this many instances run at once, and they are kept for this function alone; 0 stops all invocations (throttled).')),
    h('div.bar', save), out);
  el.append(form);
  // Typing a number chooses "Reserve concurrency".
  amount.addEventListener('input', () => { useReserved.checked = true; });

  async function render() {
    const [reserved, settings] = await Promise.all([lambda.concurrency(ctx.name), lambda.accountSettings()]);
    const limit = settings.AccountLimit || {};
    clear(state, h('p', reserved === null ? 'This function uses the account\'s unreserved concurrency.'
      : `Reserved concurrency: ${reserved}${reserved === 0 ? ' (every invocation is throttled)' : ''}.`));
    clear(account, `Account: ${limit.ConcurrentExecutions} concurrent executions in all, ${limit.UnreservedConcurrentExecutions} unreserved (GetAccountSettings).`);
    useReserved.checked = reserved !== null;
    useUnreserved.checked = reserved === null;
    amount.value = reserved === null ? '' : reserved;
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(save, out, async () => {
      clear(out);
      if (useReserved.checked) {
        const n = amount.value.trim() === '' ? NaN : Number(amount.value);
        if (!Number.isInteger(n) || n < 0) throw Object.assign(new Error('Reserved concurrency is a whole number, 0 or more.'), { nextStep: 'Type a number, then save.' });
        await lambda.putConcurrency(ctx.name, n);
      } else {
        await lambda.deleteConcurrency(ctx.name);
      }
      await render();
      clear(out, notice('Saved the concurrency.', 'ok'));
    }, 'Could not save the concurrency');
  });
  try { await render(); } catch (e) { clear(state, errorBox(e, 'Could not read the concurrency')); }
}

export async function tagsSection(el, ctx) {
  const arn = unqualified(ctx.fn.Configuration.FunctionArn);
  const out = h('div');
  const listBox = h('div');
  const key = h('input', { name: 'tagKey', maxlength: 128, size: 20, autocomplete: 'off' });
  const value = h('input', { name: 'tagValue', maxlength: 256, size: 30, autocomplete: 'off' });
  const add = h('button.primary', { type: 'submit' }, 'Add tag');
  const form = h('form.panel', { 'aria-label': 'Tags' },
    h('h2', 'Tags'), listBox,
    h('div.bar', field('Key', key), field('Value', value, 'A key that is already there gets the new value.'), add), out);
  el.append(form);

  async function render() {
    const tags = Object.entries(await lambda.tags(arn)).sort(([a], [b]) => (a < b ? -1 : 1));
    if (!tags.length) { clear(listBox, notice('No tags.')); return; }
    clear(listBox, h('div.table-scroll', h('table.list', { 'data-role': 'tags' },
      h('thead', h('tr', ['Key', 'Value', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', tags.map(([k, v]) => {
        const remove = h('button.danger', { type: 'button', 'aria-label': `Remove tag ${k}` }, 'Remove');
        remove.addEventListener('click', () => act(remove, out, async () => {
          clear(out);
          await lambda.untag(arn, [k]);
          await render();
          clear(out, notice(`Removed tag ${k}.`, 'ok'));
        }, `Could not remove tag ${k}`));
        return h('tr', { 'data-tag': k }, h('td.name-cell', k), h('td.name-cell', v), h('td', remove));
      })))));
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(add, out, async () => {
      clear(out);
      const k = key.value.trim();
      if (!k) throw Object.assign(new Error('A tag needs a key.'), { nextStep: 'Type a key, then add.' });
      await lambda.tag(arn, { [k]: value.value });
      key.value = ''; value.value = '';
      await render();
      clear(out, notice(`Tagged ${k}.`, 'ok'));
      key.focus();
    }, 'Could not add the tag');
  });
  try { await render(); } catch (e) { clear(listBox, errorBox(e, 'Could not list the tags')); }
}
