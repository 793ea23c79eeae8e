/**
 * `npm run stack`: the whole local stack in the foreground until Ctrl-C. A part that dies later is
 * reported and the rest keep running, so e.g. a killed worker can be replaced by `npm run worker`.
 */
import './quietAwsNodeWarning';
import { stopStacksOnSignals } from './signals';
import { startStack, StackStartError } from './stack';
import { stackSummary } from './summary';

async function main(): Promise<void> {
  stopStacksOnSignals(() => console.log('stack: stopped'));
  const stack = await startStack();
  console.log(stackSummary(stack));
  // Stay in the foreground; the signal handler stops the stack and exits.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  console.error(`stack: ${err instanceof StackStartError ? err.message : (err as Error).stack ?? String(err)}`);
  process.exit(1);
});
