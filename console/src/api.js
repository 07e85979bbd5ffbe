// The platform's HTTP API, as the console uses it. Every refusal becomes an ApiError carrying the API's own message.

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

export async function request(method, path, body) {
  const options = { method, headers: { accept: 'application/json' } };
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
        reject(new ApiError(xhr.status, body.error.code, body.error.message, body.error.details));
      } else {
        reject(new ApiError(xhr.status, 'http_' + xhr.status, `${xhr.status} ${xhr.statusText}`));
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
