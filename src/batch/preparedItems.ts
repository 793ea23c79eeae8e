/**
 * A batch's items as read from S3, ready for Predict: what to write beside each output, the
 * values to send, and the outcomes already known (a line that is not JSON never reaches TF Serving).
 */
import type { ParsedLine } from './cutLines';
import type { ItemOutcome, PredictRun } from './predictItems';
import type { ItemRef } from './writeParts';

export interface PreparedItems {
  refs: ItemRef[];
  known: (ItemOutcome | undefined)[];
  values: unknown[];
}

export function prepareLines(parsed: ParsedLine[], firstItem: number, source: string | undefined): PreparedItems {
  const p: PreparedItems = { refs: [], known: [], values: [] };
  parsed.forEach((l, i) => {
    p.refs.push({ index: firstItem + i, ...(source !== undefined ? { source, line: l.line } : {}), input_json: l.text });
    p.known.push(l.error === undefined ? undefined : { ok: false, error: { code: 'INVALID_ARGUMENT', grpc_code: null, message: l.error } });
    if (l.error === undefined) p.values.push(l.value);
  });
  return p;
}

/** The items whose index `keep` accepts (a retry runs only what its original job lacks). */
export function selectItems(p: PreparedItems, keep: (index: number) => boolean): PreparedItems {
  const out: PreparedItems = { refs: [], known: [], values: [] };
  let k = 0;
  p.refs.forEach((ref, i) => {
    const known = p.known[i];
    const value = known === undefined ? p.values[k++] : undefined;
    if (!keep(ref.index)) return;
    out.refs.push(ref);
    out.known.push(known);
    if (known === undefined) out.values.push(value);
  });
  return out;
}

/** Predicts the items whose outcome is not yet known and merges all outcomes in item order. */
export async function predictPrepared(run: PredictRun, p: PreparedItems): Promise<ItemOutcome[]> {
  const predicted = await run.predict(p.values);
  let k = 0;
  return p.known.map((o) => o ?? predicted[k++]!);
}
