// The gateway's /v1 API as the page calls it: the API key (when the gateway has keys) from this
// tab's session storage, errors in the gateway's one shape, and a 401 that asks for a key.

const KEY = 'nightshift.apiKey';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (k) => sessionStorage.setItem(KEY, k),
  clear: () => sessionStorage.removeItem(KEY),
};

let apiBase = '';
let onUnauthenticated = () => {};

export function configureApi(base, unauthenticated) {
  apiBase = base;
  onUnauthenticated = unauthenticated;
}

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const key = apiKey.get();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(apiBase + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, 'unavailable', `the gateway cannot be reached (${err.message})`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, 'internal', `${res.status}: the answer is not JSON`);
  }
  if (!res.ok) {
    const e = json?.error ?? {};
    const err = new ApiError(res.status, e.code ?? 'unknown', e.message ?? `HTTP ${res.status}`);
    if (res.status === 401) onUnauthenticated(err);
    throw err;
  }
  return json;
}

export const q = (params) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : '';
};
