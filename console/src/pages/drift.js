// Drift reports (monitor executions): one row per feature with its statistics, and a chart per feature of the
// baseline's and the window's shares over the same bins.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { Pill, number, timeAgo } from '../ui.js';

const BASELINE = '#94a3b8';
const CURRENT = '#4f46e5';

/** A bin's label: a category, or the upper bound of a numeric bin (the last one is open). */
function binLabel(bin, index, bins) {
  if (bin.category !== undefined) {
    return String(bin.category);
  }
  if (bin.upper == null) {
    return index > 0 ? `> ${number(bins[index - 1].upper, 3)}` : 'all';
  }
  return `≤ ${number(bin.upper, 3)}`;
}

/** Grouped bars, baseline beside window, in SVG: the share of rows in each bin. */
export function BinChart({ feature }) {
  const bins = feature.bins || [];
  if (bins.length === 0) {
    return html`<p class="muted small">No bins.</p>`;
  }
  const width = 520;
  const height = 150;
  const bottom = 34;
  const top = 8;
  const max = Math.max(0.01, ...bins.flatMap((b) => [b.baseline || 0, b.current || 0]));
  const slot = width / bins.length;
  const bar = Math.max(2, Math.min(22, slot * 0.38));
  const y = (share) => top + (height - top - bottom) * (1 - share / max);
  const percent = (share) => `${number((share || 0) * 100, 3)} %`;
  return html`<svg class="bin-chart" viewBox=${`0 0 ${width} ${height}`} role="img" data-feature=${feature.feature}
      aria-label=${`${feature.feature}: share of rows per bin, baseline against the window`}>
    <line x1="0" x2=${width} y1=${height - bottom} y2=${height - bottom} stroke="#e2e8f0" />
    ${bins.map((b, i) => {
      const x = i * slot + slot / 2;
      return html`<g>
        <rect x=${x - bar - 1} y=${y(b.baseline || 0)} width=${bar} height=${height - bottom - y(b.baseline || 0)} fill=${BASELINE}>
          <title>${binLabel(b, i, bins)}: baseline ${percent(b.baseline)}</title></rect>
        <rect x=${x + 1} y=${y(b.current || 0)} width=${bar} height=${height - bottom - y(b.current || 0)} fill=${CURRENT}>
          <title>${binLabel(b, i, bins)}: window ${percent(b.current)}</title></rect>
        <text x=${x} y=${height - bottom + 13} text-anchor="middle" font-size="9" fill="#64748b">${binLabel(b, i, bins).slice(0, 12)}</text>
      </g>`;
    })}
  </svg>`;
}

function Statistics({ feature }) {
  const parts = [`PSI ${number(feature.psi, 3)}`];
  if (feature.ks_statistic != null) parts.push(`KS ${number(feature.ks_statistic, 3)}`);
  if (feature.chi_square != null) parts.push(`χ² ${number(feature.chi_square, 3)}`);
  if (feature.p_value != null) parts.push(`p ${number(feature.p_value, 3)}`);
  if (feature.baseline_mean != null) parts.push(`mean ${number(feature.baseline_mean, 3)} → ${number(feature.current_mean, 3)}`);
  return parts.join(' · ');
}

/** One drift report: its window and baseline, then a card per feature (drifted ones first), then the outputs. */
export function DriftReport({ report }) {
  const features = [...(report.features || [])].sort((a, b) => Number(b.drifted) - Number(a.drifted));
  const outputs = (report.prediction && report.prediction.compared && report.prediction.outputs) || [];
  return html`<div class="drift-report">
    <p class="meta">
      ${report.drifted && report.drifted.length > 0
        ? html`<${Pill} status="failed" label=${`${report.drifted.length} drifted`} /> <strong class="mono">${report.drifted.join(', ')}</strong>`
        : html`<${Pill} status="ready" label="no drift" />`}
      <span class="muted small">${report.rows ? `${report.rows.current} rows logged` : ''}
        ${report.window ? ` from ${(report.window.from || '').slice(0, 16).replace('T', ' ')} to ${(report.window.to || '').slice(0, 16).replace('T', ' ')} UTC` : ''}
        ${report.baseline ? ` · baseline ${report.baseline.dataset} v${report.baseline.version} (${report.rows ? report.rows.baseline : '?'} rows)` : ''}</span>
    </p>
    <p class="legend small"><span class="swatch" style=${`background:${BASELINE}`}></span> baseline
      <span class="swatch" style=${`background:${CURRENT}`}></span> window</p>
    <div class="drift-features">
      ${features.map((f) => html`<div class=${'drift-feature' + (f.drifted ? ' drifted' : '')} data-feature=${f.feature} data-drifted=${String(!!f.drifted)}>
        <div class="drift-head"><strong class="mono">${f.feature}</strong> <span class="muted small">${f.kind}</span>
          ${f.drifted && html`<${Pill} status="failed" label="drifted" />`}</div>
        <${BinChart} feature=${f} />
        <p class="muted small"><${Statistics} feature=${f} /></p>
      </div>`)}
    </div>
    ${outputs.length > 0 && html`<h3>Outputs against the window before</h3>
      <div class="drift-features">${outputs.map((f) => html`<div class=${'drift-feature' + (f.drifted ? ' drifted' : '')} data-output=${f.feature}>
        <div class="drift-head"><strong class="mono">${f.feature}</strong> ${f.drifted && html`<${Pill} status="failed" label="drifted" />`}</div>
        <${BinChart} feature=${f} />
        <p class="muted small"><${Statistics} feature=${f} /></p></div>`)}</div>`}
    ${report.prediction && !report.prediction.compared && html`<p class="muted small">Outputs not compared: ${report.prediction.reason}.</p>`}
  </div>`;
}

/** A model version's drift reports, newest first, one shown at a time. */
export function DriftReports({ reports }) {
  const newestFirst = [...(reports || [])].reverse();
  const [index, setIndex] = useState(0);
  if (newestFirst.length === 0) {
    return html`<p class="muted">No drift report yet. Log a deployment's predictions ("logging": {"sample": 0.1}) and
      start a monitor execution to compare them with the training data.</p>`;
  }
  const shown = newestFirst[Math.min(index, newestFirst.length - 1)];
  return html`<div>
    ${newestFirst.length > 1 && html`<label class="small">Report <select value=${index} onChange=${(e) => setIndex(Number(e.target.value))}>
      ${newestFirst.map((r, i) => html`<option value=${i}>${r.window ? (r.window.to || '').slice(0, 16).replace('T', ' ') : 'report ' + (newestFirst.length - i)}${r.deployment ? ' · ' + r.deployment : ''}</option>`)}
    </select></label>`}
    ${shown.execution && html`<p class="small">From execution <a class="mono" href=${'#/executions/' + shown.execution}>${shown.execution.slice(0, 8)}</a>
      ${shown.window && html` <span class="muted">${timeAgo(shown.window.to)}</span>`}</p>`}
    <${DriftReport} report=${shown} />
  </div>`;
}
