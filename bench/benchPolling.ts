/**
 * What the latency benches share: JSON calls to the gateway (as a user's client makes them) and a
 * fast poll of a reading until it holds.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function gatewayJson<T>(url: string, init?: { method: string; body?: unknown }): Promise<T> {
  const res = await fetch(url, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? undefined : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`gateway ${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Reads every `everyMs` until `done` holds (a wait bound, not a timed assertion); returns the reading that held. */
export async function pollUntil<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, opts: { everyMs: number; timeoutMs?: number }): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(opts.everyMs);
  }
}
