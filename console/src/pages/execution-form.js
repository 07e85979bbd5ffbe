// The form that starts an execution of each type (transform, train, batch_predict, evaluate, monitor), checked before it is sent.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { Card, Field, FormActions, useResource, useSubmit } from '../ui.js';

export const TYPES = {
  transform: 'Transform a dataset',
  train: 'Train a model',
  batch_predict: 'Score a dataset (batch prediction)',
  evaluate: 'Evaluate a model',
  monitor: 'Drift report of a deployment',
};

const ALGORITHMS = ['logistic_regression', 'linear_regression', 'random_forest_classifier', 'random_forest_regressor',
  'gbt_classifier', 'gbt_regressor', 'kmeans'];

const STEP_KINDS = {
  select: { label: 'Select columns', hint: 'columns, comma-separated', columns: true },
  filter: { label: 'Filter rows', hint: 'a Spark SQL condition, e.g. amount > 10' },
  rename: { label: 'Rename', hint: 'old:new, comma-separated' },
  sample: { label: 'Sample', hint: 'a fraction between 0 and 1' },
  standardize: { label: 'Standardize', hint: 'numeric columns, comma-separated', columns: true },
  normalize: { label: 'Normalize (min-max)', hint: 'numeric columns, comma-separated', columns: true },
  sql: { label: 'SQL', hint: 'a query over the table data' },
};

const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

/** The latest version's columns of a dataset (name → type), or {} while unknown. */
function useColumns(dataset) {
  const [columns, setColumns] = useState({});
  useEffect(() => {
    setColumns({});
    if (!dataset) return;
    api.get('/api/datasets/' + api.enc(dataset)).then((d) => {
      const latest = (d.versions || []).reduce((a, b) => (!a || b.version > a.version ? b : a), null);
      setColumns(Object.fromEntries(((latest && latest.schema) || []).map((c) => [c.name, c.type])));
    }).catch(() => setColumns({}));
  }, [dataset]);
  return columns;
}

/** Turns one step row into the API's step, or a message saying what is wrong. */
function buildStep(step, columns) {
  const kind = STEP_KINDS[step.kind];
  const text = step.value.trim();
  if (!text) return { error: `${kind.label}: ${kind.hint}.` };
  if (kind.columns) {
    const names = list(text);
    const unknown = Object.keys(columns).length ? names.filter((n) => !(n in columns)) : [];
    return unknown.length ? { error: `Unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.` }
      : { value: { [step.kind]: names } };
  }
  if (step.kind === 'sample') {
    const fraction = Number(text);
    return fraction > 0 && fraction <= 1 ? { value: { sample: fraction } } : { error: 'A fraction above 0, at most 1.' };
  }
  if (step.kind === 'rename') {
    const pairs = list(text).map((p) => p.split(':').map((s) => s.trim()));
    if (pairs.some((p) => p.length !== 2 || !p[0] || !p[1])) return { error: 'Write old:new pairs.' };
    return { value: { rename: Object.fromEntries(pairs) } };
  }
  return { value: { [step.kind]: text } };
}

