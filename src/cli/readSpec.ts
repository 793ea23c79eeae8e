import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { parseJobSpec } from '../job/spec';
import type { CommandContext } from './context';

async function readSpecText(source: string): Promise<string> {
  if (source !== '-') return readFile(source, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A spec or schedule file's text as a value: YAML for `.yaml`/`.yml` files, else JSON; text that
 * is not JSON and does not look like it (no leading `{` or `[`) is read as YAML. Throws with the
 * parser's message.
 */
export function parseDocument(text: string, source: string): unknown {
  if (/\.ya?ml$/i.test(source)) return parseYaml(text) as unknown;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (/^\s*[[{]/.test(text)) throw err;
    try {
      return parseYaml(text) as unknown;
    } catch {
      throw err;
    }
  }
}

/**
 * Reads a JSON or YAML document (a file, or `-` for stdin). Returns its value, or undefined after
 * printing why it cannot be read.
 */
export async function readDocument(ctx: CommandContext, source: string): Promise<unknown> {
  const name = source === '-' ? 'stdin' : source;
  try {
    return parseDocument(await readSpecText(source), source);
  } catch (err) {
    ctx.err(`${name}: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * Reads a job spec (a file, or `-` for stdin; JSON or YAML) and checks it locally, so a bad spec
 * fails before any network call. Returns the value as written (the gateway applies the defaults),
 * or undefined after printing why it cannot be used.
 */
export async function readSpec(ctx: CommandContext, source: string): Promise<unknown> {
  const json = await readDocument(ctx, source);
  if (json === undefined) return undefined;
  const parsed = parseJobSpec(json);
  if (!parsed.ok) {
    ctx.err(`${source === '-' ? 'stdin' : source}: invalid job spec`);
    for (const i of parsed.issues) ctx.err(`  ${i.field}: ${i.reason}`);
    return undefined;
  }
  return json;
}
