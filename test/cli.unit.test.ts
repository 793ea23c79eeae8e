/**
 * The CLI's own behaviour, in-process through `run()`: live progress drawn as a bar on a TTY and
 * as sparse plain lines elsewhere, argument errors, and the API key on the wire (never in help).
 * The job views are scripted (a real job cannot be made to pass through chosen states on time).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { run } from '../src/cli/main';
import { GatewayClient } from '../src/cli/gatewayClient';
import { UsageError } from '../src/cli/usage';
import type { CommandContext } from '../src/cli/context';
import type { JobView } from '../src/gateway/jobView';
import type { JobStatus } from '../src/job/messages';

function view(status: JobStatus, done: number, total: number | null, failed = 0): JobView {
  return {
    job_id: 'job-1',
    status,
    model: { name: 'recommender', version: null, version_label: null, signature_name: 'serving_default', served_version: null },
    items_total: total,
    items_succeeded: done - failed,
    items_failed: failed,
    batches_total: total === null ? null : 3,
    batches_succeeded: Math.floor(done / 100),
    batches_failed: 0,
    batches_in_flight: status === 'running' ? 1 : 0,
    parallelism: 8,
    created_at: '2026-11-30T00:00:00.000Z',
    started_at: null,
    updated_at: '2026-11-30T00:00:01.000Z',
    finished_at: null,
    throughput_items_per_s: status === 'planning' ? null : 1234,
    eta_s: status === 'running' ? 65 : null,
    output_path: 's3://b/out/job-1/',
    manifest_path: null,
    error: null,
    links: { self: '/v1/jobs/job-1', ui: 'http://ui/job-1' },
  };
}

/** A gateway that answers `job()` from a script, one view per poll, the last one forever. */
class ScriptedGateway extends GatewayClient {
  polls = 0;
  constructor(private readonly views: JobView[]) {
    super('http://127.0.0.1:9');
  }
  override job(): Promise<JobView> {
    return Promise.resolve(this.views[Math.min(this.polls++, this.views.length - 1)]!);
  }
}

/** A stderr that claims to be a terminal, keeping what is drawn on it. */
class FakeTty extends Writable {
  isTTY = true;
  columns = 120;
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function runWith(client: GatewayClient, args: string[], progressStream?: CommandContext['progressStream']) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, () => ({ client, out: (l) => out.push(l), err: (l) => err.push(l), progressStream }));
  return { code, out, err };
}

const SCRIPT = [view('planning', 0, null), view('running', 100, 300), view('running', 100, 300), view('running', 200, 300, 2), view('succeeded', 300, 300, 2)];

