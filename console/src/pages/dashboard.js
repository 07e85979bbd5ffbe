// The dashboard: counts, deployment health, recent executions (live), request rate and latency.
import { html } from 'htm/preact';
import * as api from '../api.js';
import { TimeChart, metricSeries } from '../chart.js';
import { useEvents } from '../events.js';
import { Card, Empty, ErrorNote, Page, Pill, Stat, number, timeAgo, useResource } from '../ui.js';
import { ReplicaSummary } from './deployments.js';
import { ExecutionProgress, applyEvent, subjectOf } from './executions.js';

async function counts() {
  const [models, datasets, deployments, executions, running] = await Promise.all([
    api.get('/api/models?limit=1000'), api.get('/api/datasets?limit=1'), api.get('/api/deployments?limit=1000'),
    api.get('/api/executions?limit=1'), api.get('/api/executions?status=running&limit=1')]);
  return {
    models: models.total,
    versions: models.items.reduce((sum, m) => sum + (m.latest_version || 0), 0),
    datasets: datasets.total,
    deployments: deployments.total,
    ready: deployments.items.filter((d) => d.status === 'ready').length,
    executions: executions.total,
    running: running.total,
  };
}

export function Dashboard() {
  const totals = useResource(counts, [], { eventPrefix: 'model.', pollMs: 5000, poll: () => true });
  const deployments = useResource(() => api.get('/api/deployments?limit=8'), [], { eventPrefix: 'deployment.', pollMs: 5000, poll: () => true });
  const executions = useResource(() => api.get('/api/executions?limit=8'), []);
  const metrics = useResource(() => api.get('/api/metrics'), [], { pollMs: 2000, poll: () => true });
  useEvents('execution.status', (event) => {
    const payload = event.payload || {};
    const items = (executions.data && executions.data.items) || [];
    if (items.some((e) => e.id === payload.id)) {
      executions.setData({ ...executions.data, items: items.map((e) => (e.id === payload.id ? applyEvent(e, payload) : e)) });
    } else {
      executions.reload();
    }
  });
  const t = totals.data || {};
  const series = metricSeries(metrics.data);
  const summary = (metrics.data && metrics.data.summary) || {};

  return html`
    <${Page} title="Dashboard" subtitle="What the platform holds and how it is doing right now">
      <${ErrorNote} error=${totals.error} />
      <div class="stats">
        <${Stat} label="Models" value=${number(t.models)} href="#/models" />
        <${Stat} label="Model versions" value=${number(t.versions)} href="#/models" />
        <${Stat} label="Datasets" value=${number(t.datasets)} href="#/datasets" />
        <${Stat} label="Deployments" value=${number(t.deployments)} href="#/deployments"
                 hint=${t.deployments ? `${t.ready} ready` : null} />
        <${Stat} label="Executions" value=${number(t.executions)} href="#/executions"
                 hint=${t.running ? `${t.running} running` : t.executions ? 'none running' : null} />
      </div>
      <div class="grid-2">
        <${Card} title="Requests per second" id="rate"
                 actions=${html`<span class="muted small">${number(summary.requests)} in the last minute${summary.errors ? ` · ${summary.errors} errors` : ''}</span>`}>
          <${TimeChart} x=${series.x} height=${180} bars label="API requests per second over the last minute"
                        series=${[{ label: 'requests', color: '#4f46e5', fill: 'rgba(79,70,229,0.35)', values: series.rate },
                                  { label: '4xx/5xx', color: '#dc2626', fill: 'rgba(220,38,38,0.5)', values: series.errors }]} />
        <//>
        <${Card} title="Latency" id="latency"
                 actions=${html`<span class="muted small">p50 ${number(summary.p50_ms, 3)} ms · p99 ${number(summary.p99_ms, 3)} ms</span>`}>
          <${TimeChart} x=${series.x} height=${180} yLabel="ms" label="API latency percentiles over the last minute"
                        series=${[{ label: 'p50', color: '#4f46e5', values: series.p50, unit: 'ms' },
                                  { label: 'p95', color: '#0ea5e9', values: series.p95, unit: 'ms' },
                                  { label: 'p99', color: '#f59e0b', values: series.p99, unit: 'ms' }]} />
        <//>
      </div>
      <div class="grid-2">
        <${Card} title="Deployment health" id="health" actions=${html`<a href="#/deployments">All deployments</a>`}>
          <${ErrorNote} error=${deployments.error} />
          ${deployments.data && (deployments.data.items.length === 0
            ? html`<${Empty} title="Nothing deployed">Deploy a model version to serve predictions.<//>`
            : html`<ul class="health-list">${deployments.data.items.map((d) => html`<li>
                <a class="strong" href=${'#/deployments/' + api.enc(d.name)}>${d.name}</a>
                <span class="muted small">${d.model} ${/^\d+$/.test(d.version) ? 'v' + d.version : d.version}</span>
                <span class="grow"></span><${ReplicaSummary} deployment=${d} /><${Pill} status=${d.status} /></li>`)}</ul>`)}
        <//>
        <${Card} title="Recent executions" id="recent" actions=${html`<a href="#/executions">All executions</a>`}>
          <${ErrorNote} error=${executions.error} />
          ${executions.data && (executions.data.items.length === 0
            ? html`<${Empty} title="No executions yet">Transform a dataset or train a model from the Executions page.<//>`
            : html`<ul class="recent-list">${executions.data.items.map((e) => html`<li>
                <div class="recent-head"><a class="mono strong" href=${'#/executions/' + e.id}>${e.id.slice(0, 8)}</a>
                  <span>${e.type.replace('_', ' ')}</span><span class="muted small clip">${subjectOf(e)}</span>
                  <span class="grow"></span><span class="muted small nowrap">${timeAgo(e.created_at)}</span><${Pill} status=${e.status} /></div>
                <${ExecutionProgress} execution=${e} /></li>`)}</ul>`)}
        <//>
      </div>
    <//>`;
}
