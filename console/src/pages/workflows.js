// Workflows: chains of platform operations run by the hub. The API arrives with issue 6; until then the page says so.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { Card, Empty, ErrorNote, Loading, Page, Pill, timeAgo, useResource } from '../ui.js';

/** A run's steps as a left-to-right graph: each step a node coloured by its live status, edges to what follows it. */
function StepGraph({ steps }) {
  const width = 180;
  const gap = 60;
  return html`<svg class="step-graph" viewBox=${`-2 0 ${steps.length * (width + gap)} 90`} role="img"
                   aria-label=${'Steps: ' + steps.map((s) => `${s.name} ${s.status}`).join(', ')}>
    ${steps.map((s, i) => html`<g transform=${`translate(${i * (width + gap)}, 15)`}>
      ${i > 0 && html`<line x1=${-gap} y1="30" x2="0" y2="30" class="edge" />`}
      <rect width=${width} height="60" rx="10" class=${'step-node ' + (s.status || 'pending')} />
      <text x="14" y="26" class="step-name">${s.name || s.kind}</text>
      <text x="14" y="46" class="step-status">${s.kind ? s.kind + ' · ' : ''}${s.status || 'pending'}</text>
    </g>`)}
  </svg>`;
}

export function Workflows() {
  const workflows = useResource(() => api.get('/api/workflows'), [], { eventPrefix: 'workflow.' });
  const [started, setStarted] = useState(null);
  const [refused, setRefused] = useState(null);
  const missing = workflows.error && workflows.error.status === 404;

  const run = async (name) => {
    setRefused(null);
    try {
      setStarted(await api.post(`/api/workflows/${api.enc(name)}/runs`, {}));
    } catch (failure) {
      setRefused(failure);
    }
  };

  return html`
    <${Page} title="Workflows" subtitle="Chains of platform operations: chain, gate, route, parallel, orchestrator-workers, evaluator-optimizer">
      ${workflows.loading ? html`<${Loading} />` : missing ? html`
        <${Card} class="notice">
          <${Empty} title="Workflows arrive with issue 6">
            This platform's API has no workflows yet (GET /api/workflows answers 404). When it does, this page lists them,
            starts runs and draws each run's steps with their live status. Models, datasets, deployments and executions work today.
          <//>
          <${StepGraph} steps=${[{ name: 'prepare', kind: 'transform', status: 'succeeded' }, { name: 'train', kind: 'train', status: 'running' },
                                 { name: 'gate: auc > 0.9', kind: 'gate', status: 'pending' }, { name: 'deploy', kind: 'deploy', status: 'pending' }]} />
          <p class="hint center">What a run will look like (an illustration, not data).</p>
        <//>` : html`
        <${ErrorNote} error=${workflows.error || refused} />
        ${started && html`<${Card} title=${'Run ' + (started.id || '')}><${StepGraph} steps=${started.steps || []} /><//>`}
        <${Card}>
          ${workflows.data && (workflows.data.items || []).length === 0 ? html`<${Empty} title="No workflows yet" />` : html`
            <div class="table-wrap"><table>
              <thead><tr><th>Name</th><th>Steps</th><th>Last run</th><th></th></tr></thead>
              <tbody>${((workflows.data && workflows.data.items) || []).map((w) => html`<tr>
                <td class="strong">${w.name}</td><td>${(w.steps || []).length}</td>
                <td>${w.last_run ? html`<${Pill} status=${w.last_run.status} /> ${timeAgo(w.last_run.started_at)}` : '—'}</td>
                <td><button onClick=${() => run(w.name)}>Start run</button></td></tr>`)}</tbody></table></div>`}
        <//>`}
    <//>`;
}
