// Datasets: the list and upload (with progress); a dataset's page with schema, statistics, preview and transformations.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import {
  Card, Empty, ErrorNote, Field, FormActions, Loading, Page, UploadProgress, bytes, number, timeAgo, useResource, useSubmit, useUpload,
} from '../ui.js';
import { ExecutionForm } from './execution-form.js';

const PREVIEW_ROWS = 20;
const STATISTICS_ROWS = 1000;

function UploadDatasetForm({ name: fixedName, onDone, onCancel }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [file, setFile] = useState(null);
  const { errors, refused, busy, submit } = useSubmit();
  const { progress, upload } = useUpload();
  const validate = () => {
    const found = {};
    if (!fixedName && api.nameProblem(name)) found.name = api.nameProblem(name);
    if (!file) found.file = 'Choose a CSV (with a header line), JSON Lines or Parquet file.';
    else if (file.size === 0) found.file = 'This file is empty.';
    return found;
  };
  const send = async () => {
    const form = new FormData();
    if (!fixedName) form.append('name', name.trim());
    if (description) form.append('description', description);
    form.append('file', file, file.name);
    onDone(await upload(fixedName ? `/api/datasets/${api.enc(fixedName)}/versions` : '/api/datasets', form));
  };

  return html`
    <${Card} title=${fixedName ? 'Upload a new version' : 'Upload a dataset'} id="upload-dataset">
      <form class="form" onSubmit=${submit(validate, send)} noValidate aria-label=${fixedName ? 'Upload a new version' : 'Upload a dataset'}>
        <div class="form-grid">
          ${!fixedName && html`<${Field} label="Name" error=${errors.name} hint=${api.NAME_RULE}>${(id, d) => html`
            <input id=${id} value=${name} onInput=${(e) => setName(e.target.value)} aria-invalid=${!!errors.name}
                   aria-describedby=${d} placeholder="e.g. customers" autocomplete="off" />`}<//>`}
          <${Field} label="File" error=${errors.file} hint="CSV with a header line, JSON Lines or Parquet">${(id, d) => html`
            <input id=${id} type="file" accept=".csv,.jsonl,.ndjson,.json,.parquet,text/csv" aria-invalid=${!!errors.file} aria-describedby=${d}
                   onChange=${(e) => { const f = e.target.files[0] || null; setFile(f); if (f && !name && !fixedName) setName(f.name.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]/g, '-')); }} />`}<//>
          ${!fixedName && html`<${Field} label="Description" wide>${(id) => html`
            <input id=${id} value=${description} onInput=${(e) => setDescription(e.target.value)} placeholder="Where the data comes from" />`}<//>`}
        </div>
        <${UploadProgress} progress=${progress} after="Reading the schema…" />
        <${FormActions} refused=${refused} busy=${busy} label="Upload" busyLabel="Uploading…" onCancel=${onCancel} />
      </form>
    <//>`;
}

export function Datasets() {
  const [uploading, setUploading] = useState(false);
  const datasets = useResource(() => api.get('/api/datasets?limit=500'), []);
  return html`
    <${Page} title="Datasets" subtitle="Versioned tabular data: CSV, JSON Lines and Parquet, with their schemas"
             actions=${html`<button class="primary" onClick=${() => setUploading(!uploading)} aria-expanded=${uploading}>Upload dataset</button>`}>
      ${uploading && html`<${UploadDatasetForm} onDone=${() => { setUploading(false); datasets.reload(); }} onCancel=${() => setUploading(false)} />`}
      <${Card}>
        <${ErrorNote} error=${datasets.error} />
        ${datasets.loading ? html`<${Loading} />` : datasets.data && datasets.data.items.length === 0
          ? html`<${Empty} title="No datasets yet">Upload a CSV, JSON Lines or Parquet file: its schema and row count are read as it arrives.<//>`
          : datasets.data && html`<div class="table-wrap"><table>
              <thead><tr><th>Name</th><th>Description</th><th>Latest version</th><th>Columns</th><th>Rows</th><th>Size</th><th>Updated</th></tr></thead>
              <tbody>${datasets.data.items.map((d) => html`<${DatasetRow} dataset=${d} />`)}</tbody></table></div>`}
      <//>
    <//>`;
}

function DatasetRow({ dataset: d }) {
  // the list holds datasets, not their versions: each row reads its latest version's schema
  const latest = useResource(() => api.get(`/api/datasets/${api.enc(d.name)}/versions/latest`), [d.name, d.latest_version]);
  const v = latest.data || {};
  const schema = v.schema || [];
  return html`<tr data-dataset=${d.name}>
    <td><a class="strong" href=${'#/datasets/' + api.enc(d.name)}>${d.name}</a></td>
    <td class="muted clip">${d.description || '—'}</td>
    <td>v${d.latest_version}</td>
    <td class="schema-cell">${schema.length === 0 ? html`<span class="muted">—</span>` : html`
      ${schema.slice(0, 6).map((c) => html`<span class="tag tag-soft" title=${c.type}>${c.name}<span class="type"> ${c.type}</span></span>`)}
      ${schema.length > 6 && html`<span class="muted"> +${schema.length - 6}</span>`}`}</td>
    <td>${number(v.row_count)}</td>
    <td class="muted">${bytes(v.size)}</td>
    <td class="muted">${timeAgo(d.updated_at)}</td>
  </tr>`;
}

/** Per-column statistics of the first rows: non-null count, distinct values, and min / mean / max of numbers. */
function statistics(schema, rows) {
  return schema.map((column) => {
    const values = rows.map((r) => r[column.name]).filter((x) => x !== null && x !== undefined && x !== '');
    const numeric = values.filter((x) => typeof x === 'number');
    const stats = { ...column, present: values.length, distinct: new Set(values.map(String)).size };
    if (numeric.length) {
      stats.min = Math.min(...numeric);
      stats.max = Math.max(...numeric);
      stats.mean = numeric.reduce((a, b) => a + b, 0) / numeric.length;
    }
    return stats;
  });
}

