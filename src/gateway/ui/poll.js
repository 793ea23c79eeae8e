// Live refresh by polling: one loop per view, stopped when the view is left, paused while the
// tab is hidden (nobody is watching, and a phone's battery is).

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

const visible = (signal) =>
  document.hidden
    ? new Promise((resolve) => {
        const go = () => {
          if (document.hidden && !signal.aborted) return;
          document.removeEventListener('visibilitychange', go);
          resolve();
        };
        document.addEventListener('visibilitychange', go);
        signal.addEventListener('abort', go, { once: true });
      })
    : Promise.resolve();

/** Calls `fn` now and then every `ms` after it settles, until `signal` aborts. `fn` returning false stops the loop. */
export async function every(ms, signal, fn) {
  while (!signal.aborted) {
    let more = true;
    try {
      more = (await fn()) !== false;
    } catch (err) {
      console.warn('refresh failed', err);
    }
    if (!more) return;
    await sleep(ms, signal);
    await visible(signal);
  }
}

/** Runs `fn` over `items`, at most `limit` at once. */
export async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
