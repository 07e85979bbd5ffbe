// Executions: the list with live status and progress; an execution's page with its log streaming in, metrics, cancel.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { TimeChart } from '../chart.js';
import { useEvents } from '../events.js';
import {
  Card, Empty, ErrorNote, KeyValues, Loading, Page, Pill, Progress, duration, number, timeAgo, useResource,
} from '../ui.js';
import { ExecutionForm, TYPES } from './execution-form.js';
import { DriftReport } from './drift.js';

const STATUSES = ['all', 'queued', 'running', 'succeeded', 'failed', 'cancelled'];
const ACTIVE = (status) => status === 'queued' || status === 'running';

/** Applies an execution.status event to an execution (or a row of the list) in place. */
export function applyEvent(execution, payload) {
  const next = { ...execution, status: payload.status || execution.status };
  for (const key of ['progress', 'tasks_done', 'tasks_total', 'node']) {
    if (payload[key] !== undefined) next[key] = payload[key];
  }
  return next;
}

export function subjectOf(e) {
  const r = e.request || {};
  return [r.dataset && `dataset ${r.dataset}`, r.model && `model ${r.model}`, r.output && `→ ${r.output}`]
    .filter(Boolean).join(' · ');
}

export function ExecutionProgress({ execution }) {
  const tasks = execution.tasks_total ? ` · ${execution.tasks_done}/${execution.tasks_total} tasks` : '';
  const percent = Math.round((execution.progress || 0) * 100);
  return html`<div class="progress-cell" data-progress=${percent}>
    <${Progress} value=${execution.progress} label=${'Progress of execution ' + execution.id.slice(0, 8)}
                 indeterminate=${execution.status === 'queued'} />
    <span class="muted small">${execution.status === 'queued' ? 'waiting' : `${percent} %${tasks}`}</span>
  </div>`;
}

export function Executions() {
  const [status, setStatus] = useState('all');
  const [starting, setStarting] = useState(false);
  const executions = useResource(() => api.get('/api/executions?limit=100' + (status === 'all' ? '' : '&status=' + status)),
    [status]);
  useEvents('execution.status', (event) => {
    const payload = event.payload || {};
    const items = (executions.data && executions.data.items) || [];
    if (items.some((e) => e.id === payload.id) && status === 'all') {
      executions.setData({ ...executions.data, items: items.map((e) => (e.id === payload.id ? applyEvent(e, payload) : e)) });
    } else {
      executions.reload();
    }
  });

  return html`
    <${Page} title="Executions" subtitle="Transformations, training, evaluation and batch scoring on Spark"
             actions=${html`<button class="primary" onClick=${() => setStarting(!starting)} aria-expanded=${starting}>Start execution</button>`}>
      ${starting && html`<${ExecutionForm} onStarted=${(e) => { location.hash = '#/executions/' + e.id; }}
                                           onCancel=${() => setStarting(false)} />`}
      <${Card}>
        <div class="toolbar" role="group" aria-label="Filter by status">
          ${STATUSES.map((s) => html`<button class=${'tab' + (s === status ? ' active' : '')} aria-pressed=${s === status}
                                             onClick=${() => setStatus(s)}>${s}</button>`)}
        </div>
        <${ErrorNote} error=${executions.error} />
        ${executions.loading ? html`<${Loading} />` : executions.data && executions.data.items.length === 0
          ? html`<${Empty} title="No executions">Start one: transform a dataset, train a model, or score a dataset.<//>`
          : executions.data && html`<div class="table-wrap"><table>
              <thead><tr><th>Execution</th><th>Type</th><th>Status</th><th class="w-progress">Progress</th><th>On</th><th>Node</th><th>Started</th></tr></thead>
              <tbody>${executions.data.items.map((e) => html`
                <tr data-execution=${e.id}>
                  <td><a class="mono strong" href=${'#/executions/' + e.id}>${e.id.slice(0, 8)}</a></td>
                  <td>${e.type.replace('_', ' ')}</td>
                  <td><${Pill} status=${e.status} /></td>
                  <td><${ExecutionProgress} execution=${e} /></td>
                  <td class="muted clip">${subjectOf(e)}</td>
                  <td class="muted mono small nowrap">${e.node || '—'}</td>
                  <td class="muted nowrap">${timeAgo(e.started_at || e.created_at)}
                    ${e.started_at && html`<div class="small">${ACTIVE(e.status) ? 'for ' : 'took '}${duration(e.started_at, e.finished_at)}</div>`}</td>
                </tr>`)}
              </tbody></table></div>`}
      <//>
    <//>`;
}

