// Models: the list with search and creation; a model's page with its versions, aliases, upload and deploy.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import {
  Card, Empty, ErrorNote, Field, FormActions, KeyValues, Loading, Page, Pill, bytes, number, timeAgo, useResource, useSubmit,
} from '../ui.js';
import { AliasForm, DeployForm, UploadVersionForm } from './model-forms.js';
import { DriftReports } from './drift.js';

export function Models() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    const id = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(id);
  }, [search]);
  const models = useResource(() => api.get('/api/models?limit=200' + (query ? '&search=' + api.enc(query) : '')),
    [query], { eventPrefix: 'model.' });

  return html`
    <${Page} title="Models" subtitle="Registered models, their versions and aliases"
             actions=${html`<button class="primary" onClick=${() => setCreating(!creating)} aria-expanded=${creating}>New model</button>`}>
      ${creating && html`<${NewModelForm} onDone=${(model) => { setCreating(false); location.hash = '#/models/' + api.enc(model.name); }}
                                          onCancel=${() => setCreating(false)} />`}
      <${Card}>
        <div class="toolbar">
          <label class="search">
            <span class="sr-only">Search models</span>
            <input type="search" placeholder="Search by name…" value=${search} onInput=${(e) => setSearch(e.target.value)} />
          </label>
          <span class="muted">${models.data ? `${models.data.total} model${models.data.total === 1 ? '' : 's'}` : ''}</span>
        </div>
        <${ErrorNote} error=${models.error} />
        ${models.loading ? html`<${Loading} />` : models.data && models.data.items.length === 0
          ? html`<${Empty} title=${query ? `No model matches "${query}"` : 'No models yet'}>
              ${!query && 'Create a model, then upload an ONNX, PMML or Spark version of it.'}<//>`
          : models.data && html`
            <div class="table-wrap"><table>
              <thead><tr><th>Name</th><th>Description</th><th>Latest version</th><th>Aliases</th><th>Tags</th><th>Updated</th></tr></thead>
              <tbody>${models.data.items.map((m) => html`
                <tr>
                  <td><a class="strong" href=${'#/models/' + api.enc(m.name)}>${m.name}</a></td>
                  <td class="muted clip">${m.description || '—'}</td>
                  <td>${m.latest_version ? 'v' + m.latest_version : html`<span class="muted">none</span>`}</td>
                  <td>${Object.entries(m.aliases || {}).map(([a, v]) => html`<span class="tag">${a} → v${v}</span>`)}</td>
                  <td>${Object.entries(m.tags || {}).map(([k, v]) => html`<span class="tag tag-soft">${k}: ${v}</span>`)}</td>
                  <td class="muted">${timeAgo(m.updated_at)}</td>
                </tr>`)}
              </tbody>
            </table></div>`}
      <//>
    <//>`;
}

function NewModelForm({ onDone, onCancel }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { errors, refused, busy, submit } = useSubmit();
  const validate = () => (api.nameProblem(name) ? { name: api.nameProblem(name) } : {});
  const send = async () => onDone(await api.post('/api/models', { name: name.trim(), description }));

  return html`
    <${Card} title="New model" id="new-model">
      <form class="form" onSubmit=${submit(validate, send)} noValidate aria-label="New model">
        <div class="form-grid">
          <${Field} label="Name" error=${errors.name} hint=${api.NAME_RULE}>${(id, described) => html`
            <input id=${id} value=${name} onInput=${(e) => setName(e.target.value)} autocomplete="off"
                   aria-invalid=${!!errors.name} aria-describedby=${described} placeholder="e.g. churn" />`}<//>
          <${Field} label="Description" wide>${(id) => html`
            <input id=${id} value=${description} onInput=${(e) => setDescription(e.target.value)} placeholder="What it predicts" />`}<//>
        </div>
        <${FormActions} refused=${refused} busy=${busy} label="Create model" busyLabel="Creating…" onCancel=${onCancel} />
      </form>
    <//>`;
}

