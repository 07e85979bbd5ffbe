// Workflows: the list (with the shipped examples one click away), a workflow's steps as a graph with a form that
// starts a run and its recent runs, and a run's page where the same graph follows each step's status live.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { useEvents } from '../events.js';
import {
  Card, Empty, ErrorNote, Field, FormActions, Loading, Page, Pill, Progress, duration, number, timeAgo, useResource, useSubmit,
} from '../ui.js';

const ACTIVE = (status) => status === 'queued' || status === 'running';
const runHref = (name, id) => `#/workflows/${api.enc(name)}/runs/${id}`;
const json = (value) => JSON.stringify(value, null, 2);

/** Every step of a definition, branches included, by id. */
function stepsById(steps, into = {}) {
  for (const step of steps || []) {
    into[step.id] = step;
    if (step.kind === 'parallel') Object.values(step.branches || {}).forEach((branch) => stepsById(branch, into));
  }
  return into;
}

/** Where a step may go besides the next one: a route's branches, a jump, the end. */
function exits(step) {
  if (step.kind === 'route') {
    const targets = Object.entries(step.branches || {});
    return step.default ? [...targets, ['default', step.default]] : targets;
  }
  if (step.next) return [['next', step.next]];
  return step.end ? [['end', null]] : [];
}

/** A step's status as shown: a step a finished run never reached was skipped. */
function shownStatus(state, runStatus) {
  if (!state) return null;
  return state.status === 'pending' && runStatus && !ACTIVE(runStatus) ? 'skipped' : state.status;
}

function StepNode({ step, state, runStatus, selected, onSelect }) {
  const status = shownStatus(state, runStatus);
  const progress = state && state.progress;
  return html`<li class="flow-item">
    <button type="button" class=${'node' + (status ? ' node-' + status : '')} aria-pressed=${selected}
            data-step=${step.id} data-status=${status || undefined} onClick=${() => onSelect(selected ? null : step.id)}
            aria-label=${`Step ${step.id}, ${step.kind}${status ? ', ' + status : ''}`}>
      <span class="node-kind">${step.kind}</span>
      <span class="node-id">${step.id}</span>
      ${status && html`<${Pill} status=${status} />`}
      ${progress && progress.total ? html`<span class="node-progress">
        <${Progress} value=${progress.done / progress.total} label=${`Progress of step ${step.id}`} />
        <span class="muted small">${progress.done}/${progress.total}</span></span>` : null}
    </button>
    ${exits(step).length > 0 && html`<ul class="exits" aria-label=${`Where ${step.id} goes`}>
      ${exits(step).map(([label, target]) => html`<li><span class="exit-label">${label}</span>${target ? html` → <strong>${target}</strong>` : ''}</li>`)}
    </ul>`}
  </li>`;
}

/** Steps in order, left to right (top-down in a narrow window); a parallel step's branches side by side. */
function Sequence({ steps, states, runStatus, selected, onSelect }) {
  return html`<ol class="flow">
    ${steps.map((step) => (step.kind === 'parallel' ? html`<li class="flow-item flow-parallel">
      <ol class="flow"><${StepNode} step=${step} state=${states && states[step.id]} runStatus=${runStatus}
                                   selected=${selected === step.id} onSelect=${onSelect} /></ol>
      <div class="branches">${Object.entries(step.branches || {}).map(([name, branch]) => html`
        <div class="branch"><span class="branch-name">${name}</span>
          <${Sequence} steps=${branch} states=${states} runStatus=${runStatus} selected=${selected} onSelect=${onSelect} />
        </div>`)}</div>
    </li>` : html`<${StepNode} step=${step} state=${states && states[step.id]} runStatus=${runStatus}
                               selected=${selected === step.id} onSelect=${onSelect} />`))}
  </ol>`;
}

/** A definition's steps as a graph; with {@code states} (id → the run's step), coloured by each step's status. */
function StepGraph({ steps, states, runStatus, selected, onSelect }) {
  return html`<div class="step-graph" role="group" aria-label="Steps">
    <${Sequence} steps=${steps} states=${states} runStatus=${runStatus} selected=${selected} onSelect=${onSelect} />
  </div>`;
}

function Json({ value, label }) {
  return html`<pre class="json" tabindex="0" aria-label=${label}>${value === undefined ? '—' : json(value)}</pre>`;
}

