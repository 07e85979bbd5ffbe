// The console's building blocks: page frame, cards, status pills, progress bars, form fields, errors, data loading.
import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { upload as uploadForm } from './api.js';
import { useConnectionState, useEvents } from './events.js';

export function Page({ title, subtitle, actions, back, children }) {
  useEffect(() => {
    document.title = `${title} · mlplatform`;
  }, [title]);
  return html`
    <section class="page">
      <header class="page-head">
        <div>
          ${back && html`<a class="back" href=${back.href}>← ${back.label}</a>`}
          <h1>${title}</h1>
          ${subtitle && html`<p class="subtitle">${subtitle}</p>`}
        </div>
        ${actions && html`<div class="actions">${actions}</div>`}
      </header>
      ${children}
    </section>`;
}

export function Card({ title, actions, children, class: extra, id }) {
  return html`
    <section class=${'card ' + (extra || '')} aria-labelledby=${title && id ? id + '-title' : undefined}>
      ${(title || actions) && html`
        <header class="card-head">
          ${title && html`<h2 id=${id ? id + '-title' : undefined}>${title}</h2>`}
          ${actions && html`<div class="actions">${actions}</div>`}
        </header>`}
      ${children}
    </section>`;
}

const TONES = {
  ready: 'good', succeeded: 'good', live: 'good',
  running: 'busy', loading: 'busy', pending: 'wait', queued: 'wait', reconnecting: 'wait', connecting: 'wait',
  failed: 'bad', cancelled: 'muted', skipped: 'muted', unknown: 'muted',
};

export function Pill({ status, label }) {
  const tone = TONES[status] || 'muted';
  return html`<span class=${'pill pill-' + tone} data-status=${status}>${label || status}</span>`;
}

export function Progress({ value, label, indeterminate }) {
  const percent = Math.round(Math.max(0, Math.min(1, value || 0)) * 100);
  return html`
    <div class="progress" role="progressbar" aria-label=${label || 'progress'}
         aria-valuemin="0" aria-valuemax="100" aria-valuenow=${indeterminate ? undefined : percent}>
      <div class=${'progress-bar' + (indeterminate ? ' indeterminate' : '')} style=${{ width: indeterminate ? '40%' : percent + '%' }}></div>
    </div>`;
}

/** The API's refusal, as it said it. */
export function ErrorNote({ error, title }) {
  if (!error) {
    return null;
  }
  return html`
    <div class="error-note" role="alert">
      <strong>${title || (error.status ? `Refused (${error.status} ${error.code})` : 'Error')}</strong>
      <span class="error-message">${error.message}</span>
    </div>`;
}

export function Empty({ title, children }) {
  return html`<div class="empty"><p class="empty-title">${title}</p>${children && html`<p>${children}</p>`}</div>`;
}