function VersionView({ name, version }) {
  const preview = useResource(() => api.get(`/api/datasets/${api.enc(name)}/versions/${version.version}/preview?limit=${STATISTICS_ROWS}`),
    [name, version.version]);
  const schema = version.schema || [];
  const rows = (preview.data && preview.data.rows) || [];
  const stats = statistics(schema, rows);
  return html`
    <${Card} title=${`Schema and statistics · v${version.version}`} id="schema"
             actions=${html`<a class="button" href=${api.withApiKey(`/api/datasets/${api.enc(name)}/versions/${version.version}/download`)} download>Download</a>`}>
      <dl class="facts">
        <div><dt>Rows</dt><dd>${number(version.row_count)}</dd></div>
        <div><dt>Columns</dt><dd>${schema.length}</dd></div>
        <div><dt>Format</dt><dd>${version.format || '—'}</dd></div>
        <div><dt>Size</dt><dd>${bytes(version.size)}</dd></div>
        <div><dt>sha256</dt><dd class="mono" title=${version.sha256}>${(version.sha256 || '').slice(0, 12)}</dd></div>
        ${version.lineage && html`<div><dt>Derived from</dt><dd><a href=${'#/datasets/' + api.enc(version.lineage.dataset)}>${version.lineage.dataset}</a>
          ${version.lineage.version ? ' v' + version.lineage.version : ''}
          ${version.lineage.execution && html` by <a class="mono" href=${'#/executions/' + version.lineage.execution}>${version.lineage.execution.slice(0, 8)}</a>`}</dd></div>`}
      </dl>
      <div class="table-wrap"><table class="compact" aria-label="Schema and statistics">
        <thead><tr><th>Column</th><th>Type</th><th>Nullable</th><th>Non-null</th><th>Distinct</th><th>Min</th><th>Mean</th><th>Max</th></tr></thead>
        <tbody>${stats.map((c) => html`<tr>
          <td class="mono strong">${c.name}</td><td><span class="tag tag-type">${c.type}</span></td><td>${c.nullable ? 'yes' : 'no'}</td>
          <td>${preview.data ? number(c.present) : '…'}</td><td>${preview.data ? number(c.distinct) : '…'}</td>
          <td class="mono">${number(c.min)}</td><td class="mono">${number(c.mean)}</td><td class="mono">${number(c.max)}</td></tr>`)}
        </tbody></table></div>
      <p class="hint">Statistics over the first ${number(Math.min(rows.length || STATISTICS_ROWS, version.row_count || STATISTICS_ROWS))} rows.</p>
    <//>
    <${Card} title="Preview" id="preview">
      <${ErrorNote} error=${preview.error} />
      ${preview.loading ? html`<${Loading} />` : html`<div class="table-wrap preview"><table class="compact" aria-label="Preview">
        <thead><tr>${schema.map((c) => html`<th>${c.name}</th>`)}</tr></thead>
        <tbody>${rows.slice(0, PREVIEW_ROWS).map((r) => html`<tr>${schema.map((c) => html`<td class="mono">${r[c.name] == null ? '' : String(r[c.name])}</td>`)}</tr>`)}</tbody>
      </table></div>
      <p class="hint">The first ${Math.min(PREVIEW_ROWS, rows.length)} of ${number(version.row_count)} rows.</p>`}
    <//>`;
}

export function DatasetPage({ name }) {
  const dataset = useResource(() => api.get('/api/datasets/' + api.enc(name)), [name]);
  const [selected, setSelected] = useState(null);
  const [panel, setPanel] = useState(null);
  useEffect(() => setSelected(null), [name]);
  if (dataset.error && !dataset.data) {
    return html`<${Page} title=${name} back=${{ href: '#/datasets', label: 'Datasets' }}><${ErrorNote} error=${dataset.error} /><//>`;
  }
  const d = dataset.data;
  const versions = d ? [...(d.versions || [])].sort((a, b) => b.version - a.version) : [];
  const current = versions.find((v) => v.version === selected) || versions[0];
  const toggle = (p) => setPanel(panel === p ? null : p);
  return html`
    <${Page} title=${name} back=${{ href: '#/datasets', label: 'Datasets' }} subtitle=${d ? d.description || 'No description' : ''}
             actions=${html`
               <button onClick=${() => toggle('upload')} aria-expanded=${panel === 'upload'}>Upload version</button>
               <button class="primary" onClick=${() => toggle('transform')} aria-expanded=${panel === 'transform'}>Transform</button>`}>
      ${panel === 'upload' && html`<${UploadDatasetForm} name=${name} onDone=${(v) => { setPanel(null); setSelected(v.version); dataset.reload(); }}
                                                     onCancel=${() => setPanel(null)} />`}
      ${panel === 'transform' && html`<${ExecutionForm} presetType="transform" presetDataset=${name}
          onStarted=${(e) => { location.hash = '#/executions/' + e.id; }} onCancel=${() => setPanel(null)} />`}
      ${!d ? html`<${Loading} />` : html`
        <div class="version-tabs" role="group" aria-label="Versions">
          ${versions.map((v) => html`<button class=${'tab' + (current && v.version === current.version ? ' active' : '')}
              aria-pressed=${current && v.version === current.version} onClick=${() => setSelected(v.version)}>
              v${v.version} <span class="muted small">${timeAgo(v.created_at)}</span></button>`)}
        </div>
        ${current && html`<${VersionView} name=${name} version=${current} key=${current.version} />`}`}
    <//>`;
}
