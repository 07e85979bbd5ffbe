// Who uses the console: the caller the API says the stored key makes (GET /api/me), and the API's 401 when it wants a key.
import { useEffect, useState } from 'preact/hooks';
import * as api from './api.js';
import { connect, disconnect } from './events.js';

// me: {id, name, roles, anonymous, permissions} once known (null when the platform did not answer); started: the
// first GET /api/me ended; refusal: the API's 401 that asks for a key (or {asked: true} when the user chose to sign in),
// shown by the sign-in view until a key works
let session = { me: null, started: false, refusal: null };
const listeners = new Set();

function update(change) {
  session = { ...session, ...change };
  listeners.forEach((listener) => listener(session));
}

api.onUnauthenticated((error) => update({ refusal: error }));

/** Reads who the stored key makes the caller, and opens the event bridge as that caller if it may read. */
export async function start() {
  let me = null;
  try {
    me = await api.get('/api/me');
  } catch (error) {
    if (error.status === 401 && api.apiKey()) {
      // the stored key was deleted: the refusal (shown by the sign-in view) says so, and the console goes on without it
      api.setApiKey(null);
      return start();
    }
    // the platform does not answer: every page says so, and the bridge keeps trying
  }
  update({ me, started: true });
  bridgeFor(me);
  return me;
}

/** The bridge refuses a caller without the read permission. */
function bridgeFor(me) {
  if (!me || me.permissions.includes('read')) {
    connect(api.apiKey());
  } else {
    disconnect();
  }
}

/** Checks {@code key} with the API (an ApiError when it refuses it), then signs every call with it. */
export async function signIn(key) {
  const me = await api.whoIs(key);
  api.setApiKey(key);
  update({ me, refusal: null });
  bridgeFor(me);
  return me;
}

/** Forgets the key: the console calls anonymously again (which the API may refuse, then it asks for a key). */
export async function signOut() {
  api.setApiKey(null);
  update({ refusal: null });
  await start();
}

/** Shows the sign-in view without a refusal (to use a key where anonymous calls are allowed). */
export const askForKey = () => update({ refusal: { asked: true } });

/** Back from the sign-in view without a key, where anonymous calls may do something. */
export const continueAnonymously = () => update({ refusal: null });

export function useSession() {
  const [current, setCurrent] = useState(session);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(session);
    return () => listeners.delete(setCurrent);
  }, []);
  return current;
}
