// `npm run proto:gen`: regenerates the TypeScript types of protos/ into src/tfserving/generated/ with
// proto-loader-gen-types, using the same loader options as src/tfserving/protos.ts (keep the two in step).
// `node src/tfserving/generateTypes.mjs --out DIR` writes elsewhere (the staleness test compares the two).
import { spawnSync } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outFlag = process.argv.indexOf('--out');
const outDir = outFlag > 0 ? resolve(process.argv[outFlag + 1]) : join(root, 'src', 'tfserving', 'generated');

export const PROTO_FILES = [
  'tensorflow_serving/apis/prediction_service.proto',
  'tensorflow_serving/apis/model_service.proto',
];

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const bin = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'proto-loader-gen-types.cmd' : 'proto-loader-gen-types');
const args = [
  '--keepCase',
  '--longs=String',
  '--enums=String',
  '--defaults',
  '--oneofs',
  '--grpcLib=@grpc/grpc-js',
  '--includeComments',
  '-I', 'protos',
  '-O', outDir,
  ...PROTO_FILES,
];
const run = spawnSync(bin, args, { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  console.error(`proto-loader-gen-types failed (exit ${run.status ?? run.signal})`);
  process.exit(1);
}
console.log(`generated TypeScript types of protos/ into ${outDir}`);
