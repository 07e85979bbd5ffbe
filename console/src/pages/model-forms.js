// A model page's forms: upload a version (with progress), move an alias, deploy a version.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { Card, ErrorNote, Field, FormActions, UploadProgress, useSubmit, useUpload } from '../ui.js';

const EXTENSIONS = { onnx: ['.onnx'], pmml: ['.pmml', '.xml'], spark: ['.zip'] };

/** A JSON object typed in a text field: null when empty, an error message when it is not an object. */
function jsonObject(text, numbersOnly) {
  if (!text.trim()) {
    return { value: null };
  }
  try {
    const value = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return { error: 'Must be a JSON object, e.g. {"auc": 0.91}.' };
    }
    if (numbersOnly && Object.values(value).some((v) => typeof v !== 'number')) {
      return { error: 'Every metric must be a number.' };
    }
    return { value };
  } catch {
    return { error: 'Not valid JSON.' };
  }
}

export function UploadVersionForm({ model, onDone, onCancel }) {
  const [format, setFormat] = useState('onnx');
  const [file, setFile] = useState(null);
  const [llmModel, setLlmModel] = useState('');
  const [description, setDescription] = useState('');
  const [metrics, setMetrics] = useState('');
  const [params, setParams] = useState('');
  const { errors, refused, busy, submit } = useSubmit();
  const { progress, upload } = useUpload();
  const metricsJson = jsonObject(metrics, true);
  const paramsJson = jsonObject(params, false);

  const validate = () => {
    const found = {};
    if (format === 'llm') {
      if (!llmModel.trim()) found.llmModel = 'Name the provider\'s model, e.g. llama-3.1-8b-instant.';
    } else if (!file) {
      found.file = `Choose the ${format.toUpperCase()} file.`;
    } else if (!EXTENSIONS[format].some((ext) => file.name.toLowerCase().endsWith(ext))) {
      found.file = `A ${format} version is a ${EXTENSIONS[format].join(' or ')} file.`;
    }
    if (metricsJson.error) found.metrics = metricsJson.error;
    if (paramsJson.error) found.params = paramsJson.error;
    return found;
  };
  const send = async () => {
    const path = `/api/models/${api.enc(model)}/versions`;
    if (format === 'llm') {
      return onDone(await api.post(path, { format, model: llmModel.trim(), ...(description ? { description } : {}) }));
    }
    const form = new FormData();
    form.append('format', format);
    if (description) form.append('description', description);
    if (metricsJson.value) form.append('metrics', JSON.stringify(metricsJson.value));
    if (paramsJson.value) form.append('params', JSON.stringify(paramsJson.value));
    form.append('file', file, file.name);
    return onDone(await upload(path, form));
  };

  return html`
    <${Card} title="Upload a new version" id="upload-version">
      <form class="form" onSubmit=${submit(validate, send)} noValidate aria-label="Upload a new version">
        <div class="form-grid">
          <${Field} label="Format">${(id) => html`
            <select id=${id} value=${format} onChange=${(e) => setFormat(e.target.value)}>
              <option value="onnx">ONNX</option><option value="pmml">PMML</option>
              <option value="spark">Spark ML pipeline (zip)</option><option value="llm">LLM (OpenAI-compatible)</option>
            </select>`}<//>
          ${format === 'llm'
            ? html`<${Field} label="Provider model" error=${errors.llmModel} hint="Groq by default">${(id, d) => html`
                <input id=${id} value=${llmModel} onInput=${(e) => setLlmModel(e.target.value)} aria-invalid=${!!errors.llmModel}
                       aria-describedby=${d} placeholder="llama-3.1-8b-instant" />`}<//>`
            : html`<${Field} label="Model file" error=${errors.file} hint=${EXTENSIONS[format].join(', ')}>${(id, d) => html`
                <input id=${id} type="file" accept=${EXTENSIONS[format].join(',')} aria-invalid=${!!errors.file} aria-describedby=${d}
                       onChange=${(e) => setFile(e.target.files[0] || null)} />`}<//>`}
          <${Field} label="Description" wide>${(id) => html`
            <input id=${id} value=${description} onInput=${(e) => setDescription(e.target.value)} placeholder="What changed" />`}<//>
          ${format !== 'llm' && html`
            <${Field} label="Metrics (JSON)" error=${errors.metrics} hint='e.g. {"auc": 0.91}'>${(id, d) => html`
              <input id=${id} class="mono" value=${metrics} onInput=${(e) => setMetrics(e.target.value)}
                     aria-invalid=${!!errors.metrics} aria-describedby=${d} />`}<//>
            <${Field} label="Parameters (JSON)" error=${errors.params} hint='e.g. {"epochs": 20}'>${(id, d) => html`
              <input id=${id} class="mono" value=${params} onInput=${(e) => setParams(e.target.value)}
                     aria-invalid=${!!errors.params} aria-describedby=${d} />`}<//>`}
        </div>
        <${UploadProgress} progress=${progress} after="Checking the model…" />
        <${FormActions} refused=${refused} busy=${busy} label="Upload version" busyLabel="Uploading…" onCancel=${onCancel} />
      </form>
    <//>`;
}

