// Usage & cost: what this month's (or a past month's) Lambda usage would cost on AWS, per function,
// from GET /_petrel/usage (docs/usage.md), with the what-if at another memory size.
import { rest } from './api.js';
import { act, clear, errorBox, field, h, notice, select } from './ui.js';

const money = (v, currency = 'USD') => `${currency === 'USD' ? '$' : `${currency} `}${Number(v || 0).toFixed(Math.abs(v) >= 1 ? 2 : 6)}`;
const num = (v, digits = 3) => Number(v || 0).toLocaleString(undefined, { maximumFractionDigits: digits });

export async function usagePage(view) {
  const now = new Date();
  const thisMonth = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const months = [];
  for (let i = 0; i < 15; i++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    months.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  const month = select(months, thisMonth, { name: 'month', 'aria-label': 'Month' });
  const whatIf = select([['', '(none)'], ...[128, 256, 512, 1024, 2048, 3008, 4096, 10240].map((m) => [String(m), `${m} MB`])], '', { name: 'whatIfMemory', 'aria-label': 'What-if memory size' });
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const out = h('div');
  const box = h('div');
  view.append(h('h1', 'Usage & cost'),
    h('p.muted', 'Every invocation metered as AWS bills Lambda, priced with AWS\'s public list prices (GET /_petrel/usage; `petrel usage` prints the same).'),
    h('div.bar', field('Month', month), field('What if every function had', whatIf), refresh), out, box);

  async function load() {
    const query = new URLSearchParams({ month: month.value });
    if (whatIf.value) query.set('whatIfMemory', whatIf.value);
    const u = await rest('GET', `/_petrel/usage?${query}`);
    clear(out);
    const c = u.currency;
    const summary = [
      ['Requests', `${num(u.totals.requests, 0)} (${num(u.freeTierUsed.requestsPercent, 4)}% of the free ${num(u.freeTier.requests, 0)})`],
      ['GB-seconds', `${num(u.totals.gbSeconds)} (${num(u.freeTierUsed.gbSecondsPercent, 4)}% of the free ${num(u.freeTier.gbSeconds, 0)})`],
      ['Cost', `${money(u.cost.total, c)} — requests ${money(u.cost.requests, c)}, duration ${money(u.cost.duration, c)}, provisioned ${money(u.cost.provisioned, c)}, storage ${money(u.cost.ephemeralStorage, c)}`],
      ['Free tier saved', money(u.cost.freeTierCredit, c)],
      ['List cost (before the free tier)', money(u.listCost, c)],
      u.complete ? null : ['Projected to the month\'s end', `${num(u.projection.requests, 0)} requests, ${num(u.projection.gbSeconds)} GB-s, ${money(u.projection.cost, c)}`],
      ['Prices', `${u.region}, as of ${u.asOf}`],
    ].filter(Boolean);
    const functions = u.functions || [];
    clear(box,
      h('section.panel', { 'aria-label': 'Summary' }, h('h2', `Lambda usage for ${u.month}`),
        h('dl.summary', { 'data-role': 'usage-summary' }, summary.map(([k, v]) => [h('dt', k), h('dd', { 'data-figure': k }, v)]))),
      h('h2', 'Per function, costliest first'),
      functions.length ? h('div.table-scroll', h('table.list', { 'data-role': 'usage-functions' },
        h('thead', h('tr', ['Function', 'Requests', 'GB-s', 'Average billed', 'Memory', 'Cost (list)', 'Share', whatIf.value ? `At ${whatIf.value} MB` : null]
          .filter((t) => t !== null).map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', functions.map((f) => h('tr', { 'data-function': f.function },
          h('td.name-cell', h('a', { href: `#/functions/${encodeURIComponent(f.function)}` }, f.function)),
          h('td', num(f.requests, 0)), h('td', num(f.gbSeconds)), h('td', `${num(f.averageBilledMilliseconds, 1)} ms`),
          h('td', (f.memorySizes || []).map((m) => `${m} MB`).join(', ')), h('td', money(f.cost, c)), h('td', `${num((f.costShare || 0) * 100, 1)}%`),
          whatIf.value ? h('td', f.whatIf ? money(f.whatIf.cost, c) : '') : null)))))
        : notice('No invocations metered in this month.'),
      (u.days || []).length ? [h('h2', 'Per day'), h('div.table-scroll', h('table.list', { 'data-role': 'usage-days' },
        h('thead', h('tr', ['Day', 'Requests', 'GB-s', 'Cost (list)'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', u.days.map((d) => h('tr', h('td', d.day), h('td', num(d.requests, 0)), h('td', num(d.gbSeconds)), h('td', money(d.cost, c)))))))] : null);
  }
  for (const el of [month, whatIf]) el.addEventListener('change', () => act(null, out, load, 'Could not read the usage'));
  refresh.addEventListener('click', () => act(refresh, out, load, 'Could not read the usage'));
  try { await load(); } catch (e) { clear(box, errorBox(e, 'Could not read the usage')); }
}