export function Loading({ label }) {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label || 'Loading…'}</div>`;
}

let fieldIds = 0;

/** A labelled control; {@code children} is a function of the control's id. */
export function Field({ label, hint, error, children, wide }) {
  const [id] = useState(() => 'f' + ++fieldIds);
  return html`
    <div class=${'field' + (error ? ' invalid' : '') + (wide ? ' wide' : '')}>
      <label for=${id}>${label}</label>
      ${children(id, error ? id + '-error' : hint ? id + '-hint' : undefined)}
      ${error ? html`<span class="field-error" id=${id + '-error'}>${error}</span>`
        : hint && html`<span class="hint" id=${id + '-hint'}>${hint}</span>`}
    </div>`;
}

export function Stat({ label, value, hint, href }) {
  const body = html`<span class="stat-value">${value ?? '—'}</span><span class="stat-label">${label}</span>
    ${hint && html`<span class="stat-hint">${hint}</span>`}`;
  return href ? html`<a class="stat" href=${href}>${body}</a>` : html`<div class="stat">${body}</div>`;
}

/**
 * Loads with {@code load()}, again when {@code deps} change, when an event whose operation starts with
 * {@code eventPrefix} arrives (debounced) or the event bridge comes back, and every {@code pollMs} while
 * {@code poll(data)} holds.
 */
export function useResource(load, deps, { eventPrefix, pollMs, poll } = {}) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const timer = useRef(null);
  const reload = useCallback(() => loadRef.current()
    .then((data) => setState({ data, error: null, loading: false }))
    .catch((error) => setState((previous) => ({ data: previous.data, error, loading: false }))), []);
  useEffect(() => {
    setState({ data: null, error: null, loading: true });
    reload();
  }, deps);
  useEvents(eventPrefix ?? null, () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(reload, 150);
  });
  // events sent while the bridge was down are lost: pages read again once it is back
  const connection = useConnectionState();
  const lastConnection = useRef(connection);
  useEffect(() => {
    if (connection === 'live' && lastConnection.current === 'reconnecting') {
      reload();
    }
    lastConnection.current = connection;
  }, [connection]);
  useEffect(() => {
    if (!pollMs || (poll && !poll(state.data))) {
      return undefined;
    }
    const id = setInterval(reload, pollMs);
    return () => clearInterval(id);
  }, [pollMs, poll && poll(state.data)]);
  return { ...state, reload, setData: (data) => setState((s) => ({ ...s, data })) };
}

export function bytes(n) {
  if (n == null) {
    return '—';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function number(n, digits = 4) {
  if (n == null || n === '') {
    return '—';
  }
  if (typeof n !== 'number') {
    return String(n);
  }
  return Number.isInteger(n) ? n.toLocaleString('en-US') : Number(n.toPrecision(digits)).toString();
}

export function timeAgo(iso) {
  if (!iso) {
    return '—';
  }
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
}

export function duration(fromIso, toIso) {
  if (!fromIso) {
    return '—';
  }
  const ms = (toIso ? new Date(toIso) : new Date()) - new Date(fromIso);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** A JSON object shown as a compact key/value list. */
export function KeyValues({ object, empty }) {
  const entries = Object.entries(object || {});
  if (entries.length === 0) {
    return html`<p class="muted">${empty || 'none'}</p>`;
  }
  return html`<dl class="kv">${entries.map(([key, value]) => html`
    <dt>${key}</dt><dd>${typeof value === 'object' ? JSON.stringify(value) : number(value)}</dd>`)}</dl>`;
}

/** The end of a form: the API's refusal if any, the submit button (saying when it is busy) and Cancel. */
export function FormActions({ refused, busy, label, busyLabel, onCancel }) {
  return html`
    <${ErrorNote} error=${refused} />
    <div class="form-actions">
      <button type="submit" class="primary" disabled=${busy}>${busy ? busyLabel : label}</button>
      ${onCancel && html`<button type="button" onClick=${onCancel}>Cancel</button>`}
    </div>`;
}

/** Moves focus to the first invalid control of a form after a failed validation. */
function focusFirstInvalid(form) {
  setTimeout(() => {
    const invalid = form && form.querySelector('[aria-invalid="true"]');
    invalid && invalid.focus();
  }, 0);
}

/**
 * A form's sending: {@code submit(validate, send)} makes its submit handler. {@code validate()} returns the
 * problems found before anything is sent ({field: message}); when there are none, {@code send()} runs and a refusal
 * of the API lands in {@code refused}, to be shown as the API said it.
 */
export function useSubmit() {
  const [errors, setErrors] = useState({});
  const [refused, setRefused] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = (validate, send) => async (e) => {
    e.preventDefault();
    const found = validate();
    setErrors(found);
    setRefused(null);
    if (Object.keys(found).length) {
      focusFirstInvalid(e.target);
      return;
    }
    setBusy(true);
    try {
      await send();
    } catch (failure) {
      setRefused(failure);
    } finally {
      setBusy(false);
    }
  };
  const reset = () => {
    setErrors({});
    setRefused(null);
  };
  return { errors, refused, busy, submit, reset };
}

/** A multipart upload with its progress (0..1, null when none runs). */
export function useUpload() {
  const [progress, setProgress] = useState(null);
  const upload = async (path, form) => {
    setProgress(0);
    try {
      return await uploadForm(path, form, setProgress);
    } finally {
      setProgress(null);
    }
  };
  return { progress, upload };
}

/** An upload's progress bar; {@code after} says what happens once the bytes are sent. */
export function UploadProgress({ progress, after }) {
  if (progress === null) {
    return null;
  }
  return html`<div class="upload-progress"><${Progress} value=${progress} label="Upload progress" />
    <span class="muted">${progress < 1 ? `Uploading… ${Math.round(progress * 100)} %` : after}</span></div>`;
}
