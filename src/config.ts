/**
 * The one place where Nightshift reads its environment. Every part (gateway, worker, model server,
 * local stack, CLI) takes its addresses and limits from `loadConfig()`, and `ENV_VARS` is the
 * documented table (README "Configuration", and the docker-compose check in test/).
 */
import { isIPv4 } from 'node:net';
import { z } from 'zod';

export interface EnvVar {
  name: string;
  default: string;
  description: string;
}

export const ENV_VARS = [
  { name: 'NIGHTSHIFT_TEMPORAL_ADDRESS', default: '127.0.0.1:7233', description: 'Temporal frontend gRPC address (host:port).' },
  { name: 'NIGHTSHIFT_TEMPORAL_NAMESPACE', default: 'default', description: 'Temporal namespace for jobs and schedules.' },
  { name: 'NIGHTSHIFT_TEMPORAL_TLS', default: 'false', description: 'Connect to Temporal over TLS (Temporal Cloud: true).' },
  { name: 'NIGHTSHIFT_TEMPORAL_TLS_CERT_FILE', default: '', description: 'Client certificate (PEM) for Temporal mTLS.' },
  { name: 'NIGHTSHIFT_TEMPORAL_TLS_KEY_FILE', default: '', description: 'Client key (PEM) for Temporal mTLS.' },
  { name: 'NIGHTSHIFT_TEMPORAL_API_KEY', default: '', description: 'API key for Temporal Cloud (implies TLS).' },
  { name: 'NIGHTSHIFT_TEMPORAL_UI_URL', default: 'http://127.0.0.1:8233', description: 'Base URL of the Temporal Web UI (as browsers reach it), used in printed links and the jobs page.' },
  { name: 'NIGHTSHIFT_TEMPORAL_UI_PORT', default: '8233', description: 'Port of the local dev server Web UI (local stack only).' },
  { name: 'NIGHTSHIFT_TASK_QUEUE', default: 'nightshift', description: 'Task queue of the batch workers.' },
  { name: 'NIGHTSHIFT_S3_ENDPOINT', default: 'http://127.0.0.1:9000', description: 'S3 endpoint URL; empty for AWS S3 itself.' },
  { name: 'NIGHTSHIFT_S3_REGION', default: 'us-east-1', description: 'S3 region.' },
  { name: 'NIGHTSHIFT_S3_ACCESS_KEY', default: 'nightshift', description: 'S3 access key id (local default shown; empty = AWS default chain).' },
  { name: 'NIGHTSHIFT_S3_SECRET_KEY', default: 'nightshift-secret', description: 'S3 secret access key (local default shown).' },
  { name: 'NIGHTSHIFT_S3_FORCE_PATH_STYLE', default: 'true', description: 'Path-style bucket addressing (needed by MinIO and local servers).' },
  { name: 'NIGHTSHIFT_S3_CHECKSUMS', default: 'WHEN_REQUIRED', description: 'requestChecksumCalculation/responseChecksumValidation: WHEN_REQUIRED or WHEN_SUPPORTED.' },
  { name: 'NIGHTSHIFT_S3_PRESIGN_ENDPOINT', default: '', description: 'S3 endpoint put in presigned result URLs, when clients reach S3 by another address; empty = NIGHTSHIFT_S3_ENDPOINT.' },
  { name: 'NIGHTSHIFT_S3_CONNECT_TIMEOUT_MS', default: '5000', description: 'S3 client: longest wait for a TCP/TLS connection.' },
  { name: 'NIGHTSHIFT_S3_SOCKET_TIMEOUT_MS', default: '60000', description: 'S3 client: a request whose socket moves no bytes for this long fails (and is retried).' },
  { name: 'NIGHTSHIFT_S3_BUCKET', default: 'nightshift', description: 'Bucket the local stack creates and the demo writes to.' },
  { name: 'NIGHTSHIFT_TFSERVING_TARGET', default: '127.0.0.1:8500', description: 'TF Serving gRPC target(s): host:port[,host:port] or dns:host:port.' },
  { name: 'NIGHTSHIFT_TFSERVING_MODEL_TARGETS', default: '', description: 'Per-model targets: model=target;model2=target2 (overrides NIGHTSHIFT_TFSERVING_TARGET).' },
  { name: 'NIGHTSHIFT_TFSERVING_TLS', default: 'false', description: 'Use TLS to reach TF Serving.' },
  { name: 'NIGHTSHIFT_TFSERVING_TLS_CA_FILE', default: '', description: 'CA bundle (PEM) for TF Serving TLS.' },
  { name: 'NIGHTSHIFT_TFSERVING_TLS_CERT_FILE', default: '', description: 'Client certificate (PEM) for TF Serving mTLS.' },
  { name: 'NIGHTSHIFT_TFSERVING_TLS_KEY_FILE', default: '', description: 'Client key (PEM) for TF Serving mTLS.' },
  { name: 'NIGHTSHIFT_TFSERVING_DEADLINE_MS', default: '30000', description: 'Deadline of one Predict call.' },
  { name: 'NIGHTSHIFT_TFSERVING_MAX_MESSAGE_BYTES', default: '67108864', description: 'Max gRPC send/receive message size (64 MiB).' },
  { name: 'NIGHTSHIFT_TFSERVING_MAX_BATCH_SIZE', default: '128', description: 'Max items in one Predict request; larger batches are sub-batched.' },
  { name: 'NIGHTSHIFT_MODEL_SERVER_ADDR', default: '127.0.0.1:8500', description: 'Listen address of the bundled TF-Serving-compatible model server.' },
  { name: 'NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR', default: '', description: 'Model server admin HTTP endpoint (fault injection), loopback only; empty = off (the local stack uses 127.0.0.1:8505).' },
  { name: 'NIGHTSHIFT_MODEL_BASE_PATH', default: 'models/', description: 'Model base directory, laid out <base>/<model>/<version>/.' },
  { name: 'NIGHTSHIFT_MODEL_SERVER_THREADS', default: '0', description: 'Compute threads of the model server (0 = one per core).' },
  { name: 'NIGHTSHIFT_MODEL_SERVER_FAULTS', default: '', description: 'Model server fault injection at start, JSON (src/model-server/README.md); off when empty.' },
  { name: 'NIGHTSHIFT_GATEWAY_ADDR', default: '127.0.0.1:8080', description: 'Listen address of the HTTP gateway.' },
  { name: 'NIGHTSHIFT_GATEWAY_URL', default: 'http://127.0.0.1:8080', description: 'Where the CLI and demo reach the gateway.' },
  { name: 'NIGHTSHIFT_API_KEYS_FILE', default: '', description: 'API keys file (JSON or YAML, README "Security"); empty = no keys, gateway on loopback only.' },
  { name: 'NIGHTSHIFT_API_KEY', default: '', description: 'API key the CLI sends as Authorization: Bearer (CLI only).' },
  { name: 'NIGHTSHIFT_GATEWAY_MAX_BODY_BYTES', default: '10485760', description: 'Largest request body (10 MiB); larger item lists go through S3.' },
  { name: 'NIGHTSHIFT_GATEWAY_SUBMITS_PER_MINUTE', default: '60', description: 'Job submissions per API key per minute (per gateway process); 0 = unlimited.' },
  { name: 'NIGHTSHIFT_GATEWAY_PRESIGN_EXPIRY_S', default: '3600', description: 'Lifetime of the presigned result URLs of GET /v1/jobs/{id}/results.' },
  { name: 'NIGHTSHIFT_WEBHOOKS_FILE', default: '', description: 'Named webhooks (JSON or YAML: name -> url, secret) that on_complete may name.' },
  { name: 'NIGHTSHIFT_WORKER_MAX_ACTIVITIES', default: '32', description: 'Activities in flight per worker process.' },
  { name: 'NIGHTSHIFT_WORKER_MAX_PREDICT_CALLS', default: '16', description: 'Predict calls in flight per worker process, all models.' },
  { name: 'NIGHTSHIFT_WORKER_PER_MODEL_LIMIT', default: '8', description: 'Predict calls in flight per model per worker, shared by all jobs.' },
  { name: 'NIGHTSHIFT_GZ_STAGE_CHUNK_BYTES', default: '67108864', description: 'Planning inflates each .gz input into plain chunks of about this many bytes (64 MiB), cut at batch boundaries.' },
  { name: 'NIGHTSHIFT_WORKER_STALL_LIMIT_MS', default: '60000', description: 'A Predict call or S3 request of a batch with no progress for this long is aborted; the attempt fails as Stalled and is retried.' },
  { name: 'NIGHTSHIFT_WORKER_HEARTBEAT_THROTTLE_MS', default: '1000', description: 'At most one recorded heartbeat per activity this often; a cancel reaches a running batch within it (each heartbeat is billed on Temporal Cloud); below the batch heartbeat timeout of 10 s.' },
  { name: 'NIGHTSHIFT_WORKER_MAX_OLD_SPACE_MB', default: '160', description: 'V8 old-space limit of each worker isolate (node --max-old-space-size, applied by the stack\'s worker launch); 0 = node\'s default (a quarter of RAM, which lets an idle-looking heap grow to hundreds of MB).' },
  { name: 'NIGHTSHIFT_WORKER_MAX_CACHED_WORKFLOWS', default: '100', description: 'Running jobs whose workflow state a worker keeps in memory (sticky cache); more are evicted and replayed from history.' },
  { name: 'NIGHTSHIFT_WORKER_METRICS_ADDR', default: '', description: 'Prometheus /metrics of the worker (host:port; SDK temporal_* and nightshift_* metrics); empty = off (the local stack uses 127.0.0.1:9464).' },
  { name: 'NIGHTSHIFT_OTEL_EXPORTER_OTLP_ENDPOINT', default: '', description: 'OTLP/HTTP endpoint (e.g. http://collector:4318) for OpenTelemetry traces of worker and gateway; empty = OTEL_EXPORTER_OTLP_ENDPOINT, else tracing off.' },
  { name: 'NIGHTSHIFT_WORKER_DEPLOYMENT_NAME', default: '', description: 'Temporal Worker Deployment the worker belongs to (worker versioning); empty = unversioned.' },
  { name: 'NIGHTSHIFT_WORKER_BUILD_ID', default: '', description: 'Build id in that deployment; empty = <package version>-<hash of the workflow bundle>.' },
  { name: 'NIGHTSHIFT_WORKER_VERSIONING_BEHAVIOR', default: 'PINNED', description: 'PINNED: a job ends on the version it started on; AUTO_UPGRADE: it moves to the current one.' },
  { name: 'NIGHTSHIFT_DATA_DIR', default: '.data', description: 'Local stack data and logs (git-ignored).' },
  { name: 'NIGHTSHIFT_LOG_LEVEL', default: 'info', description: 'pino log level.' },
] as const satisfies readonly EnvVar[];

