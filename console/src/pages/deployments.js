// Deployments: the list with each replica's status and node; a deployment's page: scale, switch version, try it, latency.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { TimeChart, metricSeries } from '../chart.js';
import { Card, Empty, ErrorNote, Field, Loading, Page, Pill, number, timeAgo, useResource, useSubmit } from '../ui.js';
import { TryIt } from './try-it.js';

const settling = (d) => d && (d.status !== 'ready' || (d.replica_status || []).some((r) => r.status !== 'ready')
  || (d.replica_status || []).length < d.replicas);

export function ReplicaSummary({ deployment: d }) {
  const replicas = d.replica_status || [];
  const ready = replicas.filter((r) => r.status === 'ready').length;
  return html`<span class="replicas" aria-label=${`${ready} of ${d.replicas} replicas ready`}>
    ${Array.from({ length: Math.max(d.replicas, replicas.length) }, (_, i) => replicas[i])
      .map((r) => html`<span class=${'replica-dot ' + (r ? r.status : 'pending')} title=${r ? `${r.status} on ${r.node}` : 'not placed yet'}></span>`)}
    <span class="small muted">${ready}/${d.replicas}</span></span>`;
}

export function Deployments() {
  const deployments = useResource(() => api.get('/api/deployments?limit=200'), [],
    { eventPrefix: 'deployment.', pollMs: 3000, poll: (data) => data && data.items.some(settling) });
  return html`
    <${Page} title="Deployments" subtitle="Model versions served online, on the platform's route and the Open Inference Protocol"
             actions=${html`<a class="button primary" href="#/models">Deploy from a model</a>`}>
      <${Card}>
        <${ErrorNote} error=${deployments.error} />
        ${deployments.loading ? html`<${Loading} />` : deployments.data && deployments.data.items.length === 0
          ? html`<${Empty} title="No deployments yet">Open a model, pick a version and choose Deploy.<//>`
          : deployments.data && html`<div class="table-wrap"><table>
              <thead><tr><th>Name</th><th>Model</th><th>Version</th><th>Status</th><th>Replicas</th><th>Nodes</th><th>Updated</th></tr></thead>
              <tbody>${deployments.data.items.map((d) => html`<tr data-deployment=${d.name}>
                <td><a class="strong" href=${'#/deployments/' + api.enc(d.name)}>${d.name}</a></td>
                <td><a href=${'#/models/' + api.enc(d.model)}>${d.model}</a></td>
                <td>${/^\d+$/.test(d.version) ? 'v' + d.version : html`<span class="tag">${d.version}</span>`}</td>
                <td><${Pill} status=${d.status} /></td>
                <td><${ReplicaSummary} deployment=${d} /></td>
                <td class="mono small muted">${[...new Set((d.replica_status || []).map((r) => r.node))].join(', ') || '—'}</td>
                <td class="muted">${timeAgo(d.updated_at)}</td></tr>`)}
              </tbody></table></div>`}
      <//>
    <//>`;
}

function ChangeForm({ deployment, versions, onDone }) {
  const [replicas, setReplicas] = useState(String(deployment.replicas));
  const [version, setVersion] = useState(deployment.version);
  const { errors, refused, busy, submit } = useSubmit();
  const count = Number(replicas);
  const validate = () => (Number.isInteger(count) && count >= 1 && count <= 16 ? {} : { replicas: 'Between 1 and 16.' });
  const send = async () => {
    const change = {};
    if (count !== deployment.replicas) change.replicas = count;
    if (version !== deployment.version) change.version = /^\d+$/.test(version) ? Number(version) : version;
    if (Object.keys(change).length > 0) {
      onDone(await api.patch('/api/deployments/' + api.enc(deployment.name), change));
    }
  };
  const refs = ['latest', ...Object.keys(versions.aliases || {}), ...(versions.items || []).map((v) => String(v.version))];
  return html`<form class="form inline-form" onSubmit=${submit(validate, send)} noValidate aria-label="Scale or switch version">
    <${Field} label="Replicas" error=${errors.replicas}>${(id, d) => html`
      <input id=${id} type="number" min="1" max="16" value=${replicas} onInput=${(e) => setReplicas(e.target.value)}
             aria-invalid=${!!errors.replicas} aria-describedby=${d} />`}<//>
    <${Field} label="Version">${(id) => html`
      <select id=${id} value=${version} onChange=${(e) => setVersion(e.target.value)}>
        ${[...new Set([deployment.version, ...refs])].map((r) => html`<option value=${r}>${/^\d+$/.test(r) ? 'v' + r : r}</option>`)}
      </select>`}<//>
    <button type="submit" disabled=${busy}>${busy ? 'Applying…' : 'Apply'}</button>
    <${ErrorNote} error=${refused} />
  </form>`;
}

