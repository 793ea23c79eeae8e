/**
 * `nightshift schedule ...` in-process against a recording HTTP server: what each command sends
 * (method, path, body), what it prints, and the misuse it refuses before any request. The end to
 * end run against a real gateway and worker is cli.schedule.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/cli/main';
import { GatewayClient, GatewayError } from '../src/cli/gatewayClient';
import { UsageError } from '../src/cli/usage';
import { durationText, patchFromFile } from '../src/cli/commands/schedule';
import { parseDocument } from '../src/cli/readSpec';
import type { ScheduleList, ScheduleView } from '../src/gateway/apiTypes';

const links = (id: string) => ({ self: `/v1/schedules/${id}`, runs: `/v1/jobs?schedule_id=${id}`, ui: `http://ui/schedules/${id}` });

function view(over: Partial<ScheduleView> = {}): ScheduleView {
  return {
    schedule_id: 'nightly',
    owner: 'local',
    spec: { cron: '0 3 * * *', timezone: 'Europe/Berlin' },
    job: { model: { name: 'recommender' }, input: { item_list: { items: [{ user_id: 1 }] } }, output: { s3_path: 's3://b/out/{{scheduled_time | date: "YYYY-MM-DD"}}/' } },
    overlap: 'skip',
    catchup_window: '1h',
    pause_on_failure: false,
    paused: false,
    note: null,
    created_at: '2026-11-01T00:00:00.000Z',
    updated_at: null,
    actions_taken: 2,
    skipped_overlap: 0,
    missed_catchup_window: 0,
    running_job_ids: [],
    next_runs: ['2026-11-03T02:00:00Z', '2026-11-04T02:00:00Z'],
    recent_runs: [
      {
        job_id: 'nightly-2026-11-02T02:00:00Z',
        scheduled_time: '2026-11-02T02:00:00Z',
        started_at: '2026-11-02T02:00:01.000Z',
        status: 'succeeded',
        closed_at: '2026-11-02T02:04:06.000Z',
        duration_s: 245,
        links: { self: '/v1/jobs/nightly-2026-11-02T02:00:00Z', ui: 'http://ui/j' },
      },
      {
        job_id: 'nightly-2026-11-01T02:00:00Z',
        scheduled_time: '2026-11-01T02:00:00Z',
        started_at: '2026-11-01T02:00:01.000Z',
        status: null,
        closed_at: null,
        duration_s: null,
        links: { self: '/v1/jobs/nightly-2026-11-01T02:00:00Z', ui: 'http://ui/j' },
      },
    ],
    links: links('nightly'),
    ...over,
  };
}

const LIST: ScheduleList = {
  schedules: [
    { schedule_id: 'nightly', owner: 'local', spec: { cron: '0 3 * * *', timezone: 'UTC' }, overlap: 'skip', paused: false, note: null, next_run: '2026-11-03T03:00:00Z', last_run: { job_id: 'nightly-2026-11-02T03:00:00Z', scheduled_time: '2026-11-02T03:00:00Z' }, links: links('nightly') },
    { schedule_id: 'hourly-x', owner: 'local', spec: { interval: '1h', timezone: 'UTC' }, overlap: 'buffer_one', paused: true, note: 'off', next_run: null, last_run: null, links: links('hourly-x') },
  ],
  next_page_token: 'tok',
};

interface Seen {
  method: string;
  url: string;
  body: unknown;
}

describe('nightshift schedule (against a recording server)', () => {
  let server: Server;
  let url: string;
  let dir: string;
  const seen: Seen[] = [];
  /** The next answer, by route; a test may set `refuse` to get a 400 instead. */
  let refuse: { status: number; body: unknown } | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nightshift-cli-sched-'));
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const body: unknown = text ? JSON.parse(text) : undefined;
        seen.push({ method: req.method!, url: req.url!, body });
        const send = (status: number, b: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(b));
        if (refuse) return send(refuse.status, refuse.body);
        const u = req.url!;
        if (u.startsWith('/v1/jobs')) return send(200, { jobs: [], next_page_token: null });
        if (req.method === 'GET' && u.startsWith('/v1/schedules?')) return send(200, LIST);
        if (req.method === 'DELETE') return send(200, { schedule_id: 'nightly', deleted: true });
        const action = /\/(trigger|backfill)$/.exec(u)?.[1];
        if (action) return send(202, { schedule_id: 'nightly', accepted: action, links: links('nightly') });
        if (/\/pause$/.test(u)) return send(200, view({ paused: true, note: (body as { note?: string } | undefined)?.note ?? 'paused by local' }));
        return send(req.method === 'POST' ? 201 : 200, view());
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(args, () => ({ client: new GatewayClient(url), out: (l) => out.push(l), err: (l) => err.push(l) }));
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const file = (name: string, content: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  const last = () => seen.at(-1)!;

  test('misuse is a UsageError with the subcommand usage, and nothing is sent', async () => {
    const other = file('other.json', { schedule_id: 'other', spec: { interval: '24h' }, job: {} });
    const cases: [string[], RegExp, RegExp][] = [
      [['schedule'], /no command given/, /Usage: nightshift schedule \[options\] \[command\]/],
      [['schedule', 'frob'], /unknown command 'frob'/, /Usage: nightshift schedule /],
      [['schedule', 'show'], /missing required argument 'id'/, /Usage: nightshift schedule show/],
      [['schedule', 'create'], /missing required argument 'file'/, /Usage: nightshift schedule create/],
      [['schedule', 'update', 'nightly'], /missing required argument 'file'/, /Usage: nightshift schedule update/],
      [['schedule', 'show', 'a', 'b'], /too many arguments/, /Usage: nightshift schedule show/],
      [['schedule', 'list', '--limit', '101'], /whole number from 1 to 100/, /Usage: nightshift schedule list/],
      [['schedule', 'trigger', 'nightly', '--overlap', 'never'], /Allowed choices are skip, buffer_one/, /Usage: nightshift schedule trigger/],
      [['schedule', 'backfill', 'nightly', '--end', '2026-11-02T03:00:00Z'], /required option '--start <time>' not specified/, /Usage: nightshift schedule backfill/],
      [['schedule', 'backfill', 'nightly', '--start', '2026-11-01', '--end', '2026-11-02T03:00:00Z'], /ISO-8601 date-time with a zone/, /Usage: nightshift schedule backfill/],
      [['schedule', 'backfill', 'nightly', '--start', '2026-11-01T03:00:00', '--end', '2026-11-02T03:00:00Z'], /ISO-8601 date-time with a zone/, /Usage: nightshift schedule backfill/],
      [['schedule', 'backfill', 'nightly', '--start', '2026-11-02T03:00:00Z', '--end', '2026-11-01T03:00:00Z'], /--end .* must not be before --start/, /Usage: nightshift schedule backfill/],
      [['schedule', 'pause', 'nightly', '--reason', 'x'], /unknown option '--reason'/, /Usage: nightshift schedule pause/],
      [['schedule', 'delete', 'nightly', '--overlap', 'skip'], /unknown option '--overlap'/, /Usage: nightshift schedule delete/],
      [['schedule', 'update', 'nightly', other], /the file is for schedule "other", not "nightly"/, /Usage: nightshift schedule update/],
      [['list', '--schedule'], /argument missing/, /Usage: nightshift list/],
    ];
    const before = seen.length;
    for (const [args, message, usage] of cases) {
      await assert.rejects(cli(args), (e) => {
        assert.ok(e instanceof UsageError, `${args.join(' ')}: ${String(e)}`);
        assert.match(e.message, message, args.join(' '));
        assert.match(e.usage, usage, args.join(' '));
        return true;
      });
    }
    assert.equal(seen.length, before, 'no request for misuse');
  });

  test('help: the top level lists schedule; schedule --help lists its nine commands', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.out, /^ {2}schedule +Recurring jobs/m);
    assert.match(top.out, /nightshift schedule backfill <id> --start/);
    const sub = await cli(['schedule', '--help']);
    assert.equal(sub.code, 0);
    for (const c of ['create <file>', 'list', 'show <id>', 'update <id> <file>', 'pause', 'unpause', 'trigger', 'backfill', 'delete <id>']) {
      assert.match(sub.out, new RegExp(`^ {2}${c.replace(/[<>]/g, '.')}`, 'm'), c);
    }
    const help = await cli(['schedule', 'help', 'backfill']);
    assert.match(help.out, /Usage: nightshift schedule backfill \[options\] <id>.*--start <time>.*--json/s);
  });

  test('create sends the file (JSON or YAML) as written; prints a confirmation with the next run', async () => {
    const def = { schedule_id: 'nightly', spec: { cron: '0 3 * * *', timezone: 'Europe/Berlin' }, job: { model: { name: 'recommender' } } };
    const r = await cli(['schedule', 'create', file('s.json', def)]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(last(), { method: 'POST', url: '/v1/schedules', body: def });
    assert.equal(r.out, 'schedule nightly created: 0 3 * * * (Europe/Berlin); next run 2026-11-03T02:00:00Z');

    const yaml = file('s.yaml', 'schedule_id: nightly\nspec:\n  cron: "0 3 * * *"\n  timezone: Europe/Berlin\njob:\n  model:\n    name: recommender\n');
    const y = await cli(['schedule', 'create', yaml, '--json']);
    assert.equal(y.code, 0, y.err);
    assert.deepEqual(last().body, def);
    assert.deepEqual(JSON.parse(y.out), view(), '--json prints the gateway answer');
  });

  test('a file that cannot be read, or is not an object, is exit 1 before any request', async () => {
    const before = seen.length;
    const broken = await cli(['schedule', 'create', file('broken.json', '{"schedule_id":')]);
    assert.equal(broken.code, 1);
    assert.match(broken.err, /broken\.json: .*JSON/);
    const list = await cli(['schedule', 'create', file('list.yaml', '- a\n- b\n')]);
    assert.equal(list.code, 1);
    assert.match(list.err, /list\.yaml: must hold an object/);
    const missing = await cli(['schedule', 'update', 'nightly', join(dir, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /nope\.json: ENOENT/);
    assert.equal(seen.length, before);
  });

  test('update sends only the PATCH fields; a full schedule file works, its paused and note are ignored aloud', async () => {
    const r = await cli(['schedule', 'update', 'nightly', file('p.json', { overlap: 'buffer_one' })]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(last(), { method: 'PATCH', url: '/v1/schedules/nightly', body: { overlap: 'buffer_one' } });
    assert.equal(r.out, 'schedule nightly updated (overlap): 0 3 * * * (Europe/Berlin); next run 2026-11-03T02:00:00Z');
    assert.equal(r.err, '');

    const full = { schedule_id: 'nightly', spec: { interval: '24h' }, job: { model: { name: 'm' } }, overlap: 'skip', paused: true, note: 'x', catchup_window: '2h' };
    const f = await cli(['schedule', 'update', 'nightly', file('full.json', full)]);
    assert.equal(f.code, 0, f.err);
    assert.deepEqual(last().body, { spec: { interval: '24h' }, job: { model: { name: 'm' } }, overlap: 'skip', catchup_window: '2h' });
    assert.match(f.err, /ignoring paused and note in .*full\.json: update does not change them \(use nightshift schedule pause\|unpause nightly/);
    // Fields the gateway does not know go as written: it names them.
    assert.deepEqual(patchFromFile('nightly', { bogus: 1 }).patch, { bogus: 1 });
    assert.deepEqual(patchFromFile('nightly', { note: 'n' }), { patch: {}, ignored: ['note'] });
  });

  test('pause/unpause with and without --note; trigger and backfill with and without --overlap', async () => {
    const p = await cli(['schedule', 'pause', 'nightly', '--note', 'retraining']);
    assert.equal(p.code, 0, p.err);
    assert.deepEqual(last(), { method: 'POST', url: '/v1/schedules/nightly/pause', body: { note: 'retraining' } });
    assert.equal(p.out, 'schedule nightly paused (note: retraining); paused: no runs until unpaused');
    await cli(['schedule', 'unpause', 'nightly']);
    assert.deepEqual(last(), { method: 'POST', url: '/v1/schedules/nightly/unpause', body: undefined });

    const t = await cli(['schedule', 'trigger', 'nightly']);
    assert.equal(t.code, 0, t.err);
    assert.deepEqual(last(), { method: 'POST', url: '/v1/schedules/nightly/trigger', body: undefined });
    assert.equal(t.out, 'schedule nightly: a run now was accepted\nsee the runs: nightshift list --schedule nightly');
    await cli(['schedule', 'trigger', 'nightly', '--overlap', 'skip']);
    assert.deepEqual(last().body, { overlap: 'skip' });

    const b = await cli(['schedule', 'backfill', 'nightly', '--start', '2026-11-01T03:00:00Z', '--end', '2026-11-02T03:00:00+01:00', '--json']);
    assert.equal(b.code, 0, b.err);
    assert.deepEqual(last(), { method: 'POST', url: '/v1/schedules/nightly/backfill', body: { start: '2026-11-01T03:00:00Z', end: '2026-11-02T03:00:00+01:00' } });
    assert.deepEqual(JSON.parse(b.out), { schedule_id: 'nightly', accepted: 'backfill', links: links('nightly') });
    const bt = await cli(['schedule', 'backfill', 'nightly', '--start', '2026-11-01T03:00:00Z', '--end', '2026-11-02T03:00:00Z', '--overlap', 'allow_all']);
    assert.deepEqual(last().body, { start: '2026-11-01T03:00:00Z', end: '2026-11-02T03:00:00Z', overlap: 'allow_all' });
    assert.match(bt.out, /^schedule nightly: backfill from 2026-11-01T03:00:00Z to 2026-11-02T03:00:00Z accepted \(overlap allow_all\)\nsee the runs: nightshift list --schedule nightly$/);

    const d = await cli(['schedule', 'delete', 'nightly']);
    assert.deepEqual([d.code, last().method, last().url], [0, 'DELETE', '/v1/schedules/nightly']);
    assert.match(d.out, /^schedule nightly deleted/);
  });

  test('ids are sent URL-encoded; list --schedule filters the jobs by schedule_id', async () => {
    await cli(['schedule', 'show', 'a.b_c-1']);
    assert.equal(last().url, '/v1/schedules/a.b_c-1');
    await cli(['schedule', 'show', 'a/b']);
    assert.equal(last().url, '/v1/schedules/a%2Fb');
    const r = await cli(['list', '--schedule', 'nightly', '--status', 'succeeded']);
    assert.equal(r.code, 0, r.err);
    assert.equal(last().url, '/v1/jobs?status=succeeded&schedule_id=nightly&limit=20');
  });

  test('list prints a table (schedule + zone, paused, next and last run) and the next page', async () => {
    const r = await cli(['schedule', 'list', '--limit', '2']);
    assert.equal(r.code, 0, r.err);
    assert.equal(last().url, '/v1/schedules?limit=2');
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^ID\s+SCHEDULE\s+PAUSED\s+NEXT RUN\s+LAST RUN$/);
    assert.match(lines[1]!, /^nightly\s+0 3 \* \* \* \(UTC\)\s+no\s+2026-11-03T03:00:00Z\s+2026-11-02T03:00:00Z$/);
    assert.match(lines[2]!, /^hourly-x\s+every 1h \(UTC\)\s+yes\s+-\s+-$/);
    assert.equal(r.err, 'more: nightshift schedule list --page-token tok');
    const j = await cli(['schedule', 'list', '--json', '--page-token', 'tok']);
    assert.equal(last().url, '/v1/schedules?limit=20&page_token=tok');
    assert.deepEqual(JSON.parse(j.out), LIST);
  });

  test('show prints the spec, policies, pause state, next runs and recent runs', async () => {
    const r = await cli(['schedule', 'show', 'nightly']);
    assert.equal(r.code, 0, r.err);
    const out = r.out;
    assert.match(out, /^schedule nightly\n/);
    assert.match(out, /^ {2}schedule +0 3 \* \* \* \(Europe\/Berlin\)$/m);
    assert.match(out, /^ {2}job +recommender -> s3:\/\/b\/out\/\{\{scheduled_time \| date: "YYYY-MM-DD"\}\}\//m);
    assert.match(out, /^ {2}overlap +skip$/m);
    assert.match(out, /^ {2}catchup +1h$/m);
    assert.match(out, /^ {2}paused +no$/m);
    assert.match(out, /^ {2}runs +2 started, 0 skipped \(overlap\), 0 missed \(catch-up window\)$/m);
    assert.match(out, /^next runs:\n {2}2026-11-03T02:00:00Z\n {2}2026-11-04T02:00:00Z$/m);
    assert.match(out, /^recent runs:\n {2}JOB ID\s+STATUS\s+DURATION\s+STARTED$/m);
    assert.match(out, /^ {2}nightly-2026-11-02T02:00:00Z\s+succeeded\s+4m05s\s+2026-11-02T02:00:01.000Z$/m);
    assert.match(out, /^ {2}nightly-2026-11-01T02:00:00Z\s+\(expired\)\s+-\s+/m);
  });

  test('a refusal is a GatewayError with the fields', async () => {
    refuse = { status: 400, body: { error: { code: 'invalid_argument', message: 'invalid', fields: [{ field: 'spec.cron', reason: 'invalid cron expression: x' }] } } };
    try {
      await assert.rejects(cli(['schedule', 'create', file('bad.json', { schedule_id: 'x' })]), (e) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.status, 400);
        assert.deepEqual(e.fields, [{ field: 'spec.cron', reason: 'invalid cron expression: x' }]);
        return true;
      });
    } finally {
      refuse = undefined;
    }
  });
});

describe('schedule helpers', () => {
  test('durationText', () => {
    assert.deepEqual([0, 12.3, 59.9, 60, 245, 3599, 3600, 7620].map(durationText), ['0s', '12.3s', '59.9s', '1m00s', '4m05s', '59m59s', '1h00m', '2h07m']);
  });

  test('parseDocument: JSON, YAML by extension, YAML when it does not look like JSON; broken JSON keeps its JSON error', () => {
    assert.deepEqual(parseDocument('{"a":1}', 'x.json'), { a: 1 });
    assert.deepEqual(parseDocument('a: 1\nb: [x]\n', 'x.yaml'), { a: 1, b: ['x'] });
    assert.deepEqual(parseDocument('a: 1\n', '-'), { a: 1 });
    assert.throws(() => parseDocument('{"a":', 'x.txt'), SyntaxError);
    assert.throws(() => parseDocument('a: [', 'x.yml'));
  });
});
