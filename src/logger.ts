import pino from 'pino';
import { loadConfig } from './config';

/** Structured JSON logs; each part names itself so merged logs stay readable. */
export function createLogger(part: string, level: string = loadConfig().logLevel): pino.Logger {
  return pino({ name: part, level, base: { part, pid: process.pid } });
}

export type Logger = pino.Logger;