export function DeploymentPage({ name }) {
  const deployment = useResource(() => api.get('/api/deployments/' + api.enc(name)), [name],
    { eventPrefix: 'deployment.', pollMs: 2000, poll: settling });
  const d = deployment.data;
  const model = useResource(() => (d ? Promise.all([api.get(`/api/models/${api.enc(d.model)}`),
    api.get(`/api/models/${api.enc(d.model)}/versions`)]).then(([m, v]) => ({ aliases: m.aliases, items: v.items }))
    : Promise.resolve(null)), [d && d.model]);
  const metrics = useResource(() => api.get('/api/metrics?deployment=' + api.enc(name)), [name], { pollMs: 2000, poll: () => true });
  const [refused, setRefused] = useState(null);
  if (!d) {
    return html`<${Page} title=${name} back=${{ href: '#/deployments', label: 'Deployments' }}>
      ${deployment.error ? html`<${ErrorNote} error=${deployment.error} />` : html`<${Loading} />`}<//>`;
  }
  const remove = async () => {
    if (!confirm(`Delete deployment ${name}? Its replicas stop serving.`)) return;
    try {
      await api.del('/api/deployments/' + api.enc(name));
      location.hash = '#/deployments';
    } catch (failure) {
      setRefused(failure);
    }
  };
  const series = metricSeries(metrics.data);
  const servedVersion = (d.replica_status || []).find((r) => r.status === 'ready');
  return html`
    <${Page} title=${name} back=${{ href: '#/deployments', label: 'Deployments' }}
             subtitle=${html`Serves <a href=${'#/models/' + api.enc(d.model)}>${d.model}</a> ${/^\d+$/.test(d.version) ? 'v' + d.version : `(${d.version})`}`}
             actions=${html`<button class="danger" onClick=${remove}>Delete</button>`}>
      <${ErrorNote} error=${refused} />
      <div class="grid-2">
        <${Card} title="Replicas" id="replicas" actions=${html`<${Pill} status=${d.status} />`}>
          ${(d.replica_status || []).length === 0 ? html`<p class="muted">Placing replicas on the execution nodes…</p>` : html`
            <div class="table-wrap"><table class="compact">
              <thead><tr><th>#</th><th>Node</th><th>Version</th><th>Status</th></tr></thead>
              <tbody>${d.replica_status.map((r) => html`<tr><td>${r.index + 1}</td><td class="mono small">${r.node}</td>
                <td>${r.version ? 'v' + r.version : '—'}</td>
                <td><${Pill} status=${r.status} />${r.reason && html`<div class="small muted">${r.reason}</div>`}</td></tr>`)}
              </tbody></table></div>`}
          ${model.data && html`<${ChangeForm} deployment=${d} versions=${model.data} key=${d.updated_at}
                                             onDone=${(updated) => deployment.setData({ ...d, ...updated })} />`}
          <p class="hint">Endpoints: <code>POST /api/deployments/${name}/predict</code> · <code>POST /v2/models/${name}/infer</code></p>
        <//>
        <${Card} title="Prediction latency · last minute" id="latency"
                 actions=${metrics.data && metrics.data.summary.requests > 0 && html`<span class="muted small">
                   p50 ${number(metrics.data.summary.p50_ms, 3)} ms · p99 ${number(metrics.data.summary.p99_ms, 3)} ms</span>`}>
          <${TimeChart} x=${series.x} height=${170} yLabel="ms" label="Prediction latency percentiles"
                        series=${[{ label: 'p50', color: '#4f46e5', values: series.p50, unit: 'ms' },
                                  { label: 'p99', color: '#f59e0b', values: series.p99, unit: 'ms' }]} />
          <p class="hint">${metrics.data ? `${metrics.data.summary.requests} predictions in the last minute on this node`
            + (metrics.data.summary.refused + metrics.data.summary.errors ? `, ${metrics.data.summary.refused + metrics.data.summary.errors} refused or failed` : '') : ''}</p>
        <//>
      </div>
      <${TryIt} deployment=${d} version=${servedVersion ? servedVersion.version : d.version} ready=${d.status === 'ready'}
                onPredicted=${() => metrics.reload()} />
    <//>`;
}
