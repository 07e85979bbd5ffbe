// Signing in: shown on any page when the API says 401; the key is checked with GET /api/me before the console keeps it.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { continueAnonymously, signIn } from '../session.js';
import { Card, ErrorNote, Field, FormActions, Page, useSubmit } from '../ui.js';

export function SignIn({ refusal, me }) {
  const [key, setKey] = useState('');
  const { errors, refused, busy, submit } = useSubmit();
  const validate = () => (key.trim() ? {} : { key: 'Paste your API key.' });
  const send = () => signIn(key.trim());
  // where calls without a key may do something, the user can go back to them
  const anonymousMay = me && me.anonymous && me.permissions.length > 0;
  return html`
    <${Page} title="Sign in" subtitle="The console calls the platform's API with your API key">
      <${Card} class="sign-in">
        ${!refusal.asked && html`<${ErrorNote} error=${refusal} title="The API asks for a key" />`}
        <form class="form" onSubmit=${submit(validate, send)} noValidate aria-label="Sign in">
          <${Field} label="API key" error=${errors.key}
                    hint="From an admin (the Access page or POST /api/keys). This browser keeps it until you sign out.">${(id, described) => html`
            <input id=${id} type="password" value=${key} onInput=${(e) => setKey(e.target.value)} autocomplete="off"
                   spellcheck=${false} aria-invalid=${!!errors.key} aria-describedby=${described} placeholder="mlp_…" autofocus />`}<//>
          <${FormActions} refused=${refused} busy=${busy} label="Sign in" busyLabel="Checking…"
                          onCancel=${anonymousMay ? continueAnonymously : undefined} />
        </form>
      <//>
    <//>`;
}

/**
 * Who the console calls as, in the sidebar: a key's name and roles with Sign out, or the anonymous caller's roles
 * with Sign in (unless the sign-in view is already shown).
 */
export function Caller({ me, signingIn, onSignIn, onSignOut }) {
  if (!me) {
    return null;
  }
  const roles = me.roles.length ? me.roles.join(', ') : 'no roles';
  const who = `${me.anonymous ? 'anonymous' : me.name} (${roles})`;
  return html`
    <div class="caller">
      <span class="caller-name" title=${`${who}: ${me.permissions.join(', ') || 'no permissions'}`}>
        ${me.anonymous ? 'anonymous' : me.name} <span class="caller-roles">(${roles})</span></span>
      ${me.anonymous ? !signingIn && html`<button class="link" onClick=${onSignIn} title=${'Calling as ' + who}>Sign in</button>`
        : html`<button class="link" onClick=${onSignOut} title=${'Signed in as ' + who}>Sign out</button>`}
    </div>`;
}