function MetricBars({ metrics }) {
  const entries = Object.entries(metrics || {}).filter(([, v]) => typeof v === 'number');
  if (entries.length === 0) {
    return html`<p class="muted">The metrics appear when the execution succeeds.</p>`;
  }
  const max = Math.max(1, ...entries.map(([, v]) => Math.abs(v)));
  return html`<div class="bars" role="img" aria-label=${'Metrics: ' + entries.map(([k, v]) => `${k} ${number(v)}`).join(', ')}>
    ${entries.map(([k, v]) => html`<div class="bar-row">
      <span class="bar-label">${k}</span>
      <span class="bar-track"><span class="bar-fill" style=${{ width: (Math.abs(v) / max) * 100 + '%' }}></span></span>
      <span class="bar-value mono">${number(v)}</span></div>`)}
  </div>`;
}

/** What the platform adds to a request for its own use (resolved sources, artifacts): not the user's words. */
const INTERNAL_REQUEST_FIELDS = ['source', 'model_artifact', 'baseline_source', 'current_sources', 'previous_sources', 'kinds', 'log'];

function Outputs({ result }) {
  if (!result) return null;
  return html`<ul class="outputs">
    ${(result.outputs || []).map((o) => html`<li>Dataset <a href=${'#/datasets/' + api.enc(o.dataset)}>${o.dataset}</a> v${o.version}
      ${o.row_count != null && html`<span class="muted"> · ${number(o.row_count)} rows</span>`}</li>`)}
    ${result.model && html`<li>Model <a href=${'#/models/' + api.enc(result.model)}>${result.model}</a> v${result.version || result.model_version}</li>`}
  </ul>`;
}

