// The Roles page: each IAM role with its policies, and what --iam audit recorded against it (the
// findings of its sessions, a function's instances among them) with the least-privilege policy
// `petrel iam audit` suggests.
import { auditReport, iam, xmlMembers, xmlText } from './api.js';
import { clear, errorBox, h, notice } from './ui.js';

/** `arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R`; other principals as they are. */
export function policyOwner(principal) {
  const m = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(principal || '');
  return m ? `arn:aws:iam::${m[1]}:role/${m[2]}` : principal;
}

export async function rolesPage(view) {
  view.append(h('h1', 'Roles'),
    h('p.muted', 'Execution roles bound what a function may do under --iam enforce. Under --iam audit, what enforce would refuse is listed here with the policy that would allow it.'));
  const box = h('div', h('p.muted', 'Loading…'));
  view.append(box);
  let roles;
  let report = null;
  try {
    [roles, report] = await Promise.all([iam('ListRoles', { MaxItems: '1000' }), auditReport().catch(() => null)]);
  } catch (e) {
    clear(box, errorBox(e, 'Could not list the roles'));
    return;
  }
  const findings = (report && report.findings) || [];
  const suggested = (report && report.policies) || {};
  const rows = [];
  for (const member of xmlMembers(roles, 'Roles')) {
    const name = xmlText(member, 'RoleName');
    const arn = xmlText(member, 'Arn');
    const [attached, inline] = await Promise.all([
      iam('ListAttachedRolePolicies', { RoleName: name }).then((d) => xmlMembers(d, 'AttachedPolicies').map((m) => xmlText(m, 'PolicyName'))).catch(() => []),
      iam('ListRolePolicies', { RoleName: name }).then((d) => xmlMembers(d, 'PolicyNames').map((m) => m.textContent)).catch(() => []),
    ]);
    const mine = findings.filter((f) => policyOwner(f.principal) === arn || f.resource === arn);
    rows.push({ name, arn, attached, inline, findings: mine, policy: suggested[arn] });
  }
  if (!rows.length) {
    clear(box, notice('No roles yet. The create-function form makes one from a policy template, or use aws iam create-role.'));
    return;
  }
  clear(box,
    h('div.table-scroll', h('table.list', { 'data-role': 'roles' },
      h('thead', h('tr', h('th', 'Role'), h('th', 'Managed policies'), h('th', 'Inline policies'), h('th', 'Audit findings'))),
      h('tbody', rows.map((r) => h('tr', { 'data-role-name': r.name },
        h('td', h('strong', r.name), h('div.hint', r.arn)),
        h('td', r.attached.join(', ') || '—'),
        h('td', r.inline.join(', ') || '—'),
        h('td', r.findings.length ? h('a', { href: '#/roles', on: { click: (e) => { e.preventDefault(); document.getElementById(`role-${r.name}`).scrollIntoView(); } } }, String(r.findings.length)) : '0')))))),
    rows.filter((r) => r.findings.length).map((r) => h('section.panel', { id: `role-${r.name}`, 'data-findings': r.name },
      h('h2', `${r.name}: what enforce would refuse`),
      h('ul', r.findings.map((f) => h('li', h('code', f.action), ' on ', h('code', f.resource), ` — ${f.error}: ${f.reason}`))),
      r.policy ? [h('h3', 'Least-privilege policy to attach'), h('pre.log', { 'data-role': 'suggested-policy' }, JSON.stringify(JSON.parse(r.policy), null, 2))] : [])));
}
