/**
 * `npm run drill [name ...] [--small] [--json]`: runs fault drills (every one without a name) at full
 * size, prints what each injected and found, and exits non-zero when one failed. Each drill is a
 * module exporting `drill: Drill`; add new ones to DRILLS.
 */
import '../src/stack/quietAwsNodeWarning';
import { passed, type Drill, type DrillReport } from './drill';

const DRILLS: Record<string, () => Promise<Drill>> = {
  // Process drills: a part of the stack dies mid-job (drill/processDrill.ts).
  'kill-worker': async () => (await import('./killWorker')).drill,
  'two-workers': async () => (await import('./twoWorkers')).drill,
  'temporal-restart': async () => (await import('./temporalRestart')).drill,
  's3-outage': async () => (await import('./s3Outage')).drill,
  // Model server and S3 faults, and the per-model cap.
  'model-server-faults': async () => (await import('./modelServerFaults')).drill,
  's3-denied-prefix': async () => (await import('./s3DeniedPrefix')).drill,
  'model-cap': async () => (await import('./modelCap')).drill,
};

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const small = args.includes('--small');
  const json = args.includes('--json');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !DRILLS[n]);
  if (unknown.length || args.includes('--help')) {
    const list = await Promise.all(Object.entries(DRILLS).map(async ([n, load]) => `  ${n.padEnd(22)} ${(await load()).description}`));
    console.error(`${unknown.length ? `unknown drill: ${unknown.join(', ')}\n\n` : ''}usage: npm run drill -- [name ...] [--small] [--json]\n\ndrills:\n${list.join('\n')}`);
    return unknown.length ? 2 : 0;
  }
  const reports: DrillReport[] = [];
  for (const name of names.length ? names : Object.keys(DRILLS)) {
    const drill = await DRILLS[name]!();
    if (!json) console.log(`drill ${name}: ${drill.description}`);
    const report = await drill.run({ size: small ? 'small' : 'full', log: json ? () => undefined : (l) => console.log(`  ${l}`) });
    reports.push(report);
    if (!json) {
      const o = report.output;
      console.log(`  job ${report.status} (expected ${report.expected_status}) in ${report.wall_s} s; ${o.items} items: ${o.succeeded} in parts, ${JSON.stringify(o.failed_by_code)} in errors/, ${o.missing} missing, ${o.duplicated} duplicated, ${o.altered} altered`);
      for (const [k, v] of Object.entries(report.figures)) console.log(`  ${k}: ${String(v)}`);
      console.log(passed(report) ? `  PASSED` : `  FAILED: ${report.problems.join('; ')}`);
    }
  }
  if (json) console.log(JSON.stringify(reports));
  return reports.every(passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`drill: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