export function ExecutionPage({ id }) {
  const execution = useResource(() => api.get('/api/executions/' + id), [id],
    { pollMs: 5000, poll: (e) => e && ACTIVE(e.status) });
  const [lines, setLines] = useState([]);
  const [refused, setRefused] = useState(null);
  const [updates, setUpdates] = useState(0);
  const [timeline, setTimeline] = useState(null);
  const logBox = useRef(null);
  const seconds = (iso) => new Date(iso).getTime() / 1000;
  const point = (e) => [Date.now() / 1000, Math.round((e.progress || 0) * 100)];
  useEffect(() => {
    const e = execution.data;
    if (e && !timeline) {
      const points = e.started_at ? [[seconds(e.started_at), 0]] : [];
      points.push(e.finished_at ? [seconds(e.finished_at), Math.round((e.progress || 0) * 100)] : point(e));
      setTimeline(points);
    }
  }, [execution.data]);
  const loadLogs = () => api.get(`/api/executions/${id}/logs`).then((l) => setLines(l.lines)).catch(() => {});
  useEffect(() => { loadLogs(); }, [id]);
  useEvents('execution.', (event) => {
    const payload = event.payload || {};
    if (payload.id !== id) return;
    if (event.operation === 'execution.log') {
      setLines((previous) => [...previous, { at: event.timestamp, line: payload.line }]);
    } else if (execution.data) {
      setUpdates((n) => n + 1);
      const next = applyEvent(execution.data, payload);
      execution.setData(next);
      setTimeline((points) => [...(points || []), point(next)]);
      if (!ACTIVE(payload.status)) {
        execution.reload();
        loadLogs();
      }
    }
  });
  useEffect(() => {
    if (logBox.current) logBox.current.scrollTop = logBox.current.scrollHeight;
  }, [lines]);

  const e = execution.data;
  if (!e) {
    return html`<${Page} title=${'Execution ' + id.slice(0, 8)} back=${{ href: '#/executions', label: 'Executions' }}>
      ${execution.error ? html`<${ErrorNote} error=${execution.error} />` : html`<${Loading} />`}<//>`;
  }
  const cancel = async () => {
    setRefused(null);
    try {
      execution.setData(await api.post(`/api/executions/${id}/cancel`));
    } catch (failure) {
      setRefused(failure);
    }
  };
  return html`
    <${Page} title=${`${TYPES[e.type] || e.type}`} back=${{ href: '#/executions', label: 'Executions' }}
             subtitle=${html`<span class="mono">${e.id}</span>`}
             actions=${ACTIVE(e.status) && html`<button class="danger" onClick=${cancel}>Cancel execution</button>`}>
      <${ErrorNote} error=${refused} />
      <${Card} class="execution-status">
        <div class="status-line">
          <${Pill} status=${e.status} />
          <div class="grow"><${ExecutionProgress} execution=${e} /></div>
          <span class="muted small" title="status updates received live">${updates > 0 ? `${updates} live update${updates > 1 ? 's' : ''}` : ''}</span>
        </div>
        <dl class="facts">
          <div><dt>Node</dt><dd class="mono">${e.node || '—'}</dd></div>
          <div><dt>Attempts</dt><dd>${e.attempts} of ${e.max_attempts}</dd></div>
          <div><dt>Queued</dt><dd>${timeAgo(e.created_at)}</dd></div>
          <div><dt>Duration</dt><dd>${duration(e.started_at, e.finished_at)}</dd></div>
        </dl>
        ${e.error && html`<div class="error-note" role="alert"><strong>${e.status === 'cancelled' ? 'Cancelled' : 'Failed'}</strong>
          <span class="error-message">${e.error}</span></div>`}
      <//>
      ${e.type === 'monitor' && e.result && html`<${Card} title="Drift report" id="drift"><${DriftReport} report=${e.result} /><//>`}
      <div class="grid-2 top">
        <${Card} title="Log" id="log">
          <pre class="log" ref=${logBox} tabindex="0" aria-label="Execution log" aria-live="polite">${lines.length === 0
            ? 'No log lines yet.' : lines.map((l) => html`<span class="log-line"><span class="log-at">${(l.at || '').slice(11, 19)}</span>${l.line}</span>`)}</pre>
        <//>
        <div class="stack">
          <${Card} title="Progress over time" id="progress">
            ${timeline && html`<${TimeChart} x=${timeline.map((p) => p[0])} height=${150} yLabel="%" label="Progress over time"
                                            series=${[{ label: 'progress', color: '#4f46e5', fill: 'rgba(79,70,229,0.12)', values: timeline.map((p) => p[1]), unit: '%' }]} />`}
          <//>
          ${(e.type === 'train' || e.type === 'evaluate') && html`<${Card} title="Metrics" id="metrics">
            <${MetricBars} metrics=${e.result && e.result.metrics} />
          <//>`}
          <${Card} title="Result">
            ${e.result ? html`<${Outputs} result=${e.result} />
              ${e.result.outputs && html`<a class="button" href=${api.withApiKey(`/api/executions/${id}/result`)} download>Download first output</a>`}`
              : html`<p class="muted">${ACTIVE(e.status) ? 'Not finished yet.' : 'No result.'}</p>`}
          <//>
          <${Card} title="Request"><${KeyValues} object=${Object.fromEntries(Object.entries(e.request || {})
            .filter(([k]) => !INTERNAL_REQUEST_FIELDS.includes(k)))} /><//>
        </div>
      </div>
    <//>`;
}
