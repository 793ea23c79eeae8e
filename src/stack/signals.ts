import { stopStack } from './stack';

/**
 * Ctrl-C / SIGTERM / SIGHUP stop every stack this process started, then exit with the signal's
 * conventional code. A second signal while stopping is ignored so the stop can finish.
 */
export function stopStacksOnSignals(beforeExit?: () => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nstack: ${signal}, stopping...`);
    void stopStack().finally(() => {
      beforeExit?.();
      process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143);
    });
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, handler);
}
