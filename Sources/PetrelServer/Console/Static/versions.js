// A function's Versions & aliases tab: publish and delete versions (PublishVersion,
// ListVersionsByFunction, DeleteFunction with a Qualifier) and its aliases (Create/Update/Delete/
// ListAliases): point an alias at a version, and shift a share of its traffic to a second version
// with a slider (RoutingConfig.AdditionalVersionWeights).
import { lambda } from './api.js';
import { act, clear, errorBox, field, formatTime, h, notice, select } from './ui.js';

/** A weight (0–1) as a percentage without float noise: 0.1 → "10", 0.125 → "12.5". */
export const percent = (w) => String(Math.round(w * 10000) / 100);

/** How an alias's traffic is split: [[version, percentage], …], the primary version first. */
export function split(alias) {
  const extra = Object.entries((alias.RoutingConfig && alias.RoutingConfig.AdditionalVersionWeights) || {});
  const taken = extra.reduce((n, [, w]) => n + w, 0);
  return [[alias.FunctionVersion, percent(1 - taken)], ...extra.map(([v, w]) => [v, percent(w)])];
}

const byNumber = (a, b) => (a.Version === '$LATEST' ? -1 : b.Version === '$LATEST' ? 1 : Number(b.Version) - Number(a.Version));

export async function versionsTab(el, ctx) {
  const versionsPanel = h('section', { 'aria-label': 'Versions' });
  const aliasesPanel = h('section', { 'aria-label': 'Aliases' });
  el.append(versionsPanel, aliasesPanel);
  let versions = [], aliases = [];
  const out = h('div');

  // --- Versions ---
  const versionsBox = h('div');
  const description = h('input', { name: 'versionDescription', maxlength: 256, size: 40, placeholder: 'what changed' });
  const publish = h('button.primary', { type: 'submit' }, 'Publish new version');
  const publishForm = h('form.panel', { 'aria-label': 'Publish a version' },
    h('p.muted.small', 'Publishing freezes $LATEST\'s code and configuration as a numbered version (PublishVersion). Invoke it as NAME:VERSION, or through an alias.'),
    h('div.bar', field('Version description', description), publish), out);
  versionsPanel.append(publishForm, h('h2', 'Versions'), versionsBox);

  // --- Aliases ---
  const aliasesBox = h('div');
  const aliasOut = h('div');
  const editor = h('div');
  const aliasName = h('input', { name: 'aliasName', maxlength: 128, size: 20, placeholder: 'live', autocomplete: 'off' });
  const aliasVersion = h('select', { name: 'aliasVersion' });
  const aliasDescription = h('input', { name: 'aliasDescription', maxlength: 256, size: 30 });
  const createAlias = h('button.primary', { type: 'submit' }, 'Create alias');
  const aliasForm = h('form.panel', { 'aria-label': 'Create an alias' },
    h('p.muted.small', 'An alias is a name that points at a version (CreateAlias); callers invoke NAME:ALIAS and you move the alias, not them.'),
    h('div.bar', field('Alias name', aliasName), field('Version', aliasVersion), field('Description', aliasDescription), createAlias), aliasOut);
  aliasesPanel.append(h('h2', 'Aliases'), aliasesBox, editor, h('h3', 'Create an alias'), aliasForm);

  async function load() {
    const vs = [];
    let marker;
    do {
      const r = await lambda.versions(ctx.name, marker);
      vs.push(...(r.Versions || []));
      marker = r.NextMarker;
    } while (marker);
    const as = [];
    marker = undefined;
    do {
      const r = await lambda.aliases(ctx.name, marker);
      as.push(...(r.Aliases || []));
      marker = r.NextMarker;
    } while (marker);
    versions = vs.sort(byNumber);
    aliases = as.sort((a, b) => (a.Name < b.Name ? -1 : 1));
  }

  function renderVersions() {
    // "live" when the alias sends the version everything, "live (10 %)" when a share.
    const aliasesOf = (v) => aliases.flatMap((a) => split(a).filter(([x]) => x === v).map(([, p]) => (p === '100' ? a.Name : `${a.Name} (${p} %)`)));
    clear(versionsBox, h('div.table-scroll', h('table.list', { 'data-role': 'versions' },
      h('thead', h('tr', ['Version', 'Description', 'Aliases', 'Runtime', 'Code SHA-256', 'Last modified', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', versions.map((v) => {
        const actions = h('td');
        if (v.Version !== '$LATEST') {
          const remove = h('button.danger', { type: 'button', 'aria-label': `Delete version ${v.Version}` }, 'Delete');
          remove.addEventListener('click', () => act(remove, out, async () => {
            await lambda.removeVersion(ctx.name, v.Version);
            await reload();
            clear(out, notice(`Deleted version ${v.Version}.`, 'ok'));
          }, `Could not delete version ${v.Version}`));
          actions.append(remove);
        }
        return h('tr', { 'data-version': v.Version }, h('td', h('strong', v.Version)), h('td.name-cell', v.Description || ''),
          h('td.name-cell', aliasesOf(v.Version).join(', ')), h('td', v.Runtime),
          h('td.mono', { title: v.CodeSha256 }, (v.CodeSha256 || '').slice(0, 12) + '…'), h('td', formatTime(v.LastModified)), actions);
      })))));
    const chosen = aliasVersion.value;
    clear(aliasVersion, versions.map((v) => h('option', { value: v.Version }, v.Version === '$LATEST' ? '$LATEST (unpublished)' : `Version ${v.Version}`)));
    // A new alias points at the newest published version unless someone chose another.
    const newest = versions.find((v) => v.Version !== '$LATEST');
    aliasVersion.value = versions.some((v) => v.Version === chosen) ? chosen : (newest || versions[0] || {}).Version || '';
  }

  function renderAliases() {
    if (!aliases.length) { clear(aliasesBox, notice('No aliases yet. Publish a version, then create an alias that points at it.')); return; }
    clear(aliasesBox, h('div.table-scroll', h('table.list', { 'data-role': 'aliases' },
      h('thead', h('tr', ['Alias', 'Traffic', 'Description', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', aliases.map((a) => {
        const edit = h('button', { type: 'button', 'data-action': 'edit', 'aria-label': `Edit alias ${a.Name}` }, 'Edit');
        edit.addEventListener('click', () => openEditor(a));
        const remove = h('button.danger', { type: 'button', 'data-action': 'delete', 'aria-label': `Delete alias ${a.Name}` }, 'Delete');
        remove.addEventListener('click', () => act(remove, aliasOut, async () => {
          clear(aliasOut);
          await lambda.deleteAlias(ctx.name, a.Name);
          if (editor.dataset.alias === a.Name) { clear(editor); delete editor.dataset.alias; }
          await reload();
          clear(aliasOut, notice(`Deleted alias ${a.Name}.`, 'ok'));
        }, `Could not delete alias ${a.Name}`));
        return h('tr', { 'data-alias': a.Name },
          h('td.name-cell', h('strong', a.Name), h('div.muted.small.mono', a.AliasArn)),
          h('td', { 'data-role': 'traffic' }, split(a).map(([v, p], i) => [i ? ' · ' : '', `version ${v}: ${p} %`])),
          h('td.name-cell', a.Description || ''), h('td', edit, ' ', remove));
      })))));
  }

  /** The edit form of one alias: its version, its description, and a slider for a second version's share. */
  function openEditor(alias) {
    const editOut = h('div');
    const published = versions.filter((v) => v.Version !== '$LATEST').map((v) => v.Version);
    const primary = select(versions.map((v) => [v.Version, v.Version === '$LATEST' ? '$LATEST' : `Version ${v.Version}`]), alias.FunctionVersion, { name: 'editAliasVersion' });
    const desc = h('input', { name: 'editAliasDescription', value: alias.Description || '', maxlength: 256, size: 40 });
    const [[extraVersion, extraWeight] = ['', 0]] = Object.entries((alias.RoutingConfig && alias.RoutingConfig.AdditionalVersionWeights) || {});
    const second = h('select', { name: 'secondVersion' });
    const slider = h('input', { type: 'range', name: 'weight', min: 0, max: 100, step: 1, value: Math.round(extraWeight * 100) });
    const save = h('button.primary', { type: 'submit' }, 'Save alias');
    const cancel = h('button', { type: 'button' }, 'Close');
    const weightField = field('Share of the second version', slider, 'Drag, or use the arrow keys (1 % a step); 0 % sends everything to the first version.');
    const shares = h('output', { 'data-role': 'shares', for: slider.id });
    function fillSecond() {
      const keep = second.value || extraVersion;
      clear(second, h('option', { value: '' }, '(none: all traffic to one version)'),
        published.filter((v) => v !== primary.value).map((v) => h('option', { value: v }, `Version ${v}`)));
      second.value = [...second.options].some((o) => o.value === keep) ? keep : '';
    }
    function showShares() {
      const w = Number(slider.value);
      weightField.hidden = !second.value;
      slider.setAttribute('aria-valuetext', `${w} % to version ${second.value}, ${100 - w} % to version ${primary.value}`);
      const [first, extra] = !touched && second.value ? split(alias).map(([, p]) => p) : [String(100 - w), String(w)];
      clear(shares, second.value ? `Version ${primary.value}: ${first} % · version ${second.value}: ${extra} %` : `Version ${primary.value}: 100 %`);
    }
    // Until the routing is touched, a save leaves it as it is (a weight finer than 1 % stays exact).
    let touched = false;
    primary.addEventListener('change', () => { touched = true; fillSecond(); showShares(); });
    second.addEventListener('change', () => { touched = true; showShares(); });
    slider.addEventListener('input', () => { touched = true; showShares(); });
    fillSecond();
    showShares();
    const form = h('form.panel', { 'aria-label': `Edit alias ${alias.Name}`, 'data-role': 'alias-editor' },
      h('h3', `Alias ${alias.Name}`),
      h('div.grid2', field('Version', primary), field('Description', desc), field('Second version', second, 'Shift a share of the invocations to another published version (weighted alias).'), weightField),
      h('p', shares),
      h('div.bar', save, cancel), editOut);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      act(save, editOut, async () => {
        clear(editOut);
        const w = Number(slider.value);
        const weights = second.value && w > 0 ? { [second.value]: w / 100 } : {};
        const updated = await lambda.updateAlias(ctx.name, alias.Name, {
          FunctionVersion: primary.value, Description: desc.value, RevisionId: alias.RevisionId,
          ...(touched ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
        });
        alias = updated;
        await reload();
        clear(editOut, notice(`Saved alias ${updated.Name}: ${split(updated).map(([v, p]) => `version ${v} ${p} %`).join(', ')}.`, 'ok'));
      }, `Could not save alias ${alias.Name}`);
    });
    cancel.addEventListener('click', () => { clear(editor); delete editor.dataset.alias; });
    editor.dataset.alias = alias.Name;
    clear(editor, form);
    primary.focus();
  }

  async function reload() {
    await load();
    renderVersions();
    renderAliases();
  }

  publishForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(publish, out, async () => {
      clear(out);
      const known = new Set(versions.map((x) => x.Version));
      const v = await lambda.publish(ctx.name, description.value.trim());
      description.value = '';
      await reload();
      aliasVersion.value = v.Version;
      // Like AWS, Petrel publishes nothing when neither code nor configuration changed since the newest version.
      clear(out, known.has(v.Version)
        ? notice(`Nothing changed since version ${v.Version}, so no new version was published (PublishVersion returned version ${v.Version}).`, 'info')
        : notice(`Published version ${v.Version}${v.Description ? ` (“${v.Description}”)` : ''}.`, 'ok'));
    }, 'Could not publish a version');
  });
  aliasForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(createAlias, aliasOut, async () => {
      clear(aliasOut);
      const a = await lambda.createAlias(ctx.name, { Name: aliasName.value.trim(), FunctionVersion: aliasVersion.value, Description: aliasDescription.value });
      aliasName.value = ''; aliasDescription.value = '';
      await reload();
      clear(aliasOut, notice(`Created alias ${a.Name} → version ${a.FunctionVersion}.`, 'ok'));
    }, 'Could not create the alias');
  });

  try { await reload(); } catch (e) { clear(versionsBox, errorBox(e, 'Could not list the versions and aliases')); }
  return { show: () => reload().catch(() => null) };
}
