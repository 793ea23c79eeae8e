export { batchJob } from './batchJob';
export type { JobState } from './batchJob';
