// "Try it": a prediction form built from the served version's signature.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { Card, ErrorNote, Field, Loading, number, useResource, useSubmit } from '../ui.js';

const NUMERIC = /^(float|double|int|long|short|byte|uint|integer|number)/i;

/**
 * The fields the signature asks for: one tensor of shape [-1, n] gives n numeric fields (named after the training
 * features when known); scalar inputs (PMML) give one field each; an LLM a prompt; anything else a JSON editor.
 */
function fieldsOf(version) {
  const inputs = (version.signature && version.signature.inputs) || [];
  if (version.format === 'llm') {
    return { kind: 'object', fields: [{ key: 'prompt', label: 'Prompt', text: true }] };
  }
  if (inputs.length === 1 && inputs[0].shape && inputs[0].shape.length === 2 && inputs[0].shape[1] > 0
      && inputs[0].shape[1] <= 64) {
    const names = (version.params && version.params.features) || [];
    const n = inputs[0].shape[1];
    return {
      kind: 'array',
      fields: Array.from({ length: n }, (_, i) => ({
        key: String(i), label: names.length === n ? names[i] : `${inputs[0].name}[${i}]`, numeric: NUMERIC.test(inputs[0].type),
      })),
    };
  }
  if (inputs.length > 0 && inputs.every((i) => !i.shape || i.shape.length <= 1 || i.shape.every((s) => s === 1 || s === -1))) {
    return { kind: 'object', fields: inputs.map((i) => ({ key: i.name, label: i.name, numeric: NUMERIC.test(i.type || '') })) };
  }
  return { kind: 'json', fields: [] };
}

function Outputs({ outputs }) {
  return html`<div class="prediction" role="status" aria-live="polite">
    ${outputs.map((row, i) => html`<dl class="kv">
      ${outputs.length > 1 && html`<dt>row</dt><dd>${i + 1}</dd>`}
      ${Object.entries(row).map(([k, v]) => html`<dt>${k}</dt><dd class="mono">${Array.isArray(v)
        ? v.map((x) => (typeof x === 'number' ? number(x) : JSON.stringify(x))).join(', ') : typeof v === 'object' ? JSON.stringify(v) : number(v)}</dd>`)}
    </dl>`)}
  </div>`;
}

export function TryIt({ deployment, version, ready, onPredicted }) {
  const served = useResource(() => api.get(`/api/models/${api.enc(deployment.model)}/versions/${api.enc(String(version))}`),
    [deployment.model, version]);
  const [values, setValues] = useState({});
  const [json, setJson] = useState('[[]]');
  const [answer, setAnswer] = useState(null);
  const { errors, refused, busy, submit } = useSubmit();

  if (!served.data) {
    return html`<${Card} title="Try it">${served.error ? html`<${ErrorNote} error=${served.error} />` : html`<${Loading} />`}<//>`;
  }
  const shape = fieldsOf(served.data);

  /** The request's rows from the form, and what is wrong with them. */
  const read = () => {
    const found = {};
    if (shape.kind === 'json') {
      try {
        const rows = JSON.parse(json);
        return Array.isArray(rows) ? { found, rows } : { found: { json: 'The inputs are a JSON array of rows.' } };
      } catch {
        return { found: { json: 'Not valid JSON.' } };
      }
    }
    const parsed = shape.fields.map((f) => {
      const text = (values[f.key] ?? '').trim();
      if (!text) {
        found[f.key] = 'Required.';
      } else if (f.numeric && !Number.isFinite(Number(text))) {
        found[f.key] = 'A number.';
      }
      return f.numeric ? Number(text) : text;
    });
    const row = shape.kind === 'array' ? parsed : Object.fromEntries(shape.fields.map((f, i) => [f.key, parsed[i]]));
    return { found, rows: [row] };
  };
  const send = async () => {
    setAnswer(null);
    const started = performance.now();
    const result = await api.post(`/api/deployments/${api.enc(deployment.name)}/predict`, { inputs: read().rows });
    setAnswer({ result, ms: performance.now() - started });
    onPredicted && onPredicted();
  };

  return html`
    <${Card} title="Try it" id="try-it" actions=${html`<span class="muted small">${served.data.format} · v${served.data.version}</span>`}>
      <form class="form" onSubmit=${submit(() => read().found, send)} noValidate aria-label="Try a prediction">
        ${shape.kind === 'json'
          ? html`<${Field} label="Inputs (JSON rows)" error=${errors.json} wide hint="e.g. [[0.5, 1.2]] or [{&quot;x1&quot;: 1}]">${(id, d) => html`
              <textarea id=${id} class="mono" rows="4" value=${json} onInput=${(e) => setJson(e.target.value)}
                        aria-invalid=${!!errors.json} aria-describedby=${d}></textarea>`}<//>`
          : html`<div class="form-grid try-grid">${shape.fields.map((f) => html`
              <${Field} label=${f.label} error=${errors[f.key]} wide=${f.text}>${(id, d) => f.text
                ? html`<textarea id=${id} rows="3" value=${values[f.key] || ''} aria-invalid=${!!errors[f.key]} aria-describedby=${d}
                                 onInput=${(e) => setValues({ ...values, [f.key]: e.target.value })}></textarea>`
                : html`<input id=${id} value=${values[f.key] || ''} inputmode=${f.numeric ? 'decimal' : 'text'} class="mono"
                              aria-invalid=${!!errors[f.key]} aria-describedby=${d} placeholder=${f.numeric ? '0.0' : ''}
                              onInput=${(e) => setValues({ ...values, [f.key]: e.target.value })} />`}<//>`)}
            </div>`}
        <div class="form-actions">
          <button type="submit" class="primary" disabled=${busy}>${busy ? 'Predicting…' : 'Predict'}</button>
          ${!ready && html`<span class="muted small">No replica is ready yet: the API will say so.</span>`}
        </div>
        <${ErrorNote} error=${refused} />
        ${answer && html`<div class="answer">
          <p class="small muted">Answered by ${answer.result.model} v${answer.result.version} in ${Math.round(answer.ms)} ms</p>
          <${Outputs} outputs=${answer.result.outputs || []} /></div>`}
      </form>
    <//>`;
}
