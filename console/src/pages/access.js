// Access (admins): the API keys with their roles; a new key, shown once; deleting one.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { Card, Empty, ErrorNote, Field, FormActions, Loading, Page, timeAgo, useResource, useSubmit } from '../ui.js';

/** The built-in roles and what each may do (the README's Access table). */
const ROLES = {
  viewer: 'read everything',
  predictor: 'predict, nothing else',
  editor: 'read, predict and change anything but keys',
  admin: 'everything, API keys included',
};

export function Access() {
  const keys = useResource(() => api.get('/api/keys?limit=1000'), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState(null);
  const [refused, setRefused] = useState(null);
  const forbidden = keys.error && keys.error.status === 403;

  const remove = async (name) => {
    if (!confirm(`Delete API key ${name}? Every call with it is refused at once.`)) return;
    setRefused(null);
    try {
      await api.del('/api/keys/' + api.enc(name));
      keys.reload();
    } catch (failure) {
      setRefused(failure);
    }
  };

  return html`
    <${Page} title="Access" subtitle="API keys and the roles they grant"
             actions=${!forbidden && html`<button class="primary" onClick=${() => { setCreating(!creating); setCreated(null); }}
                                                  aria-expanded=${creating}>New key</button>`}>
      ${created && html`<${CreatedKey} created=${created} onDone=${() => setCreated(null)} />`}
      ${creating && html`<${NewKeyForm} onDone=${(key) => { setCreating(false); setCreated(key); keys.reload(); }}
                                        onCancel=${() => setCreating(false)} />`}
      <${Card}>
        <${ErrorNote} error=${keys.error} />
        ${forbidden && html`<p class="hint">Only admins see and create API keys: ask one for a key with the role you need.</p>`}
        <${ErrorNote} error=${refused} />
        ${keys.loading ? html`<${Loading} />` : keys.data && keys.data.items.length === 0
          ? html`<${Empty} title="No API keys yet">Create one with New key: it is shown once, then only its first characters.<//>`
          : keys.data && html`<div class="table-wrap"><table>
              <thead><tr><th>Name</th><th>Roles</th><th>Permissions</th><th>Key</th><th>Description</th><th>Created</th><th><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${keys.data.items.map((k) => html`<tr data-key=${k.name}>
                <td class="strong">${k.name}</td>
                <td>${k.roles.map((r) => html`<span class=${ROLES[r] ? 'tag' : 'tag tag-soft'}>${r}</span>`)}</td>
                <td class="muted">${k.permissions.join(', ') || 'none'}</td>
                <td class="mono small">${k.prefix}…</td>
                <td class="muted clip">${k.description || '—'}</td>
                <td class="muted nowrap">${timeAgo(k.created_at)}${k.created_by ? ` by ${k.created_by}` : ''}</td>
                <td><button class="danger" onClick=${() => remove(k.name)} aria-label=${'Delete key ' + k.name}>Delete</button></td>
              </tr>`)}</tbody></table></div>`}
        ${!forbidden && html`<p class="hint">The node's <code>MLP_ADMIN_KEY</code>, if set, is not listed: it is always an admin's.</p>`}
      <//>
    <//>`;
}

/** Extra role names (for workflow gates) typed as a comma list. */
const extraRoles = (text) => text.split(',').map((r) => r.trim()).filter(Boolean);

