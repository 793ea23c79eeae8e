/** The `/v1/schedules` routes (mounted behind the `/v1` authentication); the work is in schedules.ts. */
import express, { type Request } from 'express';
import { callerOf } from './auth';
import { ListSchedulesQuerySchema } from './apiSchemas';
import { optionalJson, parseQuery, requireJson } from './requestBody';
import {
  backfillSchedule,
  createSchedule,
  deleteSchedule,
  describeVisibleSchedule,
  listSchedules,
  patchSchedule,
  pauseSchedule,
  scheduleView,
  triggerSchedule,
  type ScheduleDeps,
} from './schedules';

const scheduleId = (req: Request): string => String(req.params.id);

export function scheduleRouter(deps: ScheduleDeps): express.Router {
  const r = express.Router();

  r.post('/', async (req, res) => {
    requireJson(req);
    res.status(201).json(await createSchedule(deps, callerOf(res), req.body as unknown));
  });

  r.get('/', async (req, res) => {
    res.json(await listSchedules(deps, callerOf(res), parseQuery(ListSchedulesQuerySchema, req)));
  });

  r.get('/:id', async (req, res) => {
    res.json(await scheduleView(deps, await describeVisibleSchedule(deps, callerOf(res), scheduleId(req))));
  });

  r.patch('/:id', async (req, res) => {
    requireJson(req);
    res.json(await patchSchedule(deps, callerOf(res), scheduleId(req), req.body as unknown));
  });

  r.post('/:id/pause', async (req, res) => {
    res.json(await pauseSchedule(deps, callerOf(res), scheduleId(req), optionalJson(req), true));
  });

  r.post('/:id/unpause', async (req, res) => {
    res.json(await pauseSchedule(deps, callerOf(res), scheduleId(req), optionalJson(req), false));
  });

  r.post('/:id/trigger', async (req, res) => {
    res.status(202).json(await triggerSchedule(deps, callerOf(res), scheduleId(req), optionalJson(req)));
  });

  r.post('/:id/backfill', async (req, res) => {
    requireJson(req);
    res.status(202).json(await backfillSchedule(deps, callerOf(res), scheduleId(req), req.body as unknown));
  });

  r.delete('/:id', async (req, res) => {
    res.json(await deleteSchedule(deps, callerOf(res), scheduleId(req)));
  });

  return r;
}
