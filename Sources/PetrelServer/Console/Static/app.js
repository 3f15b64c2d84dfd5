// The console's router: #/functions, #/functions/new, #/functions/NAME[/tab], #/tables, #/tables/new, #/tables/NAME,
// #/buckets, #/buckets/NAME[/PREFIX], #/queues, #/queues/NAME,
// #/streams, #/streams/NAME, #/rules[/BUS[/RULE]], #/history, #/usage, #/roles, #/signin.
import { clear, errorBox, h } from './ui.js';
import { createFunctionPage, functionListPage } from './functions.js';
import { functionPage } from './function.js';
import { createTablePage, tableListPage, tablePage } from './tables.js';
import { rolesPage } from './roles.js';
import { bucketListPage, bucketPage } from './buckets.js';
import { queueListPage, queuePage } from './queues.js';
import { streamListPage, streamPage } from './streams.js';
import { rulePage, rulesPage } from './rules.js';
import { historyPage } from './history.js';
import { usagePage } from './usage.js';
import { AUTH_ERRORS } from './api.js';
import { credentials, takeCredentialsFromLink } from './sigv4.js';
import { showIdentity, signInPage } from './signin.js';

const main = document.getElementById('main');
document.querySelector('.endpoint').textContent = location.origin;
const identity = document.querySelector('.identity');
takeCredentialsFromLink();
const refreshIdentity = () => showIdentity(identity).catch(() => null);
refreshIdentity();

let cleanup = null;

async function route() {
  // A sign-in link may arrive while the console is already open (only the fragment changes).
  if (takeCredentialsFromLink()) refreshIdentity();
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  const parts = (location.hash.replace(/^#\/?/, '') || 'functions').split('/').map(decodeURIComponent);
  const [section, name, tab] = parts;
  for (const a of document.querySelectorAll('[data-nav]')) {
    a.toggleAttribute('aria-current', a.dataset.nav === section);
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
  }
  const view = h('div.view');
  clear(main, view);
  let page;
  try {
    if (section === 'functions' && !name) page = functionListPage(view);
    else if (section === 'functions' && name === 'new') page = createFunctionPage(view);
    else if (section === 'functions') page = functionPage(view, name, tab || 'code');
    else if (section === 'tables' && !name) page = tableListPage(view);
    else if (section === 'tables' && name === 'new') page = createTablePage(view);
    else if (section === 'tables') page = tablePage(view, name);
    else if (section === 'buckets' && !name) page = bucketListPage(view);
    else if (section === 'buckets') page = bucketPage(view, name, tab || '');
    else if (section === 'queues' && !name) page = queueListPage(view);
    else if (section === 'queues') page = queuePage(view, name);
    else if (section === 'streams' && !name) page = streamListPage(view);
    else if (section === 'streams') page = streamPage(view, name);
    else if (section === 'rules' && tab) page = rulePage(view, name, tab);
    else if (section === 'rules') page = rulesPage(view, name || 'default');
    else if (section === 'history') page = historyPage(view);
    else if (section === 'usage') page = usagePage(view);
    else if (section === 'roles') page = rolesPage(view);
    else if (section === 'signin') page = signInPage(view, refreshIdentity);
    else { view.append(h('h1', 'Not found'), h('p', h('a', { href: '#/functions' }, 'Go to the functions'))); return; }
    cleanup = await page;
  } catch (e) {
    // Under --iam enforce nothing works unsigned: ask for a key first.
    if (AUTH_ERRORS.test(e.type || '') && !credentials() && section !== 'signin') { location.hash = '#/signin'; return; }
    view.append(errorBox(e));
  }
  document.title = `${(view.querySelector('h1') || {}).textContent || 'Petrel'} · Petrel console`;
}

window.addEventListener('hashchange', () => { route(); main.focus({ preventScroll: true }); });
route();
