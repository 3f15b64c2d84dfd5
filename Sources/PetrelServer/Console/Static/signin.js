// Signing in (for --iam enforce): an access key kept in this tab's sessionStorage, with which the
// console signs its calls (sigv4.js). `petrel credentials --console-link` prints a link that signs in.
import { iam, xmlText } from './api.js';
import { credentials, signIn, signOut } from './sigv4.js';
import { act, clear, field, h } from './ui.js';

/** The signed-in principal's ARN (sts:GetCallerIdentity), or null. */
export async function whoAmI() {
  if (!credentials()) return null;
  return xmlText(await iam('GetCallerIdentity', {}, 'sts'), 'Arn');
}

/** The header's corner: who is signed in, or a link to sign in. */
export async function showIdentity(el) {
  if (!credentials()) {
    clear(el, h('a', { href: '#/signin', 'data-role': 'sign-in' }, 'Sign in'));
    return;
  }
  const arn = await whoAmI().catch(() => null);
  clear(el, h('span', { 'data-role': 'identity', title: arn || '' }, arn ? arn.split(':').pop() : 'signed in (key not accepted)'), ' ',
    h('a', { href: '#/signin', on: { click: () => { signOut(); showIdentity(el); } } }, 'Sign out'));
}

export async function signInPage(view, onChange) {
  const key = h('input', { name: 'accessKeyId', autocomplete: 'username', required: true, size: 30 });
  const secret = h('input', { name: 'secretAccessKey', type: 'password', autocomplete: 'current-password', required: true, size: 45 });
  const token = h('input', { name: 'sessionToken', autocomplete: 'off', size: 45 });
  const region = h('input', { name: 'region', value: (credentials() || {}).region || 'us-east-1' });
  const out = h('div');
  const submit = h('button.primary', { type: 'submit' }, 'Sign in');
  const form = h('form.panel', { novalidate: true },
    field('Access key ID', key), field('Secret access key', secret), field('Session token', token, 'Only for temporary credentials (STS).'),
    field('Region', region), h('div.bar', submit), out);
  view.append(h('h1', 'Sign in'),
    h('p.muted', 'This server checks every call\'s SigV4 signature (--iam enforce). The console signs its calls with the key you give here; it stays in this browser tab only. `petrel credentials --console-link` prints a link that signs in as the account root.'),
    form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(submit, out, async () => {
      clear(out);
      signIn({ accessKeyId: key.value.trim(), secretAccessKey: secret.value.trim(), sessionToken: token.value.trim() || undefined, region: region.value.trim() || 'us-east-1' });
      try {
        await whoAmI();
      } catch (err) {
        signOut();
        throw err;
      }
      await onChange();
      location.hash = '#/functions';
    }, 'Could not sign in');
  });
  key.focus();
}