export type EnvVarName = (typeof ENV_VARS)[number]['name'];

const bool = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', '']))
  .transform((s) => s === 'true' || s === '1' || s === 'yes');
const int = (min: number) => z.coerce.number().int().min(min);
const hostPort = z.string().regex(/^[^\s:]*:\d{1,5}$/, 'must be host:port');

function raw(env: NodeJS.ProcessEnv): Record<EnvVarName, string> {
  const out = {} as Record<EnvVarName, string>;
  for (const v of ENV_VARS) out[v.name] = env[v.name] ?? v.default;
  return out;
}

/** Splits `model=target;model2=target2` into a map. */
function parseModelTargets(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`NIGHTSHIFT_TFSERVING_MODEL_TARGETS: "${part}" is not model=target`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const r = raw(env);
  const field = <T>(name: EnvVarName, schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(r[name]);
    if (!parsed.success) {
      throw new Error(`${name}=${JSON.stringify(r[name])}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    return parsed.data;
  };
  return {
    temporal: {
      address: field('NIGHTSHIFT_TEMPORAL_ADDRESS', hostPort),
      namespace: field('NIGHTSHIFT_TEMPORAL_NAMESPACE', z.string().min(1)),
      tls: field('NIGHTSHIFT_TEMPORAL_TLS', bool),
      tlsCertFile: r.NIGHTSHIFT_TEMPORAL_TLS_CERT_FILE,
      tlsKeyFile: r.NIGHTSHIFT_TEMPORAL_TLS_KEY_FILE,
      apiKey: r.NIGHTSHIFT_TEMPORAL_API_KEY,
      uiUrl: r.NIGHTSHIFT_TEMPORAL_UI_URL.replace(/\/+$/, ''),
      uiPort: field('NIGHTSHIFT_TEMPORAL_UI_PORT', int(1)),
      taskQueue: field('NIGHTSHIFT_TASK_QUEUE', z.string().min(1)),
    },
    s3: {
      endpoint: r.NIGHTSHIFT_S3_ENDPOINT || undefined,
      region: r.NIGHTSHIFT_S3_REGION,
      accessKeyId: r.NIGHTSHIFT_S3_ACCESS_KEY,
      secretAccessKey: r.NIGHTSHIFT_S3_SECRET_KEY,
      forcePathStyle: field('NIGHTSHIFT_S3_FORCE_PATH_STYLE', bool),
      checksums: field('NIGHTSHIFT_S3_CHECKSUMS', z.enum(['WHEN_REQUIRED', 'WHEN_SUPPORTED'])),
      bucket: r.NIGHTSHIFT_S3_BUCKET,
      presignEndpoint: r.NIGHTSHIFT_S3_PRESIGN_ENDPOINT || undefined,
      connectTimeoutMs: field('NIGHTSHIFT_S3_CONNECT_TIMEOUT_MS', int(1)),
      socketTimeoutMs: field('NIGHTSHIFT_S3_SOCKET_TIMEOUT_MS', int(1)),
    },
    tfserving: {
      target: field('NIGHTSHIFT_TFSERVING_TARGET', z.string().min(1)),
      modelTargets: parseModelTargets(r.NIGHTSHIFT_TFSERVING_MODEL_TARGETS),
      tls: field('NIGHTSHIFT_TFSERVING_TLS', bool),
      tlsCaFile: r.NIGHTSHIFT_TFSERVING_TLS_CA_FILE,
      tlsCertFile: r.NIGHTSHIFT_TFSERVING_TLS_CERT_FILE,
      tlsKeyFile: r.NIGHTSHIFT_TFSERVING_TLS_KEY_FILE,
      deadlineMs: field('NIGHTSHIFT_TFSERVING_DEADLINE_MS', int(1)),
      maxMessageBytes: field('NIGHTSHIFT_TFSERVING_MAX_MESSAGE_BYTES', int(1024)),
      maxBatchSize: field('NIGHTSHIFT_TFSERVING_MAX_BATCH_SIZE', int(1)),
    },
    modelServer: {
      addr: field('NIGHTSHIFT_MODEL_SERVER_ADDR', hostPort),
      // Loopback is checked where it binds (adminHttp.ts), so --admin-addr is held to it too.
      adminAddr: field('NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR', z.union([z.literal(''), hostPort]).transform((a) => a || null)),
      basePath: r.NIGHTSHIFT_MODEL_BASE_PATH,
      threads: field('NIGHTSHIFT_MODEL_SERVER_THREADS', int(0)),
      faults: r.NIGHTSHIFT_MODEL_SERVER_FAULTS,
    },
    gateway: {
      addr: field('NIGHTSHIFT_GATEWAY_ADDR', hostPort),
      url: r.NIGHTSHIFT_GATEWAY_URL.replace(/\/+$/, ''),
      apiKeysFile: r.NIGHTSHIFT_API_KEYS_FILE,
      maxBodyBytes: field('NIGHTSHIFT_GATEWAY_MAX_BODY_BYTES', int(1024)),
      submitsPerMinute: field('NIGHTSHIFT_GATEWAY_SUBMITS_PER_MINUTE', int(0)),
      presignExpirySeconds: field('NIGHTSHIFT_GATEWAY_PRESIGN_EXPIRY_S', int(1).max(7 * 24 * 3600)),
    },
    cli: {
      apiKey: r.NIGHTSHIFT_API_KEY,
    },
    webhooksFile: r.NIGHTSHIFT_WEBHOOKS_FILE,
    worker: {
      maxActivities: field('NIGHTSHIFT_WORKER_MAX_ACTIVITIES', int(1)),
      maxPredictCalls: field('NIGHTSHIFT_WORKER_MAX_PREDICT_CALLS', int(1)),
      perModelLimit: field('NIGHTSHIFT_WORKER_PER_MODEL_LIMIT', int(1)),
      gzStageChunkBytes: field('NIGHTSHIFT_GZ_STAGE_CHUNK_BYTES', int(1)),
      stallLimitMs: field('NIGHTSHIFT_WORKER_STALL_LIMIT_MS', int(100)),
      // predictBatch's heartbeat timeout is 10 s: a throttle at or above it would let a live batch time out.
      heartbeatThrottleMs: field('NIGHTSHIFT_WORKER_HEARTBEAT_THROTTLE_MS', int(100).max(8000)),
      maxOldSpaceMb: field('NIGHTSHIFT_WORKER_MAX_OLD_SPACE_MB', int(0)),
      // The SDK derives its default from the heap limit: 10 under the limit above, too few for a busy worker.
      maxCachedWorkflows: field('NIGHTSHIFT_WORKER_MAX_CACHED_WORKFLOWS', int(2)),
      metricsAddr: field('NIGHTSHIFT_WORKER_METRICS_ADDR', z.union([z.literal(''), hostPort]).transform((a) => a || null)),
      /** Worker versioning (README "Operating Nightshift", "Deploying workers"); null: an unversioned worker. */
      deployment: r.NIGHTSHIFT_WORKER_DEPLOYMENT_NAME
        ? {
            name: r.NIGHTSHIFT_WORKER_DEPLOYMENT_NAME,
            buildId: r.NIGHTSHIFT_WORKER_BUILD_ID || null,
            behavior: field('NIGHTSHIFT_WORKER_VERSIONING_BEHAVIOR', z.enum(['PINNED', 'AUTO_UPGRADE'])),
          }
        : null,
    },
    // The standard variable too, so a host already set up for OpenTelemetry needs nothing Nightshift-specific.
    otlpEndpoint: (r.NIGHTSHIFT_OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || '').replace(/\/+$/, '') || null,
    dataDir: r.NIGHTSHIFT_DATA_DIR,
    logLevel: r.NIGHTSHIFT_LOG_LEVEL,
  };
}

export type Config = ReturnType<typeof loadConfig>;

/** `host:port` → `{ host, port }`; `:port` means all interfaces. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i) || '0.0.0.0', port: Number(addr.slice(i + 1)) };
}

/** 127.0.0.0/8, ::1 (bracketed or not) and localhost: reachable from this host only. An empty host is every interface. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return isIPv4(h) && h.startsWith('127.');
}