export function AliasForm({ model, versions, aliases, onDone }) {
  const [alias, setAlias] = useState('champion');
  const [version, setVersion] = useState(String(versions[0].version));
  const { errors, refused, busy, submit } = useSubmit();
  const validate = () => (/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(alias) ? {}
    : { alias: 'Starts with a letter; letters, digits, "_" and "-".' });
  const send = async () => {
    await api.put(`/api/models/${api.enc(model)}/aliases/${api.enc(alias)}`, { version: Number(version) });
    onDone();
  };

  return html`
    <form class="form inline-form" onSubmit=${submit(validate, send)} noValidate aria-label="Move an alias">
      <${Field} label="Alias" error=${errors.alias}>${(id, d) => html`
        <input id=${id} list="alias-names" value=${alias} onInput=${(e) => setAlias(e.target.value)}
               aria-invalid=${!!errors.alias} aria-describedby=${d} />
        <datalist id="alias-names">${Object.keys(aliases).map((a) => html`<option value=${a} />`)}</datalist>`}<//>
      <${Field} label="Version">${(id) => html`
        <select id=${id} value=${version} onChange=${(e) => setVersion(e.target.value)}>
          ${versions.map((v) => html`<option value=${v.version}>v${v.version}</option>`)}
        </select>`}<//>
      <button type="submit" disabled=${busy}>${aliases[alias] ? 'Move alias' : 'Set alias'}</button>
      <${ErrorNote} error=${refused} />
    </form>`;
}

export function DeployForm({ model, version, onCancel }) {
  const [name, setName] = useState(`${model}-v${version}`.slice(0, 128));
  const [replicas, setReplicas] = useState('1');
  const { errors, refused, busy, submit } = useSubmit();
  const count = Number(replicas);
  const validate = () => {
    const found = {};
    if (api.nameProblem(name)) found.name = api.nameProblem(name);
    if (!Number.isInteger(count) || count < 1 || count > 16) found.replicas = 'Between 1 and 16.';
    return found;
  };
  const send = async () => {
    const deployment = await api.post('/api/deployments', { name, model, version, replicas: count });
    location.hash = '#/deployments/' + api.enc(deployment.name);
  };

  return html`
    <form class="form deploy-form" onSubmit=${submit(validate, send)} noValidate aria-label="Deploy this version">
      <div class="form-grid">
        <${Field} label="Deployment name" error=${errors.name}>${(id, d) => html`
          <input id=${id} value=${name} onInput=${(e) => setName(e.target.value)} aria-invalid=${!!errors.name} aria-describedby=${d} />`}<//>
        <${Field} label="Replicas" error=${errors.replicas} hint="1 to 16, spread over the execution nodes">${(id, d) => html`
          <input id=${id} type="number" min="1" max="16" value=${replicas} onInput=${(e) => setReplicas(e.target.value)}
                 aria-invalid=${!!errors.replicas} aria-describedby=${d} />`}<//>
      </div>
      <${FormActions} refused=${refused} busy=${busy} label=${`Deploy v${version}`} busyLabel="Deploying…" onCancel=${onCancel} />
    </form>`;
}
