// The console's shell: navigation, hash routes, who you are, the live-connection indicator; the sign-in view on a 401.
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useConnectionState } from './events.js';
import { askForKey, signOut, start, useSession } from './session.js';
import { Loading } from './ui.js';
import { Access } from './pages/access.js';
import { Dashboard } from './pages/dashboard.js';
import { Models, ModelPage } from './pages/models.js';
import { Datasets, DatasetPage } from './pages/datasets.js';
import { Deployments, DeploymentPage } from './pages/deployments.js';
import { Executions, ExecutionPage } from './pages/executions.js';
import { Caller, SignIn } from './pages/sign-in.js';
import { RunPage, WorkflowPage, Workflows } from './pages/workflows.js';
import './styles.css';

const ICONS = {
  dashboard: 'M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z',
  models: 'M12 2 3 7v10l9 5 9-5V7zm0 2.3L18.7 8 12 11.7 5.3 8zM5 9.7l6 3.3v6.6l-6-3.3zm8 9.9V13l6-3.3v6.6z',
  datasets: 'M12 3C7.6 3 4 4.3 4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6c0-1.7-3.6-3-8-3zm6 15c0 .5-2.3 1.5-6 1.5S6 18.5 6 18v-2.3c1.5.8 3.7 1.3 6 1.3s4.5-.5 6-1.3zm0-5c0 .5-2.3 1.5-6 1.5S6 13.5 6 13v-2.3c1.5.8 3.7 1.3 6 1.3s4.5-.5 6-1.3zm-6-3.5C8.3 9.5 6 8.5 6 8s2.3-1.5 6-1.5S18 7.5 18 8s-2.3 1.5-6 1.5z',
  deployments: 'M4 4h16v6H4zm2 2v2h2V6zm-2 8h16v6H4zm2 2v2h2v-2z',
  executions: 'M8 5v14l11-7z',
  workflows: 'M6 3a3 3 0 0 0-1 5.8v6.4A3 3 0 1 0 9 18h6.2a3 3 0 1 0 0-2H9a3 3 0 0 0-2-1.8V8.8A3 3 0 0 0 6 3z',
  access: 'M12.65 10A6 6 0 0 0 7 6a6 6 0 0 0 0 12 6 6 0 0 0 5.65-4H17v4h4v-4h2v-4zM7 14a2 2 0 1 1 0-4 2 2 0 0 1 0 4z',
};

const NAV = [
  ['dashboard', 'Dashboard', '#/'],
  ['models', 'Models', '#/models'],
  ['datasets', 'Datasets', '#/datasets'],
  ['deployments', 'Deployments', '#/deployments'],
  ['executions', 'Executions', '#/executions'],
  ['workflows', 'Workflows', '#/workflows'],
  ['access', 'Access', '#/access', 'admin'],
];

function parse(hash) {
  const parts = hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  return { section: parts[0] || 'dashboard', id: parts[1], rest: parts.slice(2) };
}

function useRoute() {
  const [route, setRoute] = useState(parse(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parse(location.hash));
      window.scrollTo(0, 0);
      const main = document.getElementById('main');
      main && main.focus({ preventScroll: true });
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function Icon({ name }) {
  return html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d=${ICONS[name]} /></svg>`;
}

function Live() {
  const state = useConnectionState();
  const text = { live: 'Live updates on', connecting: 'Connecting…', reconnecting: 'Reconnecting…', off: 'Live updates off' }[state];
  const title = state === 'off' ? 'Events need the read permission' : 'Events from the platform through the event-bus bridge';
  return html`<div class=${'live live-' + state} role="status" title=${title}>
    <span class="dot" aria-hidden="true"></span>${text}</div>`;
}

function Content({ route }) {
  const { section, id, rest } = route;
  switch (section) {
    case 'dashboard': return html`<${Dashboard} />`;
    case 'models': return id ? html`<${ModelPage} name=${id} key=${id} />` : html`<${Models} />`;
    case 'datasets': return id ? html`<${DatasetPage} name=${id} key=${id} />` : html`<${Datasets} />`;
    case 'deployments': return id ? html`<${DeploymentPage} name=${id} key=${id} />` : html`<${Deployments} />`;
    case 'executions': return id ? html`<${ExecutionPage} id=${id} key=${id} />` : html`<${Executions} />`;
    case 'access': return html`<${Access} />`;
    case 'workflows': return !id ? html`<${Workflows} />` : rest[0] === 'runs' && rest[1]
      ? html`<${RunPage} name=${id} id=${rest[1]} key=${rest[1]} />` : html`<${WorkflowPage} name=${id} key=${id} />`;
    default: return html`<section class="page"><h1>Not found</h1><p>No page at ${location.hash}. <a href="#/">Dashboard</a></p></section>`;
  }
}

function App() {
  const route = useRoute();
  const { me, started, refusal } = useSession();
  const may = (permission) => !permission || (me && me.permissions.includes(permission));
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <div class="shell">
      <aside class="sidebar">
        <a class="brand" href="#/"><span class="logo" aria-hidden="true">m</span><span>mlplatform</span></a>
        <nav aria-label="Main">
          <ul>
            ${NAV.filter(([, , , permission]) => may(permission)).map(([key, label, href]) => html`
              <li><a href=${href} class=${route.section === key ? 'active' : ''}
                     aria-current=${route.section === key ? 'page' : undefined}><${Icon} name=${key} /><span class="nav-label">${label}</span></a></li>`)}
          </ul>
        </nav>
        <div class="sidebar-foot">
          <${Caller} me=${me} signingIn=${!!refusal} onSignIn=${askForKey} onSignOut=${signOut} />
          <${Live} />
          <a class="api-link" href="/openapi.yaml" target="_blank" rel="noopener">API contract</a>
        </div>
      </aside>
      <main id="main" tabindex="-1">${!started ? html`<${Loading} />` : refusal
        ? html`<${SignIn} refusal=${refusal} me=${me} />`
        // a new caller sees every page afresh, read with its own key
        : html`<${Content} route=${route} key=${me ? me.id : 'unknown'} />`}</main>
    </div>`;
}

start();
render(html`<${App} />`, document.getElementById('app'));