export function ExecutionForm({ presetType, presetDataset, onStarted, onCancel }) {
  const [type, setType] = useState(presetType || 'transform');
  const [dataset, setDataset] = useState(presetDataset || '');
  const [model, setModel] = useState('');
  const [output, setOutput] = useState(presetDataset ? presetDataset + '-clean' : '');
  const [steps, setSteps] = useState([{ kind: 'filter', value: '' }]);
  const [split, setSplit] = useState('');
  const [algorithm, setAlgorithm] = useState('logistic_regression');
  const [features, setFeatures] = useState([]);
  const [label, setLabel] = useState('');
  const [params, setParams] = useState('');
  const [missing, setMissing] = useState('drop');
  const [outputFormat, setOutputFormat] = useState('csv');
  const [deployment, setDeployment] = useState('');
  const [windowMinutes, setWindowMinutes] = useState('60');
  const { errors, refused, busy, submit, reset } = useSubmit();
  const datasets = useResource(() => api.get('/api/datasets?limit=500'), []);
  const models = useResource(() => api.get('/api/models?limit=500'), []);
  const deployments = useResource(() => (type === 'monitor' ? api.get('/api/deployments?limit=500') : Promise.resolve(null)), [type]);
  const columns = useColumns(dataset);
  const columnNames = Object.keys(columns);

  const setStep = (i, change) => setSteps(steps.map((s, j) => (j === i ? { ...s, ...change } : s)));
  const toggleFeature = (name) => setFeatures(features.includes(name) ? features.filter((f) => f !== name) : [...features, name]);

  const build = () => {
    const found = {};
    if (type === 'monitor') {
      // the baseline is optional: by default the data the deployed version was trained on
      const body = { type, deployment, window_minutes: Number(windowMinutes) };
      if (!deployment) found.deployment = 'Choose a deployment.';
      if (!(Number.isInteger(body.window_minutes) && body.window_minutes > 0)) found.window = 'Whole minutes, e.g. 60.';
      if (dataset) body.baseline = { dataset };
      return { found, body };
    }
    const body = { type, dataset };
    if (!dataset) found.dataset = 'Choose a dataset.';
    if (type === 'transform') {
      const built = steps.map((s) => buildStep(s, columns));
      built.forEach((b, i) => { if (b.error) found['step' + i] = b.error; });
      body.steps = built.map((b) => b.value);
      if (split.trim()) {
        const train = Number(split);
        if (!(train > 0 && train < 1)) found.split = 'A fraction between 0 and 1, e.g. 0.8.';
        else body.split = { train };
      }
    }
    if (type === 'train') {
      if (!api.NAME_PATTERN.test(model)) found.model = `Name the model to register: ${api.NAME_RULE}.`;
      body.model = model;
      body.algorithm = algorithm;
      // none picked: the platform takes every column but the label
      if (features.length) body.features = features;
      body.missing = missing;
      if (algorithm !== 'kmeans') {
        if (!label) found.label = 'Pick the label column.';
        else if (features.includes(label)) found.label = 'The label cannot also be a feature.';
        body.label = label;
      }
      if (params.trim()) {
        try {
          body.params = JSON.parse(params);
          if (typeof body.params !== 'object' || Array.isArray(body.params)) throw new Error();
        } catch {
          found.params = 'A JSON object, e.g. {"maxIter": 50}.';
        }
      }
    }
    if (type === 'batch_predict' || type === 'evaluate') {
      if (!model) found.model = 'Choose a model.';
      body.model = model;
      if (features.length) body.features = features;
      if (type === 'evaluate' && label) body.label = label;
    }
    if (type === 'transform' || type === 'batch_predict') {
      if (!api.NAME_PATTERN.test(output)) found.output = `Name the output dataset: ${api.NAME_RULE}.`;
      body.output = output;
      body.output_format = outputFormat;
    }
    return { found, body };
  };

  const send = async () => onStarted(await api.post('/api/executions', build().body));

  const datasetField = html`<${Field} label=${type === 'monitor' ? 'Baseline dataset' : 'Dataset'} error=${errors.dataset}
      hint=${type === 'monitor' ? 'by default, the data the deployed version was trained on' : undefined}>${(id, d) => html`
    <select id=${id} value=${dataset} onChange=${(e) => { setDataset(e.target.value); setFeatures([]); setLabel(''); }}
            aria-invalid=${!!errors.dataset} aria-describedby=${d}>
      <option value="">${type === 'monitor' ? 'The training data' : 'Choose…'}</option>
      ${((datasets.data && datasets.data.items) || []).map((x) => html`<option value=${x.name}>${x.name}</option>`)}
    </select>`}<//>`;
  const featureField = (title, hint) => html`<fieldset class=${'field wide checks' + (errors.features ? ' invalid' : '')}>
    <legend>${title}</legend>
    ${columnNames.length === 0 ? html`<span class="hint">Choose a dataset to list its columns.</span>`
      : columnNames.map((c) => html`<label class="check"><input type="checkbox" checked=${features.includes(c)}
          aria-invalid=${!!errors.features} onChange=${() => toggleFeature(c)} />${c} <span class="muted">${columns[c]}</span></label>`)}
    ${errors.features ? html`<span class="field-error">${errors.features}</span>` : hint && html`<span class="hint">${hint}</span>`}
  </fieldset>`;

  return html`
    <${Card} title=${presetType ? TYPES[presetType] : 'Start an execution'} id="start-execution">
      <form class="form" onSubmit=${submit(() => build().found, send)} noValidate aria-label="Start an execution">
        <div class="form-grid">
          ${!presetType && html`<${Field} label="Type">${(id) => html`
            <select id=${id} value=${type} onChange=${(e) => { setType(e.target.value); reset(); }}>
              ${Object.entries(TYPES).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
            </select>`}<//>`}
          ${type === 'monitor' && html`<${Field} label="Deployment" error=${errors.deployment}>${(id, d) => html`
            <select id=${id} value=${deployment} onChange=${(e) => setDeployment(e.target.value)} aria-invalid=${!!errors.deployment} aria-describedby=${d}>
              <option value="">Choose…</option>
              ${((deployments.data && deployments.data.items) || []).map((x) => html`<option value=${x.name}>${x.name}</option>`)}
            </select>`}<//>
            <${Field} label="Window (minutes)" error=${errors.window} hint="the logged predictions of the last minutes">${(id, d) => html`
              <input id=${id} value=${windowMinutes} inputmode="numeric" onInput=${(e) => setWindowMinutes(e.target.value)}
                     aria-invalid=${!!errors.window} aria-describedby=${d} />`}<//>`}
          ${datasetField}
          ${(type === 'batch_predict' || type === 'evaluate') && html`<${Field} label="Model" error=${errors.model}>${(id, d) => html`
            <select id=${id} value=${model} onChange=${(e) => setModel(e.target.value)} aria-invalid=${!!errors.model} aria-describedby=${d}>
              <option value="">Choose…</option>
              ${((models.data && models.data.items) || []).map((x) => html`<option value=${x.name}>${x.name}</option>`)}
            </select>`}<//>`}
          ${type === 'train' && html`
            <${Field} label="Algorithm">${(id) => html`
              <select id=${id} value=${algorithm} onChange=${(e) => setAlgorithm(e.target.value)}>
                ${ALGORITHMS.map((a) => html`<option value=${a}>${a.replaceAll('_', ' ')}</option>`)}
              </select>`}<//>
            ${algorithm !== 'kmeans' && html`<${Field} label="Label column" error=${errors.label}>${(id, d) => html`
              <select id=${id} value=${label} onChange=${(e) => setLabel(e.target.value)} aria-invalid=${!!errors.label} aria-describedby=${d}>
                <option value="">Choose…</option>${columnNames.map((c) => html`<option value=${c}>${c}</option>`)}
              </select>`}<//>`}
            <${Field} label="Register as model" error=${errors.model} hint="created if new">${(id, d) => html`
              <input id=${id} value=${model} onInput=${(e) => setModel(e.target.value)} aria-invalid=${!!errors.model} aria-describedby=${d} />`}<//>
            <${Field} label="Parameters (JSON)" error=${errors.params} hint='e.g. {"maxIter": 50}'>${(id, d) => html`
              <input id=${id} class="mono" value=${params} onInput=${(e) => setParams(e.target.value)} aria-invalid=${!!errors.params} aria-describedby=${d} />`}<//>
            <${Field} label="Missing values" hint="rows with a missing feature: left out, or filled in">${(id, d) => html`
              <select id=${id} value=${missing} onChange=${(e) => setMissing(e.target.value)} aria-describedby=${d}>
                <option value="drop">leave the row out</option><option value="mean">fill with the mean</option>
                <option value="median">fill with the median</option>
              </select>`}<//>`}
          ${(type === 'transform' || type === 'batch_predict') && html`<${Field} label="Output dataset" error=${errors.output}>${(id, d) => html`
            <input id=${id} value=${output} onInput=${(e) => setOutput(e.target.value)} aria-invalid=${!!errors.output} aria-describedby=${d}
                   placeholder="a new dataset's name" />`}<//>`}
          ${(type === 'transform' || type === 'batch_predict') && html`<${Field} label="Output format">${(id) => html`
            <select id=${id} value=${outputFormat} onChange=${(e) => setOutputFormat(e.target.value)}>
              <option value="csv">CSV</option><option value="parquet">Parquet</option>
            </select>`}<//>`}
          ${type === 'evaluate' && html`<${Field} label="Label column" hint="ONNX and PMML models; Spark models know theirs">${(id, d) => html`
            <select id=${id} value=${label} onChange=${(e) => setLabel(e.target.value)} aria-describedby=${d}>
              <option value="">—</option>${columnNames.map((c) => html`<option value=${c}>${c}</option>`)}
            </select>`}<//>`}
          ${type === 'transform' && html`<${Field} label="Train split (optional)" error=${errors.split} hint="e.g. 0.8 writes -train and -test">${(id, d) => html`
            <input id=${id} value=${split} inputmode="decimal" onInput=${(e) => setSplit(e.target.value)} aria-invalid=${!!errors.split} aria-describedby=${d} />`}<//>`}
          ${type === 'train' && featureField('Feature columns', 'None picked: every column but the label (string columns are one-hot encoded).')}
          ${(type === 'batch_predict' || type === 'evaluate') && featureField('Feature columns (ONNX models: in input order)',
            'Spark and PMML models use the columns they were trained on.')}
        </div>
        ${type === 'transform' && html`<fieldset class="steps"><legend>Steps, applied in order</legend>
          ${steps.map((step, i) => html`<div class=${'step' + (errors['step' + i] ? ' invalid' : '')}>
            <span class="step-number" aria-hidden="true">${i + 1}</span>
            <label class="sr-only" for=${'step-kind-' + i}>Step ${i + 1} kind</label>
            <select id=${'step-kind-' + i} value=${step.kind} onChange=${(e) => setStep(i, { kind: e.target.value })}>
              ${Object.entries(STEP_KINDS).map(([k, v]) => html`<option value=${k}>${v.label}</option>`)}
            </select>
            <label class="sr-only" for=${'step-value-' + i}>Step ${i + 1} value</label>
            <input id=${'step-value-' + i} value=${step.value} placeholder=${STEP_KINDS[step.kind].hint}
                   onInput=${(e) => setStep(i, { value: e.target.value })} aria-invalid=${!!errors['step' + i]} />
            <button type="button" class="icon-button" aria-label=${'Remove step ' + (i + 1)} disabled=${steps.length === 1}
                    onClick=${() => setSteps(steps.filter((_, j) => j !== i))}>×</button>
            ${errors['step' + i] && html`<span class="field-error">${errors['step' + i]}</span>`}
          </div>`)}
          <button type="button" onClick=${() => setSteps([...steps, { kind: 'select', value: '' }])}>Add step</button>
          ${columnNames.length > 0 && html`<p class="hint">Columns: ${columnNames.join(', ')}</p>`}
        </fieldset>`}
        <${FormActions} refused=${refused} busy=${busy} label="Start execution" busyLabel="Starting…" onCancel=${onCancel} />
      </form>
    <//>`;
}
