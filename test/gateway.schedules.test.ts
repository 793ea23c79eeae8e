/**
 * `/v1/schedules` validation and ownership: a real in-process gateway with API keys against the
 * test stack's Temporal (no worker: nothing here needs a run to finish). Every refusal is checked
 * for its status, code and the field it names, and that nothing reached Temporal; every schedule
 * created is deleted at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { ApiKeyStore, sha256Hex } from '../src/gateway/apiKeys';
import type { ScheduleList, ScheduleView } from '../src/gateway/apiTypes';
import { NightshiftOwner, NightshiftSchedule } from '../src/job/messages';
import { deleteSchedules, startGateway, type Answer, type GatewayHarness } from './helpers/gatewayHarness';

const T = { timeout: 120_000 };
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const KEYS = { a: `key-a-${RUN}`, b: `key-b-${RUN}` };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
/** 29 February only: no run starts while the tests look. */
const LEAP_DAY = '0 2 29 2 *';

describe('gateway /v1/schedules: validation and ownership', { timeout: 600_000 }, () => {
  let gw: GatewayHarness;
  let bucket: string;
  /** `s3://<bucket>/sched-test/<run>/`; team-a may write under `${base}team-a/`. */
  let base: string;
  const created = new Set<string>();
  const sid = (name: string) => `st-${RUN}-${name}`;
  const job = (extra: Record<string, unknown> = {}, output: Record<string, unknown> = {}) => ({
    model: { name: 'recommender' },
    input: { item_list: { items: [{ user_id: 1 }], batch_size: 10 } },
    output: { s3_path: `${base}team-a/out/{{schedule_id}}/{{scheduled_time | date: "YYYY-MM-DD"}}/`, ...output },
    ...extra,
  });
  const definition = (name: string, extra: Record<string, unknown> = {}) => ({
    schedule_id: sid(name),
    spec: { cron: LEAP_DAY, timezone: 'Europe/Berlin' },
    job: job(),
    ...extra,
  });
  const send = async (method: string, path: string, body?: unknown, key = KEYS.a) => {
    const res = await gw.request(method, path, { body, headers: bearer(key) });
    if (method === 'POST' && path === '/v1/schedules' && res.status === 201) created.add(String(res.body.schedule_id));
    return res;
  };
  const create = (body: unknown, key = KEYS.a) => send('POST', '/v1/schedules', body, key);
  const view = (res: Answer) => res.body as unknown as ScheduleView;

  /** The gateway's one error shape, with the status, code and (first) field expected. */
  function assertError(res: Answer, status: number, code: string, field: string | undefined, what: string): void {
    const ctx = `${what}: ${res.status} ${JSON.stringify(res.body)}`;
    assert.equal(res.status, status, ctx);
    assert.deepEqual(Object.keys(res.body), ['error'], ctx);
    const e = res.body.error!;
    assert.equal(e.code, code, ctx);
    assert.equal(typeof e.message, 'string', ctx);
    assert.ok(e.message.length > 0, ctx);
    assert.equal(typeof e.request_id, 'string', ctx);
    for (const k of Object.keys(e)) assert.ok(['code', 'message', 'fields', 'request_id'].includes(k), `${ctx}: unexpected key ${k}`);
    if (field === undefined) return;
    assert.ok(Array.isArray(e.fields) && e.fields.length > 0, ctx);
    for (const f of e.fields) assert.deepEqual(Object.keys(f).sort(), ['field', 'reason'], ctx);
    assert.equal(e.fields[0]!.field, field, ctx);
  }

  async function notInTemporal(id: string): Promise<void> {
    await assert.rejects(gw.temporal.schedule.getHandle(id).describe(), ScheduleNotFoundError, `${id} must not exist in Temporal`);
  }

  before(async () => {
    const probe = await startGateway();
    bucket = probe.config.s3.bucket;
    await probe.close();
    base = `s3://${bucket}/sched-test/${RUN}/`;
    const dir = mkdtempSync(join(tmpdir(), 'nightshift-sched-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(
      file,
      JSON.stringify({
        keys: [
          { id: 'team-a', sha256: sha256Hex(KEYS.a), read: [`${base}team-a/`, `${base}shared/`], write: [`${base}team-a/`] },
          { id: 'team-b', sha256: sha256Hex(KEYS.b), read: [`${base}team-b/`], write: [`${base}team-b/`] },
        ],
      }),
    );
    gw = await startGateway({ apiKeys: new ApiKeyStore(file) });
  });

  after(async () => {
    await deleteSchedules(gw.temporal, created);
    await gw?.close();
  });

  test('a created schedule is in Temporal with the policies asked for (skip, catch-up 1h explicit), its spec and template as written', T, async () => {
    const body = definition('created', {
      spec: { cron: LEAP_DAY, timezone: 'Europe/Berlin', jitter: '30s', start_at: '2026-01-01T00:00:00Z', end_at: '2099-01-01T00:00:00Z' },
      paused: true,
      note: 'waiting for the model',
    });
    const res = await create(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const v = view(res);
    assert.equal(v.schedule_id, body.schedule_id);
    assert.equal(v.owner, 'team-a');
    assert.deepEqual(v.spec, body.spec);
    assert.deepEqual(v.job, body.job, 'the template comes back unresolved');
    assert.deepEqual([v.overlap, v.catchup_window, v.pause_on_failure, v.paused, v.note], ['skip', '1h', false, true, 'waiting for the model']);
    assert.deepEqual(v.recent_runs, []);
    assert.equal(v.links.runs, `/v1/jobs?schedule_id=${body.schedule_id}`);

    const d = await gw.temporal.schedule.getHandle(body.schedule_id).describe();
    assert.equal(d.policies.overlap, 'SKIP');
    assert.equal(d.policies.catchupWindow, 3_600_000, 'explicit, not Temporal’s default of a year');
    assert.equal(d.policies.pauseOnFailure, false);
    assert.equal(d.state.paused, true);
    assert.equal(d.state.note, 'waiting for the model');
    assert.equal(d.spec.timezone, 'Europe/Berlin');
    assert.equal(d.spec.jitter, 30_000);
    assert.equal(d.spec.startAt?.toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal(d.spec.endAt?.toISOString(), '2099-01-01T00:00:00.000Z');
    assert.equal(d.typedSearchAttributes.get(NightshiftOwner), 'team-a');
    assert.equal(d.typedSearchAttributes.get(NightshiftSchedule), body.schedule_id);
    assert.equal(d.action.type, 'startWorkflow');
    assert.equal(d.action.type === 'startWorkflow' && d.action.workflowId, body.schedule_id, 'Temporal appends the scheduled time to it');
    const args = d.action.type === 'startWorkflow' ? (d.action.args as { defaults?: Record<string, unknown> }[]) : [];
    // Defaults resolved by the gateway ride along, so a run never defaults the spec itself.
    assert.deepEqual(args, [{ scheduled_run: { schedule_id: body.schedule_id, timezone: 'Europe/Berlin' }, template: body.job, defaults: args[0]?.defaults }]);
    assert.equal(args[0]?.defaults?.['parallelism'], 8, 'the spec default, resolved at the edge');

    const got = await send('GET', `/v1/schedules/${body.schedule_id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(view(got).spec, body.spec, 'GET gives the spec back as written');
    assert.deepEqual(view(got).job, body.job);

    // Defaults: not paused, interval spec, UTC.
    const plain = await create({ schedule_id: sid('defaults'), spec: { interval: '24h', start_at: '2099-01-01T00:00:00Z' }, job: job(), paused: true });
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    assert.deepEqual(view(plain).spec, { interval: '24h', timezone: 'UTC', start_at: '2099-01-01T00:00:00Z' });
    const pd = await gw.temporal.schedule.getHandle(sid('defaults')).describe();
    assert.deepEqual(pd.spec.intervals?.map((i) => i.every), [86_400_000]);
    assert.equal(pd.policies.overlap, 'SKIP');
    assert.equal(pd.policies.catchupWindow, 3_600_000);
  });

  test('bad definitions are 400 naming the field, and nothing reaches Temporal', T, async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['bad cron', { spec: { cron: '0 25 * * *' } }, 'spec.cron'],
      ['six-field cron', { spec: { cron: '0 0 2 * * *' } }, 'spec.cron'],
      ['unknown time zone', { spec: { cron: LEAP_DAY, timezone: 'Mars/Olympus_Mons' } }, 'spec.timezone'],
      ['time zone in the wrong case', { spec: { cron: LEAP_DAY, timezone: 'europe/berlin' } }, 'spec.timezone'],
      // A link in the wrong case passes Intl (it resolves to another name) but not Temporal: still a 400, not a 500.
      ['link in the wrong case', { spec: { cron: LEAP_DAY, timezone: 'us/pacific' } }, 'spec.timezone'],
      ['end before start', { spec: { cron: LEAP_DAY, start_at: '2027-01-01T00:00:00Z', end_at: '2026-01-01T00:00:00Z' } }, 'spec.end_at'],
      ['cron and interval', { spec: { cron: LEAP_DAY, interval: '1h' } }, 'spec.cron'],
      ['neither cron nor interval', { spec: { timezone: 'UTC' } }, 'spec.cron'],
      ['catch-up window under 10s', { catchup_window: '5s' }, 'catchup_window'],
      ['unknown overlap', { overlap: 'queue' }, 'overlap'],
      ['unknown field', { colour: 'red' }, 'colour'],
      ['bad schedule id', { schedule_id: 'has/slash' }, 'schedule_id'],
      ['unknown placeholder', { job: job({}, { s3_path: `${base}team-a/{{run_date}}/` }) }, 'job.output.s3_path'],
      ['lower-case date tokens', { job: job({}, { s3_path: `${base}team-a/{{scheduled_time | date: "yyyy-mm-dd"}}/` }) }, 'job.output.s3_path'],
      ['filter on schedule_id', { job: job({}, { s3_path: `${base}team-a/{{schedule_id | date: "YYYY"}}/` }) }, 'job.output.s3_path'],
      ['unbalanced braces', { job: job({}, { s3_path: `${base}team-a/{{scheduled_time/` }) }, 'job.output.s3_path'],
      ['not a job spec after substitution: model.name missing', { job: job({ model: {} }) }, 'job.model.name'],
      ['not a job spec: {{schedule_id}} makes an invalid bucket', { schedule_id: sid('Bad_Bucket'), job: job({}, { s3_path: 's3://{{schedule_id}}/out/' }) }, 'job.output.s3_path'],
      ['not a job spec: unknown field', { job: job({ priority: 'high' }) }, 'job.priority'],
      ['job_id in the template', { job: job({ job_id: 'fixed' }) }, 'job.job_id'],
      ['retry_of in the template', { job: job({ retry_of: 'earlier' }) }, 'job.retry_of'],
      ['latest_pointer is a prefix', { job: job({}, { latest_pointer: `${base}team-a/latest/` }) }, 'job.output.latest_pointer'],
      ['dot segments', { job: job({}, { s3_path: `${base}team-a/../team-b/{{scheduled_time}}/` }) }, 'job.output.s3_path'],
    ];
    for (const [name, change, field] of cases) {
      const body = { ...definition(`bad-${cases.findIndex((c) => c[0] === name)}`), ...change };
      const res = await create(body);
      assertError(res, 400, 'invalid_argument', field, name);
      await notInTemporal(String(body.schedule_id));
    }
  });

  test('a template must stay under the key’s prefixes for every date: 403 naming the field', T, async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['output in team-b', job({}, { s3_path: `${base}team-b/{{scheduled_time | date: "YYYY"}}/` }), 'job.output.s3_path'],
      ['output in another bucket', job({}, { s3_path: 's3://another-teams-bucket/{{scheduled_time}}/' }), 'job.output.s3_path'],
      ['the static part is not under team-a/', job({}, { s3_path: `${base}team-{{scheduled_time | date: "YYYY"}}/` }), 'job.output.s3_path'],
      ['static part only starts like team-a', job({}, { s3_path: `${base}team-a{{scheduled_time | date: "YYYY"}}/` }), 'job.output.s3_path'],
      ['{{schedule_id}} outside', job({}, { s3_path: `${base}{{schedule_id}}/out/` }), 'job.output.s3_path'],
      ['latest pointer outside', job({}, { latest_pointer: `${base}team-b/latest.json` }), 'job.output.latest_pointer'],
      ['input outside the read prefixes', job({ input: { delimited_files: { s3_paths: [`${base}shared/ok/`, `${base}team-b/{{scheduled_time | date: "YYYY-MM-DD"}}/`] } } }), 'job.input.delimited_files.s3_paths[1]'],
      ['staged items outside', job({ input: { item_list: { items_s3_path: `${base}team-b/items-{{scheduled_time | date: "YYYYMMDD"}}.jsonl` } } }), 'job.input.item_list.items_s3_path'],
    ];
    for (const [i, [name, template, field]] of cases.entries()) {
      const body = definition(`forbidden-${i}`, { job: template });
      assertError(await create(body), 403, 'permission_denied', field, name);
      await notInTemporal(body.schedule_id);
    }
    // Under the prefix, dated below it: allowed, inputs from a read-only prefix included.
    const ok = definition('allowed', {
      job: job(
        { input: { delimited_files: { s3_paths: [`${base}shared/{{scheduled_time | date: "YYYY/MM/DD"}}/`] } } },
        { s3_path: `${base}team-a/{{scheduled_time | date: "YYYY"}}/`, latest_pointer: `${base}team-a/{{schedule_id}}/latest.json` },
      ),
      paused: true,
    });
    const res = await create(ok);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(view(res).job, ok.job);
  });

  test('a date format’s [literal] text cannot smuggle a ".." segment past the prefix check', T, async () => {
    // The static part (up to the placeholder) is under team-a/, but every run resolves to team-a/../team-b/<year>/.
    const body = definition('dotdot-literal', { job: job({}, { s3_path: `${base}team-a/{{scheduled_time | date: "[../team-b/]YYYY"}}/` }) });
    assertError(await create(body), 400, 'invalid_argument', 'job.output.s3_path', 'dot segment from a literal');
    await notInTemporal(body.schedule_id);
  });

  test('a duplicate schedule id is a 409 naming schedule_id, and the first schedule is unchanged', T, async () => {
    const first = definition('dup', { paused: true, note: 'the first one' });
    assert.equal((await create(first)).status, 201);
    for (const key of [KEYS.a, KEYS.b]) {
      const again = await create({ ...definition('dup', { paused: false, note: 'the second one' }), job: job({}, { s3_path: `${base}team-${key === KEYS.a ? 'a' : 'b'}/x/` }) }, key);
      assertError(again, 409, 'failed_precondition', 'schedule_id', `duplicate by ${key === KEYS.a ? 'the owner' : 'another key'}`);
    }
    const d = await gw.temporal.schedule.getHandle(first.schedule_id).describe();
    assert.deepEqual([d.state.paused, d.state.note, d.typedSearchAttributes.get(NightshiftOwner)], [true, 'the first one', 'team-a']);
  });

  test('an unknown schedule is a 404 on every route', T, async () => {
    const id = sid('never-created');
    const routes: [string, string, unknown][] = [
      ['GET', `/v1/schedules/${id}`, undefined],
      ['PATCH', `/v1/schedules/${id}`, { overlap: 'buffer_one' }],
      ['POST', `/v1/schedules/${id}/pause`, undefined],
      ['POST', `/v1/schedules/${id}/unpause`, { note: 'x' }],
      ['POST', `/v1/schedules/${id}/trigger`, undefined],
      ['POST', `/v1/schedules/${id}/backfill`, { start: '2026-11-01T00:00:00Z', end: '2026-11-02T00:00:00Z' }],
      ['DELETE', `/v1/schedules/${id}`, undefined],
    ];
    for (const [method, path, body] of routes) {
      const res = await send(method, path, body);
      assertError(res, 404, 'not_found', undefined, `${method} ${path}`);
      assert.match(res.body.error!.message, new RegExp(id));
    }
    await notInTemporal(id);
  });

  test("another key's schedule is a 404 everywhere, is not in its list, and is untouched", T, async () => {
    const owned = definition('owned', { paused: true, note: 'team-a owns this' });
    assert.equal((await create(owned)).status, 201);
    const id = owned.schedule_id;
    const routes: [string, string, unknown][] = [
      ['GET', `/v1/schedules/${id}`, undefined],
      ['PATCH', `/v1/schedules/${id}`, { overlap: 'allow_all' }],
      ['POST', `/v1/schedules/${id}/pause`, { note: 'by b' }],
      ['POST', `/v1/schedules/${id}/unpause`, { note: 'by b' }],
      ['POST', `/v1/schedules/${id}/trigger`, undefined],
      ['POST', `/v1/schedules/${id}/backfill`, { start: '2026-11-01T00:00:00Z', end: '2026-11-02T00:00:00Z' }],
      ['DELETE', `/v1/schedules/${id}`, undefined],
    ];
    for (const [method, path, body] of routes) assertError(await send(method, path, body, KEYS.b), 404, 'not_found', undefined, `team-b ${method} ${path}`);

    const d = await gw.temporal.schedule.getHandle(id).describe();
    assert.deepEqual([d.state.paused, d.state.note, d.policies.overlap, d.info.numActionsTaken], [true, 'team-a owns this', 'SKIP', 0], 'team-b changed nothing');
    assert.equal((await send('GET', `/v1/schedules/${id}`)).status, 200);

    // Listing goes through visibility (eventually consistent): page through the owner's list until it shows.
    const listAll = async (key: string): Promise<string[]> => {
      const ids: string[] = [];
      let token: string | null = null;
      do {
        const res = await send('GET', `/v1/schedules?limit=5${token ? `&page_token=${token}` : ''}`, undefined, key);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const page = res.body as unknown as ScheduleList;
        for (const s of page.schedules) assert.equal(s.owner, key === KEYS.a ? 'team-a' : 'team-b', `${s.schedule_id} listed for the wrong key`);
        ids.push(...page.schedules.map((s) => s.schedule_id));
        token = page.next_page_token;
      } while (token);
      return ids;
    };
    const deadline = Date.now() + 30_000;
    let mine = await listAll(KEYS.a);
    while (!mine.includes(id) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      mine = await listAll(KEYS.a);
    }
    assert.ok(mine.includes(id), `the owner lists it: ${JSON.stringify(mine)}`);
    assert.ok(!(await listAll(KEYS.b)).includes(id), 'team-b does not');
  });

  test('pause, unpause, trigger, backfill and PATCH check their bodies: 400 naming the field, schedule unchanged', T, async () => {
    const s = definition('bodies', { paused: true, note: 'before' });
    assert.equal((await create(s)).status, 201);
    const id = s.schedule_id;
    const cases: [string, string, unknown, string][] = [
      ['PATCH', `/v1/schedules/${id}`, {}, '(body)'],
      ['PATCH', `/v1/schedules/${id}`, { paused: false }, 'paused'],
      ['PATCH', `/v1/schedules/${id}`, { spec: { cron: '61 * * * *' } }, 'spec.cron'],
      ['PATCH', `/v1/schedules/${id}`, { spec: { cron: LEAP_DAY, timezone: 'Nowhere/Special' } }, 'spec.timezone'],
      ['PATCH', `/v1/schedules/${id}`, { job: job({}, { s3_path: `${base}team-a/{{tomorrow}}/` }) }, 'job.output.s3_path'],
      ['PATCH', `/v1/schedules/${id}`, { job: job({ job_id: 'x' }) }, 'job.job_id'],
      ['PATCH', `/v1/schedules/${id}`, { catchup_window: '1s' }, 'catchup_window'],
      ['POST', `/v1/schedules/${id}/pause`, { note: 'x', reason: 'y' }, 'reason'],
      ['POST', `/v1/schedules/${id}/trigger`, { overlap: 'now' }, 'overlap'],
      ['POST', `/v1/schedules/${id}/backfill`, { start: '2026-11-02T00:00:00Z', end: '2026-11-01T00:00:00Z' }, 'end'],
      ['POST', `/v1/schedules/${id}/backfill`, { start: 'last week', end: '2026-11-01T00:00:00Z' }, 'start'],
      ['POST', `/v1/schedules/${id}/backfill`, { start: '2026-11-01T00:00:00Z' }, 'end'],
    ];
    for (const [method, path, body, field] of cases) assertError(await send(method, path, body), 400, 'invalid_argument', field, `${method} ${path} ${JSON.stringify(body)}`);
    // A template PATCHed outside the key's prefixes is 403, like at create.
    assertError(await send('PATCH', `/v1/schedules/${id}`, { job: job({}, { s3_path: `${base}team-b/{{scheduled_time}}/` }) }), 403, 'permission_denied', 'job.output.s3_path', 'PATCH job outside');

    const d = await gw.temporal.schedule.getHandle(id).describe();
    assert.deepEqual([d.state.paused, d.state.note, d.policies.overlap, d.policies.catchupWindow, d.info.numActionsTaken], [true, 'before', 'SKIP', 3_600_000, 0]);
    assert.deepEqual(d.action.type === 'startWorkflow' && (d.action.args?.[0] as { template: unknown }).template, s.job, 'the template is the one created');

    // And a good PATCH does change Temporal's schedule.
    const patched = await send('PATCH', `/v1/schedules/${id}`, { overlap: 'buffer_one', catchup_window: '10m' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual([view(patched).overlap, view(patched).catchup_window, view(patched).spec], ['buffer_one', '10m', s.spec]);
    const p = await gw.temporal.schedule.getHandle(id).describe();
    assert.deepEqual([p.policies.overlap, p.policies.catchupWindow, p.state.paused], ['BUFFER_ONE', 600_000, true]);
  });

  test('DELETE removes the schedule from Temporal; after it, every route is a 404', T, async () => {
    const s = definition('deleted', { paused: true });
    assert.equal((await create(s)).status, 201);
    const del = await send('DELETE', `/v1/schedules/${s.schedule_id}`);
    assert.deepEqual([del.status, del.body], [200, { schedule_id: s.schedule_id, deleted: true }]);
    await notInTemporal(s.schedule_id);
    assertError(await send('GET', `/v1/schedules/${s.schedule_id}`), 404, 'not_found', undefined, 'GET after delete');
    assertError(await send('DELETE', `/v1/schedules/${s.schedule_id}`), 404, 'not_found', undefined, 'DELETE again');
  });
});