export function ModelPage({ name }) {
  const model = useResource(() => api.get('/api/models/' + api.enc(name)), [name], { eventPrefix: 'model.' });
  const versions = useResource(() => api.get(`/api/models/${api.enc(name)}/versions`), [name], { eventPrefix: 'model.' });
  const [selected, setSelected] = useState(null);
  const [uploading, setUploading] = useState(false);
  const items = versions.data ? [...versions.data.items].sort((a, b) => b.version - a.version) : [];
  const current = items.find((v) => v.version === selected) || items[0];
  const aliasesOf = (v) => Object.entries((model.data && model.data.aliases) || {}).filter(([, n]) => n === v).map(([a]) => a);

  if (model.error && !model.data) {
    return html`<${Page} title=${name} back=${{ href: '#/models', label: 'Models' }}><${ErrorNote} error=${model.error} /><//>`;
  }
  return html`
    <${Page} title=${name} back=${{ href: '#/models', label: 'Models' }}
             subtitle=${model.data ? model.data.description || 'No description' : ''}
             actions=${html`<button class="primary" onClick=${() => setUploading(!uploading)} aria-expanded=${uploading}>Upload version</button>`}>
      ${uploading && html`<${UploadVersionForm} model=${name}
          onDone=${(v) => { setUploading(false); setSelected(v.version); versions.reload(); model.reload(); }}
          onCancel=${() => setUploading(false)} />`}
      <div class="grid-2-1">
        <${Card} title="Versions" id="versions">
          ${versions.loading ? html`<${Loading} />` : items.length === 0
            ? html`<${Empty} title="No versions yet">Upload an ONNX, PMML or Spark model file to create version 1.<//>`
            : html`<div class="table-wrap"><table class="selectable">
                <thead><tr><th>Version</th><th>Format</th><th>Aliases</th><th>Metrics</th><th>Size</th><th>Created</th></tr></thead>
                <tbody>${items.map((v) => html`
                  <tr class=${current && current.version === v.version ? 'selected' : ''}>
                    <td><button class="link strong" onClick=${() => setSelected(v.version)}
                                aria-pressed=${current && current.version === v.version}>v${v.version}</button></td>
                    <td><span class="tag tag-format">${v.format}</span></td>
                    <td>${aliasesOf(v.version).map((a) => html`<span class="tag">${a}</span>`)}</td>
                    <td class="muted">${Object.entries(v.metrics || {}).slice(0, 3).map(([k, x]) => `${k} ${number(x, 3)}`).join(' · ') || '—'}</td>
                    <td class="muted">${bytes(v.size)}</td>
                    <td class="muted">${timeAgo(v.created_at)}</td>
                  </tr>`)}
                </tbody></table></div>`}
        <//>
        <div class="stack">
          <${Card} title="Aliases" id="aliases">
            ${model.data && Object.keys(model.data.aliases || {}).length > 0
              ? html`<ul class="alias-list">${Object.entries(model.data.aliases).map(([a, v]) => html`<li><span class="tag">${a}</span> → v${v}</li>`)}</ul>`
              : html`<p class="muted">No aliases. An alias (e.g. champion) names a version; deployments that use it follow it when it moves.</p>`}
            ${items.length > 0 && html`<${AliasForm} model=${name} versions=${items} aliases=${(model.data && model.data.aliases) || {}}
                                                   onDone=${() => model.reload()} />`}
          <//>
          ${model.data && html`<${Card} title="Tags"><${KeyValues} object=${model.data.tags} empty="No tags" /><//>`}
        </div>
      </div>
      ${current && html`<${VersionDetail} model=${name} version=${current} aliases=${aliasesOf(current.version)} />`}
    <//>`;
}