function NewKeyForm({ onDone, onCancel }) {
  const [name, setName] = useState('');
  const [roles, setRoles] = useState([]);
  const [others, setOthers] = useState('');
  const [description, setDescription] = useState('');
  const { errors, refused, busy, submit } = useSubmit();
  const toggle = (role) => setRoles(roles.includes(role) ? roles.filter((r) => r !== role) : [...roles, role]);
  const all = () => [...new Set([...roles, ...extraRoles(others)])];

  const validate = () => {
    const found = {};
    if (api.nameProblem(name)) found.name = api.nameProblem(name);
    const wrong = extraRoles(others).filter((r) => !api.NAME_PATTERN.test(r));
    if (wrong.length) found.others = `Not a role name: ${wrong.join(', ')}. Use ${api.NAME_RULE}.`;
    else if (all().length === 0) found.roles = 'Pick a role, or name one below.';
    else if (all().length > 32) found.others = 'At most 32 roles.';
    return found;
  };
  const send = async () => onDone(await api.post('/api/keys', {
    name: name.trim(), roles: all(), ...(description.trim() ? { description: description.trim() } : {}),
  }));

  return html`
    <${Card} title="New API key" id="new-key">
      <form class="form" onSubmit=${submit(validate, send)} noValidate aria-label="New API key">
        <div class="form-grid">
          <${Field} label="Name" error=${errors.name} hint=${api.NAME_RULE}>${(id, described) => html`
            <input id=${id} value=${name} onInput=${(e) => setName(e.target.value)} autocomplete="off"
                   aria-invalid=${!!errors.name} aria-describedby=${described} placeholder="e.g. ci or alice" />`}<//>
          <${Field} label="Description" wide>${(id) => html`
            <input id=${id} value=${description} onInput=${(e) => setDescription(e.target.value)} placeholder="Who or what uses it" />`}<//>
          <fieldset class=${'field wide checks' + (errors.roles ? ' invalid' : '')}>
            <legend>Roles</legend>
            ${Object.entries(ROLES).map(([role, may]) => html`<label class="check">
              <input type="checkbox" checked=${roles.includes(role)} onChange=${() => toggle(role)} aria-invalid=${!!errors.roles} />
              ${role} <span class="muted">${may}</span></label>`)}
            ${errors.roles && html`<span class="field-error">${errors.roles}</span>`}
          </fieldset>
          <${Field} label="Other roles" error=${errors.others} wide
                    hint="Comma-separated names that workflow gates check (e.g. approver); they grant nothing else">${(id, described) => html`
            <input id=${id} value=${others} onInput=${(e) => setOthers(e.target.value)} autocomplete="off"
                   aria-invalid=${!!errors.others} aria-describedby=${described} placeholder="approver, release-manager" />`}<//>
        </div>
        <${FormActions} refused=${refused} busy=${busy} label="Create key" busyLabel="Creating…" onCancel=${onCancel} />
      </form>
    <//>`;
}

/** The new key, this once: the API keeps only its SHA-256. */
function CreatedKey({ created, onDone }) {
  const [copied, setCopied] = useState(null);
  const copy = async (e) => {
    const field = e.currentTarget.form.elements.namedItem('key');
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('Copied.');
    } catch {
      // no clipboard API (a page served over plain HTTP from another host): the selection can still be copied
      field.select();
      setCopied(document.execCommand('copy') ? 'Copied.' : 'Selected: copy it with Ctrl+C (⌘C).');
    }
  };
  return html`
    <${Card} title=${`API key ${created.name}`} id="created-key" class="created-key">
      <div class="warning" role="alert">
        <strong>Copy this key now: it will not be shown again.</strong>
        <span>The platform keeps only its SHA-256; a lost key cannot be recovered, only deleted and replaced.</span>
      </div>
      <form class="form" onSubmit=${(e) => { e.preventDefault(); onDone(); }} aria-label="New API key value">
        <${Field} label="Key" wide hint=${`Roles ${created.roles.join(', ')}. Send it as Authorization: Bearer <key>.`}>${(id, described) => html`
          <div class="key-row">
            <input id=${id} name="key" class="mono" value=${created.key} readOnly aria-describedby=${described}
                   onFocus=${(e) => e.target.select()} />
            <button type="button" onClick=${copy}>Copy</button>
          </div>`}<//>
        <div class="form-actions">
          <button type="submit" class="primary">Done</button>
          <span class="muted" role="status">${copied}</span>
        </div>
      </form>
    <//>`;
}
