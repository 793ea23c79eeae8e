import { readFile } from 'node:fs/promises';
import { parseJobSpec } from '../job/spec';
import type { CommandContext } from './context';

async function readSpecText(source: string): Promise<string> {
  if (source !== '-') return readFile(source, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads a job spec (a file, or `-` for stdin) and checks it locally, so a bad spec fails before
 * any network call. Returns the JSON as written (the gateway applies the defaults), or undefined
 * after printing why it cannot be used.
 */
export async function readSpec(ctx: CommandContext, source: string): Promise<unknown> {
  const name = source === '-' ? 'stdin' : source;
  let json: unknown;
  try {
    json = JSON.parse(await readSpecText(source));
  } catch (err) {
    ctx.err(`${name}: ${(err as Error).message}`);
    return undefined;
  }
  const parsed = parseJobSpec(json);
  if (!parsed.ok) {
    ctx.err(`${name}: invalid job spec`);
    for (const i of parsed.issues) ctx.err(`  ${i.field}: ${i.reason}`);
    return undefined;
  }
  return json;
}
