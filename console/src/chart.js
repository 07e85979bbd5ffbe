// Time-series charts (uPlot): the request-rate and latency charts, an execution's metrics.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * {@code x}: seconds since the epoch; {@code series}: [{label, color, values, unit}]. Redraws in place when the data
 * change, resizes with its container.
 */
export function TimeChart({ x, series, height = 220, label, yLabel, bars }) {
  const box = useRef(null);
  const plot = useRef(null);
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    const width = Math.max(240, box.current.clientWidth);
    const options = {
      width,
      height,
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, space: 70,
          values: (u, splits) => splits.map((v) => new Date(v * 1000).toLocaleTimeString('en-GB')) },
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, label: yLabel,
          size: 56, labelSize: 18, labelFont: '12px system-ui' },
      ],
      series: [{}, ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        fill: s.fill,
        spanGaps: false,
        paths: bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined,
        // isolated seconds (a few requests) would not draw as lines: show their points
        points: { show: (u, si) => u.data[si].filter((v) => v != null).length < 12, size: 5 },
        value: (u, v) => (v == null ? '—' : `${Number(v.toPrecision(3))}${s.unit ? ' ' + s.unit : ''}`),
      }))],
    };
    plot.current = new uPlot(options, [x, ...series.map((s) => s.values)], box.current);
    const observer = new ResizeObserver(() => {
      plot.current && plot.current.setSize({ width: Math.max(240, box.current.clientWidth), height });
    });
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      plot.current.destroy();
      plot.current = null;
    };
  }, [shape, height, bars]);

  useEffect(() => {
    plot.current && plot.current.setData([x, ...series.map((s) => s.values)]);
  }, [x, series]);

  return html`<div class="chart" ref=${box} role="img" aria-label=${label || series.map((s) => s.label).join(', ')}></div>`;
}

/** The series of GET /api/metrics as chart inputs. */
export function metricSeries(metrics) {
  const seconds = (metrics && metrics.seconds) || [];
  return {
    x: seconds.map((s) => s.at / 1000),
    rate: seconds.map((s) => s.requests),
    errors: seconds.map((s) => s.errors + s.refused),
    p50: seconds.map((s) => s.p50_ms),
    p95: seconds.map((s) => s.p95_ms),
    p99: seconds.map((s) => s.p99_ms),
  };
}