function Signature({ signature }) {
  const rows = [...((signature && signature.inputs) || []).map((s) => ({ ...s, role: 'input' })),
    ...((signature && signature.outputs) || []).map((s) => ({ ...s, role: 'output' }))];
  if (rows.length === 0) {
    return html`<p class="muted">No signature (Spark pipelines read their columns by name).</p>`;
  }
  return html`<div class="table-wrap"><table class="compact">
    <thead><tr><th></th><th>Name</th><th>Type</th><th>Shape</th></tr></thead>
    <tbody>${rows.map((s) => html`<tr><td class="muted">${s.role}</td><td class="mono">${s.name}</td><td>${s.type}</td>
      <td class="mono">${s.shape ? '[' + s.shape.join(', ') + ']' : '—'}</td></tr>`)}</tbody></table></div>`;
}

function Lineage({ source }) {
  if (!source) {
    return html`<p class="muted">No lineage recorded (uploaded by hand).</p>`;
  }
  return html`<ul class="lineage">
    ${source.dataset && html`<li>Trained on dataset <a href=${'#/datasets/' + api.enc(source.dataset)}>${source.dataset}</a>${source.version ? ' v' + source.version : ''}</li>`}
    ${source.execution && html`<li>By execution <a class="mono" href=${'#/executions/' + source.execution}>${source.execution.slice(0, 8)}</a></li>`}
    ${Object.entries(source).filter(([k]) => !['dataset', 'version', 'execution'].includes(k))
      .map(([k, v]) => html`<li>${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}</li>`)}
  </ul>`;
}

function VersionDetail({ model, version, aliases }) {
  const [deploying, setDeploying] = useState(false);
  const deployable = version.format !== 'spark' || (version.onnx && version.onnx.supported);
  return html`
    <${Card} id="version-detail" title=${`Version ${version.version}`} class="version-detail"
             actions=${html`
               <a class="button" href=${api.withApiKey(`/api/models/${api.enc(model)}/versions/${version.version}/artifact`)} download>Download</a>
               <button class="primary" onClick=${() => setDeploying(!deploying)} disabled=${!deployable}
                       title=${deployable ? 'Serve this version online' : 'Spark pipelines score in batch executions'}
                       aria-expanded=${deploying}>Deploy</button>`}>
      <p class="meta">
        <span class="tag tag-format">${version.format}</span>
        ${aliases.map((a) => html`<span class="tag">${a}</span>`)}
        <span class="muted">created ${timeAgo(version.created_at)} · ${bytes(version.size)}${version.sha256 ? ' · sha256 ' + version.sha256.slice(0, 12) : ''}</span>
      </p>
      ${version.description && html`<p>${version.description}</p>`}
      ${deploying && html`<${DeployForm} model=${model} version=${version.version} onCancel=${() => setDeploying(false)} />`}
      <div class="detail-grid">
        <div><h3>Signature</h3><${Signature} signature=${version.signature} /></div>
        <div><h3>Metrics</h3><${KeyValues} object=${version.metrics} empty="No metrics" /></div>
        <div><h3>Parameters</h3><${KeyValues} object=${version.params} empty="No parameters" /></div>
        <div><h3>Lineage</h3><${Lineage} source=${version.source} /></div>
        ${version.details && html`<div><h3>Details</h3><${KeyValues} object=${version.details} /></div>`}
        ${version.onnx && html`<div><h3>Online serving</h3><p>${version.onnx.supported
          ? html`<${Pill} status="ready" label="exported as ONNX" />` : html`<span class="muted">${version.onnx.reason}</span>`}</p></div>`}
        ${version.evaluations && version.evaluations.length > 0 && html`<div><h3>Evaluations</h3>
          ${version.evaluations.map((e) => html`<p><a href=${'#/executions/' + e.execution}>${e.dataset || 'evaluation'}</a>
            <${KeyValues} object=${e.metrics} /></p>`)}</div>`}
      </div>
      ${version.drift_reports && version.drift_reports.length > 0 && html`<div id="drift">
        <h3>Drift of the served inputs</h3><${DriftReports} reports=${version.drift_reports} /></div>`}
    <//>`;
}
