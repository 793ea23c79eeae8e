/**
 * The zod schemas of the gateway's requests (query strings and small bodies besides the job spec,
 * which is `src/job/spec.ts`). Routes validate with these and `/openapi.json` is generated from
 * them, so the documentation and the validation cannot drift apart.
 */
import { z } from 'zod';
import { JOB_STATUSES } from '../job/messages';

export const MAX_LIST_LIMIT = 1000;
export const MAX_RESULTS_LIMIT = 1000;

/** `POST /v1/jobs?dry_run=true`. */
export const SubmitQuerySchema = z
  .object({
    dry_run: z.enum(['true', 'false']).optional().describe('true: validate and estimate the job; start nothing, write nothing'),
  })
  .strict();

/** `GET /v1/jobs`. */
export const ListJobsQuerySchema = z
  .object({
    status: z.enum(JOB_STATUSES).optional().describe('only jobs in this status (search attribute NightshiftStatus)'),
    model: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a TF Serving model name')
      .optional()
      .describe('only jobs of this model (search attribute NightshiftModel)'),
    created_after: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time, e.g. 2026-11-30T00:00:00Z' }).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(50),
    page_token: z.string().min(1).max(4096).optional().describe('next_page_token of the previous page'),
  })
  .strict();

/** `GET /v1/jobs/{id}/results`. */
export const ResultsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_RESULTS_LIMIT).default(MAX_RESULTS_LIMIT).describe('part files per page'),
    page_token: z.string().regex(/^\d+$/, 'must be the next_page_token of the previous page').optional(),
  })
  .strict();

export type ListJobsQuery = z.output<typeof ListJobsQuerySchema>;
export type ResultsQuery = z.output<typeof ResultsQuerySchema>;
