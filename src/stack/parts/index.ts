export * from './part';
export { temporalPart, TEMPORAL_BIN } from './temporal';
export { s3Part, s3Listen, VERSITYGW_BIN } from './s3';
export { modelServerPart } from './modelServer';
export { workerPart, WORKER_READY_MESSAGE } from './worker';
export { gatewayPart } from './gateway';
