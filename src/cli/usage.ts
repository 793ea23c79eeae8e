/** Wrong arguments: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `nightshift: batch inference jobs on Temporal, through the Nightshift gateway

Usage:
  nightshift submit <spec.json|-> [--wait] [--interval <seconds>]
      Submit a job spec (a file, or - for stdin). Prints the job id.
      --wait follows the job until it ends; exit 0 only when it succeeded.
  nightshift status <job_id> [--json]
      Show a job's progress (--json: the gateway's job view as JSON).
  nightshift cancel <job_id> [--reason <text>]
  nightshift pause <job_id>
  nightshift resume <job_id>
  nightshift parallelism <job_id> <n>
      Change how many batches run at once (1..1000).

Options:
  --gateway <url>   Gateway URL (default: NIGHTSHIFT_GATEWAY_URL or http://127.0.0.1:8080)
  -h, --help        This text.

Exit codes: 0 done, 1 failed (bad spec, gateway error, job not succeeded), 2 bad usage.`;
