/**
 * `npm run bench -- <name> [flags]`: runs one benchmark. Each bench is a module exporting `run(argv)`; add new
 * ones to BENCHES.
 */
import '../src/stack/quietAwsNodeWarning';

interface Bench {
  description: string;
  run(argv: string[]): Promise<void>;
}

const BENCHES: Record<string, () => Promise<Bench>> = {
  tfserving: async () => {
    const m = await import('./tfserving');
    return { description: m.DESCRIPTION, run: m.run };
  },
  job: async () => {
    const m = await import('./job');
    return { description: m.DESCRIPTION, run: m.run };
  },
};

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const load = name ? BENCHES[name] : undefined;
  if (!load) {
    const list = await Promise.all(Object.entries(BENCHES).map(async ([n, l]) => `  ${n.padEnd(12)} ${(await l()).description}`));
    console.error(`usage: npm run bench -- <name> [flags]\n\nbenchmarks:\n${list.join('\n')}`);
    process.exit(name ? 2 : 0);
  }
  await (await load()).run(rest);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
