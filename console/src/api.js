// The platform's HTTP API, as the console uses it. Every refusal becomes an ApiError carrying the API's own message;
// every call carries the signed-in API key, and a 401 is told to the shell, which then asks for a key.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: the status says enough
  }
  const error = body && body.error;
  if (error && typeof error === 'object') {
    return new ApiError(response.status, error.code, error.message, error.details);
  }
  return new ApiError(response.status, 'http_' + response.status,
    typeof error === 'string' ? error : `${response.status} ${response.statusText || 'error'}`);
}

const KEY_ITEM = 'mlplatform.apiKey';
const unauthenticatedListeners = new Set();

/** The API key the console signs its calls with (kept in localStorage), or null. */
export function apiKey() {
  try {
    return localStorage.getItem(KEY_ITEM);
  } catch {
    return null; // storage disabled: no key survives a reload
  }
}

export function setApiKey(key) {
  try {
    if (key) {
      localStorage.setItem(KEY_ITEM, key);
    } else {
      localStorage.removeItem(KEY_ITEM);
    }
  } catch {
    // storage disabled
  }
}

/** Calls {@code listener(apiError)} on every 401 of a call made with the console's key (or without one). */
export function onUnauthenticated(listener) {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/** Tells a 401 to the listeners, unless the key changed while the call was under way (its answer is stale). */
function refused(error, key) {
  if (error.status === 401 && key === apiKey()) {
    unauthenticatedListeners.forEach((listener) => listener(error));
  }
  return error;
}

/** A link to a download (which a browser fetches without headers): the key goes in the api_key parameter. */
export function withApiKey(href) {
  const key = apiKey();
  return key ? `${href}${href.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(key)}` : href;
}

async function call(method, path, body, key) {
  const options = { method, headers: { accept: 'application/json' } };
  if (key) {
    options.headers.authorization = 'Bearer ' + key;
  }
  if (body !== undefined) {
    options.headers['content-type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new ApiError(0, 'unavailable', 'The platform does not answer: is it running?');
  }
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response.status === 204 ? null : response.json();
}

export async function request(method, path, body) {
  const key = apiKey();
  try {
    return await call(method, path, body, key);
  } catch (error) {
    throw refused(error, key);
  }
}

/** Who {@code key} makes the caller ({@code GET /api/me}), without touching the console's own key. */
export const whoIs = (key) => call('GET', '/api/me', undefined, key);

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body ?? {});
export const put = (path, body) => request('PUT', path, body);
export const patch = (path, body) => request('PATCH', path, body);
export const del = (path) => request('DELETE', path);

/** A multipart upload with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('accept', 'application/json');
    const key = apiKey();
    if (key) {
      xhr.setRequestHeader('authorization', 'Bearer ' + key);
    }
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, 'unavailable', 'The upload was interrupted: is the platform running?'));
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
      } else if (body && body.error && typeof body.error === 'object') {
        reject(refused(new ApiError(xhr.status, body.error.code, body.error.message, body.error.details), key));
      } else {
        reject(refused(new ApiError(xhr.status, 'http_' + xhr.status, `${xhr.status} ${xhr.statusText}`), key));
      }
    };
    xhr.send(form);
  });
}

export const enc = encodeURIComponent;

/** Names as the API accepts them (components/schemas/Name in openapi.yaml). */
export const NAME_PATTERN = /^(?!.*[.][.])[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const NAME_RULE = 'letters, digits, ".", "_" and "-"; starting with a letter or digit';

/** What is wrong with a name the user typed, or null. */
export function nameProblem(name) {
  if (!name.trim()) return 'A name is required.';
  return NAME_PATTERN.test(name.trim()) ? null : `Use ${NAME_RULE}.`;
}