export function Workflows() {
  const workflows = useResource(async () => {
    const page = await api.get('/api/workflows?limit=100');
    // the list holds no definitions: each workflow's latest one gives its steps
    const items = await Promise.all(page.items.map((w) => api.get('/api/workflows/' + api.enc(w.name))
      .then((full) => ({ ...w, steps: full.definition.steps })).catch(() => w)));
    return { ...page, items };
  }, []);
  const [installed, setInstalled] = useState(null);
  const [refused, setRefused] = useState(null);
  const [busy, setBusy] = useState(false);
  const items = (workflows.data && workflows.data.items) || [];

  const install = async () => {
    setRefused(null);
    setBusy(true);
    try {
      setInstalled((await api.post('/api/workflow-examples')).installed);
      workflows.reload();
    } catch (failure) {
      setRefused(failure);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <${Page} title="Workflows" subtitle="Chains of platform operations: call, gate, route, parallel, map and optimize steps run by the hub"
             actions=${html`<button class=${items.length === 0 ? 'primary' : ''} onClick=${install} disabled=${busy}>
               ${busy ? 'Installing…' : 'Install examples'}</button>`}>
      <${ErrorNote} error=${workflows.error || refused} />
      ${installed && html`<p class="note" role="status">Installed ${installed.map((w) => `${w.name} v${w.version}`).join(', ')}.</p>`}
      <${Card}>
        ${workflows.loading ? html`<${Loading} />` : items.length === 0
          ? html`<${Empty} title="No workflows yet">Install the shipped examples, or define one with POST /api/workflows.<//>`
          : html`<div class="table-wrap"><table>
              <thead><tr><th>Name</th><th>Version</th><th>Description</th><th>Steps</th><th>Updated</th></tr></thead>
              <tbody>${items.map((w) => html`<tr data-workflow=${w.name}>
                <td class="nowrap"><a class="strong" href=${'#/workflows/' + api.enc(w.name)}>${w.name}</a></td>
                <td>v${w.latest_version}</td>
                <td class="muted">${w.description || '—'}</td>
                <td>${w.steps ? Object.keys(stepsById(w.steps)).length : '—'}</td>
                <td class="muted nowrap">${timeAgo(w.updated_at)}</td></tr>`)}</tbody></table></div>`}
      <//>
    <//>`;
}

/** A JSON skeleton of the input a schema asks for: its required properties with empty values. */
function skeleton(schema) {
  const blank = { string: '', array: [], number: 0, integer: 0, boolean: false, object: {} };
  const properties = (schema && schema.properties) || {};
  return json(Object.fromEntries(((schema && schema.required) || [])
    .map((key) => [key, blank[(properties[key] || {}).type] ?? null])));
}

function RunForm({ workflow, onStarted }) {
  const schema = workflow.definition.input_schema;
  const [input, setInput] = useState(() => skeleton(schema));
  const { errors, refused, busy, submit } = useSubmit();
  const validate = () => {
    try {
      const value = JSON.parse(input);
      return value && typeof value === 'object' && !Array.isArray(value) ? {} : { input: 'The input must be a JSON object.' };
    } catch (e) {
      return { input: 'Not JSON: ' + e.message };
    }
  };
  const send = async () => onStarted(await api.post(`/api/workflows/${api.enc(workflow.name)}/runs`, { input: JSON.parse(input) }));
  const properties = Object.entries((schema && schema.properties) || {});
  const required = new Set((schema && schema.required) || []);
  return html`
    <form class="form" onSubmit=${submit(validate, send)} noValidate aria-label="Start a run">
      <${Field} label="Input (JSON)" error=${errors.input} hint="The run's input, checked against the workflow's input schema" wide>${(id, d) => html`
        <textarea id=${id} class="mono" rows=${Math.min(12, Math.max(4, input.split('\n').length + 1))} spellcheck="false"
                  value=${input} onInput=${(e) => setInput(e.target.value)} aria-invalid=${!!errors.input} aria-describedby=${d}></textarea>`}<//>
      ${properties.length > 0 && html`<dl class="schema">${properties.map(([key, p]) => html`
        <div><dt class="mono">${key}${required.has(key) ? '' : '?'}</dt>
          <dd><span class="muted">${p.type || 'any'}${p.items && p.items.type ? ' of ' + p.items.type : ''}</span>${p.description ? ' · ' + p.description : ''}</dd></div>`)}</dl>`}
      <${FormActions} refused=${refused} busy=${busy} label="Start run" busyLabel="Starting…" />
    </form>`;
}

function RunsTable({ runs, name }) {
  if (runs.length === 0) return html`<${Empty} title="No runs yet">Start one with the form.<//>`;
  return html`<div class="table-wrap"><table>
    <thead><tr><th>Run</th><th>Status</th><th>Version</th><th>Started</th><th>Duration</th></tr></thead>
    <tbody>${runs.map((r) => html`<tr data-run=${r.id}>
      <td><a class="mono strong" href=${runHref(name, r.id)}>${r.id.slice(0, 8)}</a></td>
      <td><${Pill} status=${r.status} /></td><td>v${r.version}</td>
      <td class="muted nowrap">${timeAgo(r.started_at || r.created_at)}</td>
      <td class="muted nowrap">${r.started_at ? duration(r.started_at, r.finished_at) : '—'}</td></tr>`)}</tbody></table></div>`;
}

/** The definition of a step (what the user wrote), shown when it is selected on the workflow's page. */
function StepDefinition({ step }) {
  return html`<${Card} title=${`Step ${step.id}`} class="step-detail">
    <${Json} value=${step} label=${`Definition of step ${step.id}`} /><//>`;
}

export function WorkflowPage({ name }) {
  const workflow = useResource(() => api.get('/api/workflows/' + api.enc(name)), [name]);
  const runs = useResource(() => api.get(`/api/workflows/${api.enc(name)}/runs?limit=10`), [name], { eventPrefix: 'workflow.run' });
  const [selected, setSelected] = useState(null);
  const w = workflow.data;
  if (!w) {
    return html`<${Page} title=${name} back=${{ href: '#/workflows', label: 'Workflows' }}>
      ${workflow.error ? html`<${ErrorNote} error=${workflow.error} />` : html`<${Loading} />`}<//>`;
  }
  const step = selected && stepsById(w.definition.steps)[selected];
  return html`
    <${Page} title=${name} back=${{ href: '#/workflows', label: 'Workflows' }}
             subtitle=${html`v${w.version}${w.definition.description ? ' · ' + w.definition.description : ''}`}>
      <${Card} title="Steps" id="steps">
        <${StepGraph} steps=${w.definition.steps} selected=${selected} onSelect=${setSelected} />
        ${!step && html`<p class="hint">Select a step to read its definition.</p>`}
      <//>
      ${step && html`<${StepDefinition} step=${step} />`}
      <div class="grid-2 top">
        <${Card} title="Start a run" id="start-run">
          <${RunForm} workflow=${w} onStarted=${(run) => { location.hash = runHref(name, run.id); }} />
        <//>
        <${Card} title="Recent runs" id="runs">
          <${ErrorNote} error=${runs.error} />
          ${runs.data ? html`<${RunsTable} runs=${runs.data.items} name=${name} />` : html`<${Loading} />`}
        <//>
      </div>
    <//>`;
}

/** A run's step: its status, timings, progress, inputs, output and error. */
function StepState({ state, runStatus }) {
  const status = shownStatus(state, runStatus);
  return html`<${Card} title=${`Step ${state.id}`} class="step-detail"
                       actions=${html`<${Pill} status=${status} />`}>
    <dl class="facts">
      <div><dt>Kind</dt><dd>${state.kind}</dd></div>
      ${state.parent && html`<div><dt>In</dt><dd>${state.parent}</dd></div>`}
      <div><dt>Started</dt><dd>${state.started_at ? timeAgo(state.started_at) : '—'}</dd></div>
      <div><dt>Duration</dt><dd>${state.duration_ms != null ? number(state.duration_ms) + ' ms' : state.started_at ? duration(state.started_at) : '—'}</dd></div>
      <div><dt>Attempt</dt><dd>${state.attempt || '—'}</dd></div>
      <div><dt>Node</dt><dd class="mono">${state.node || '—'}</dd></div>
      ${state.tasks_done != null && html`<div><dt>Tasks done</dt><dd>${state.tasks_done}</dd></div>`}
    </dl>
    ${state.progress && state.progress.total ? html`<div class="step-progress">
      <${Progress} value=${state.progress.done / state.progress.total} label=${`Progress of step ${state.id}`} />
      <span class="muted small">${state.progress.done} of ${state.progress.total}${state.progress.best != null ? ' · best ' + number(state.progress.best.value ?? state.progress.best) : ''}</span></div>` : null}
    ${state.error && html`<div class="error-note" role="alert"><strong>${state.error.code || 'Failed'}</strong>
      <span class="error-message">${state.error.message}</span></div>`}
    <div class="grid-2 top">
      <div><h3>Inputs</h3><${Json} value=${state.inputs} label=${`Inputs of step ${state.id}`} /></div>
      <div><h3>Output</h3><${Json} value=${state.output} label=${`Output of step ${state.id}`} /></div>
    </div>
  <//>`;
}

export function RunPage({ name, id }) {
  const run = useResource(() => api.get('/api/workflow-runs/' + id), [id], { pollMs: 5000, poll: (r) => r && ACTIVE(r.status) });
  const [definition, setDefinition] = useState(null);
  const [selected, setSelected] = useState(null);
  const [updates, setUpdates] = useState(0);
  const [refused, setRefused] = useState(null);
  const timer = useRef(null);
  const version = run.data && run.data.version;
  useEffect(() => {
    if (version == null) return;
    // the run keeps the version it ran; a deleted workflow leaves the run's flat list of steps
    api.get(`/api/workflows/${api.enc(name)}?version=${version}`).then((w) => setDefinition(w.definition))
      .catch(() => setDefinition(false));
  }, [name, version]);
  useEvents('workflow.', (event) => {
    const payload = event.payload || {};
    if (payload.run !== id || !run.data) return;
    setUpdates((n) => n + 1);
    // the status at once; outputs and timings with the next read
    const r = run.data;
    if (event.operation === 'workflow.step') {
      run.setData({ ...r, steps: r.steps.map((s) => (s.id === payload.step ? { ...s, status: payload.status,
        ...(payload.progress ? { progress: payload.progress } : {}), ...(payload.error ? { error: payload.error } : {}) } : s)) });
    } else {
      run.setData({ ...r, status: payload.status });
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(run.reload, 150);
  });
  useEffect(() => () => clearTimeout(timer.current), []);

  const r = run.data;
  const back = { href: '#/workflows/' + api.enc(name), label: name };
  if (!r) {
    return html`<${Page} title=${'Run ' + id.slice(0, 8)} back=${back}>
      ${run.error ? html`<${ErrorNote} error=${run.error} />` : html`<${Loading} />`}<//>`;
  }
  const states = Object.fromEntries((r.steps || []).map((s) => [s.id, s]));
  const graphSteps = definition ? definition.steps : definition === false ? r.steps : null;
  const done = (r.steps || []).filter((s) => s.status === 'succeeded').length;
  const cancel = async () => {
    setRefused(null);
    try {
      run.setData(await api.post(`/api/workflow-runs/${id}/cancel`));
    } catch (failure) {
      setRefused(failure);
    }
  };
  return html`
    <${Page} title=${`${name} run`} back=${back} subtitle=${html`<span class="mono">${r.id}</span>`}
             actions=${ACTIVE(r.status) && html`<button class="danger" onClick=${cancel}>Cancel run</button>`}>
      <${ErrorNote} error=${refused} />
      <${Card} class="run-status">
        <div class="status-line">
          <${Pill} status=${r.status} />
          <div class="grow"><${Progress} value=${r.steps.length ? done / r.steps.length : 0} label="Steps succeeded"
                                        indeterminate=${r.status === 'queued'} /></div>
          <span class="muted small nowrap">${done} of ${r.steps.length} steps succeeded</span>
          <span class="muted small nowrap" title="status updates received live">${updates > 0 ? `${updates} live update${updates > 1 ? 's' : ''}` : ''}</span>
        </div>
        <dl class="facts">
          <div><dt>Workflow</dt><dd><a href=${back.href}>${name}</a> v${r.version}</dd></div>
          <div><dt>Node</dt><dd class="mono">${r.node || '—'}</dd></div>
          <div><dt>Attempts</dt><dd>${r.attempts} of ${r.max_attempts}</dd></div>
          <div><dt>Queued</dt><dd>${timeAgo(r.created_at)}</dd></div>
          <div><dt>Duration</dt><dd>${duration(r.started_at, r.finished_at)}</dd></div>
        </dl>
        ${r.error && html`<div class="error-note" role="alert"><strong>${r.status === 'cancelled' ? 'Cancelled' : 'Failed'}${r.error.step ? ` at step ${r.error.step}` : ''}</strong>
          <span class="error-message">${r.error.message}</span></div>`}
      <//>
      <${Card} title="Steps" id="steps">
        ${graphSteps ? html`<${StepGraph} steps=${graphSteps} states=${states} runStatus=${r.status} selected=${selected} onSelect=${setSelected} />`
          : html`<${Loading} />`}
        ${!selected && html`<p class="hint">Select a step to see its inputs, output, timings and error.</p>`}
      <//>
      ${selected && states[selected] && html`<${StepState} state=${states[selected]} runStatus=${r.status} />`}
      <div class="grid-2 top">
        <${Card} title="Input"><${Json} value=${r.input} label="Run input" /><//>
        <${Card} title="Output">${r.output !== undefined ? html`<${Json} value=${r.output} label="Run output" />`
          : html`<p class="muted">${ACTIVE(r.status) ? 'Not finished yet.' : 'No output.'}</p>`}<//>
      </div>
    <//>`;
}