describe('CLI progress', () => {
  test('on a TTY, status --watch draws a bar: items done/total, items/s, ETA, failed', async () => {
    const tty = new FakeTty();
    const client = new ScriptedGateway(SCRIPT);
    const r = await runWith(client, ['status', 'job-1', '--watch', '--interval', '0.1'], tty);
    assert.equal(r.code, 0);
    assert.equal(client.polls, SCRIPT.length);
    assert.match(tty.text, /running\s+\[[=-]+\] 200\/300 items \| 1,234 items\/s \| eta 1m05s \| 2 failed/);
    assert.match(tty.text, /succeeded\s+\[=+\] 300\/300 items \| 1,234 items\/s \| eta done \| 2 failed/);
    assert.match(tty.text, /planning\s+\[-+\] 0\/\? items/, 'a job without a total yet draws an empty bar');
    assert.ok(!r.err.some((l) => /items/.test(l)), `no plain progress lines on a TTY: ${r.err.join('\n')}`);
    assert.equal(r.out[0], 'job job-1', 'the final view is printed on stdout');
  });

  test('without a TTY, plain lines: the first, then at most one every few seconds, and the last', async () => {
    const client = new ScriptedGateway(SCRIPT);
    const r = await runWith(client, ['status', 'job-1', '--watch', '--interval', '0.1']);
    assert.equal(r.code, 0);
    assert.equal(client.polls, SCRIPT.length);
    const lines = r.err.filter((l) => /items/.test(l));
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^\s+planning\s+0\/\? items/);
    assert.match(lines[1]!, /^\s+succeeded\s+300\/300 items .* 2 failed/);
    assert.doesNotMatch(r.err.join('\n'), /\x1b\[/, 'no terminal escapes in plain output');
  });

  test('status --watch exits 1 when the job ends other than succeeded; --json prints the final view', async () => {
    const client = new ScriptedGateway([view('running', 100, 300), { ...view('completed_with_errors', 300, 300, 5), error: null }]);
    const r = await runWith(client, ['status', 'job-1', '--watch', '--interval', '0.1', '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.out.length, 1);
    assert.equal((JSON.parse(r.out[0]!) as JobView).status, 'completed_with_errors');
  });
});

describe('CLI arguments', () => {
  const client = new ScriptedGateway([view('running', 0, 1)]);

  test('misuse throws UsageError with the reason and the failing command usage', async () => {
    const cases: [string[], RegExp, RegExp][] = [
      [[], /no command given/, /Usage: nightshift \[options\] \[command\]/],
      [['frob'], /unknown command 'frob'/, /Usage: nightshift /],
      [['status'], /missing required argument 'job_id'/, /Usage: nightshift status/],
      [['parallelism', 'job-1', '1001'], /whole number from 1 to 1000/, /Usage: nightshift parallelism/],
      [['list', '--status', 'done'], /Allowed choices are planning/, /Usage: nightshift list/],
      [['list', '--limit', '0'], /whole number from 1 to 1000/, /Usage: nightshift list/],
      [['submit', 'x.json', '--interval', 'soon'], /number of seconds/, /Usage: nightshift submit/],
      [['results', 'job-1', '--download'], /argument missing/, /Usage: nightshift results/],
      [['resume', 'job-1', '--reason', 'x'], /unknown option '--reason'/, /Usage: nightshift resume/],
    ];
    for (const [args, message, usage] of cases) {
      await assert.rejects(runWith(client, args), (e) => {
        assert.ok(e instanceof UsageError, `${args.join(' ')}: ${String(e)}`);
        assert.match(e.message, message, args.join(' '));
        assert.match(e.usage, usage, args.join(' '));
        return true;
      });
    }
  });

  test('--help and help <command> print on stdout and exit 0', async () => {
    const top = await runWith(client, ['--help']);
    assert.equal(top.code, 0);
    for (const cmd of ['submit', 'dry-run', 'status', 'list', 'cancel', 'pause', 'resume', 'parallelism', 'results', 'retry-failed']) {
      assert.match(top.out.join('\n'), new RegExp(`^  ${cmd} `, 'm'), cmd);
    }
    const sub = await runWith(client, ['help', 'results']);
    assert.equal(sub.code, 0);
    assert.match(sub.out.join('\n'), /Usage: nightshift results .*--download <dir>.*--json/s);
  });
});

describe('CLI API key', () => {
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(view('running', 1, 2)));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const viaOptions = (args: string[]) => {
    const out: string[] = [];
    return run(args, ({ gateway, apiKey }) => ({ client: new GatewayClient(gateway!, { apiKey }), out: (l) => out.push(l), err: () => {} })).then((code) => ({ code, out }));
  };

  test('--api-key is sent as a bearer token, and not at all without one', async () => {
    const withKey = await viaOptions(['status', 'job-1', '--gateway', url, '--api-key', 'sekrit-123']);
    assert.equal(withKey.code, 0);
    assert.equal(seen.at(-1)?.authorization, 'Bearer sekrit-123');
    assert.ok(!withKey.out.join('\n').includes('sekrit-123'));
    await viaOptions(['--gateway', url, 'status', 'job-1']);
    assert.equal(seen.at(-1)?.authorization, undefined);
  });
});
