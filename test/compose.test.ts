/**
 * docker-compose.yml cannot run here (no Docker engine), so it is reviewed against the code: every
 * NIGHTSHIFT_* variable it sets must be one src/config.ts reads, the gateway and worker must be
 * wired to services that exist, and their environment must pass loadConfig().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_VARS, loadConfig, splitHostPort } from '../src/config';
import { SEARCH_ATTRIBUTES } from '../src/job/messages';

const ROOT = join(__dirname, '..', '..');
const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const known = new Set<string>(ENV_VARS.map((v) => v.name));

/**
 * Just enough YAML for this file's style: top-level `services:` with two-space indents, block maps
 * for `environment:`, and `<<: *anchor` merges of top-level `x-...: &anchor` maps.
 */
function composeEnvironments(yaml: string): Map<string, Record<string, string>> {
  const lines = yaml.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const indent = (l: string) => l.length - l.trimStart().length;
  const scalar = (v: string) => v.trim().replace(/^"(.*)"$/, '$1');
  const blockAt = (start: number, minIndent: number): Record<string, string> => {
    const out: Record<string, string> = {};
    for (let i = start; i < lines.length && indent(lines[i]!) >= minIndent; i++) {
      const m = /^\s*([^:\s]+):\s*(.*)$/.exec(lines[i]!);
      if (!m || indent(lines[i]!) !== minIndent) continue;
      if (m[1] === '<<') Object.assign(out, anchors.get(m[2]!.replace(/^\*/, '')) ?? {});
      else out[m[1]!] = scalar(m[2]!);
    }
    return out;
  };
  const anchors = new Map<string, Record<string, string>>();
  lines.forEach((l, i) => {
    const m = /^x-[\w-]+:\s*&([\w-]+)\s*$/.exec(l);
    if (m) anchors.set(m[1]!, blockAt(i + 1, 2));
  });
  const services = new Map<string, Record<string, string>>();
  const start = lines.findIndex((l) => l === 'services:');
  let service = '';
  for (let i = start + 1; i < lines.length && indent(lines[i]!) > 0; i++) {
    const l = lines[i]!;
    if (indent(l) === 2) {
      service = l.trim().replace(/:$/, '');
      services.set(service, {});
    } else if (indent(l) === 4 && l.trim() === 'environment:') {
      services.set(service, blockAt(i + 1, 6));
    }
  }
  return services;
}

/** Compose's `${NAME:-default}` interpolation, resolved as with an empty host environment. */
const interpolate = (v: string) => v.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');

const services = composeEnvironments(text);
const envOf = (service: string) =>
  Object.fromEntries(Object.entries(services.get(service) ?? {}).map(([k, v]) => [k, interpolate(v)]));

test('every NIGHTSHIFT_* name in docker-compose.yml is a variable the code reads', () => {
  const used = new Set(text.match(/NIGHTSHIFT_[A-Z0-9_]+/g) ?? []);
  assert.ok(used.size > 10, 'the compose file sets the NIGHTSHIFT_* variables');
  assert.deepEqual([...used].filter((n) => !known.has(n)), []);
});

test('the gateway and the worker get a complete, valid configuration', () => {
  for (const name of ['gateway', 'worker']) {
    const env = services.get(name);
    assert.ok(env, `service ${name}`);
    for (const key of ['NIGHTSHIFT_TEMPORAL_ADDRESS', 'NIGHTSHIFT_S3_ENDPOINT', 'NIGHTSHIFT_S3_ACCESS_KEY', 'NIGHTSHIFT_TFSERVING_TARGET']) {
      assert.ok(env[key], `${name} sets ${key}`);
    }
    assert.doesNotThrow(() => loadConfig(envOf(name)), `${name}: loadConfig accepts its environment`);
  }
});

test('the addresses the gateway and worker use name services of the file', () => {
  for (const name of ['gateway', 'worker']) {
    const config = loadConfig(envOf(name));
    const hosts = [
      splitHostPort(config.temporal.address).host,
      new URL(config.s3.endpoint!).hostname,
      splitHostPort(config.tfserving.target).host,
    ];
    for (const host of hosts) assert.ok(services.has(host), `${name} reaches "${host}", a service of docker-compose.yml`);
  }
  assert.equal(splitHostPort(loadConfig(envOf('gateway')).gateway.addr).host, '0.0.0.0', 'gateway listens on all interfaces');
});

test('the gateway is reachable from other hosts only with API keys, and published on loopback', () => {
  const config = loadConfig(envOf('gateway'));
  assert.ok(config.gateway.apiKeysFile, 'a gateway on 0.0.0.0 refuses to start without NIGHTSHIFT_API_KEYS_FILE');
  assert.match(text, new RegExp(`:${config.gateway.apiKeysFile.replace(/\//g, '\\/')}:ro`), 'the keys file is mounted where the gateway reads it');
  assert.match(text, /- "127\.0\.0\.1:8080:8080"/);
  assert.ok(readFileSync(join(ROOT, 'deploy', 'api-keys.example.json')).length > 0, 'an example keys file to start from');
});

test('the Temporal setup registers both search attributes as Keyword', () => {
  for (const key of SEARCH_ATTRIBUTES) assert.match(text, new RegExp(`\\b${key.name}\\b`));
  assert.match(text, /search-attribute create -n default --name "\$\$attr" --type Keyword/);
});

test('the bundled model server service serves on the port the TF Serving target names', () => {
  const env = services.get('model-server');
  assert.ok(env, 'model-server service');
  assert.equal(splitHostPort(env.NIGHTSHIFT_MODEL_SERVER_ADDR!).port, 8500);
  assert.match(text, /NIGHTSHIFT_TFSERVING_TARGET=model-server:8500/);
});
