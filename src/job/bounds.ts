/**
 * Size limits on what enters a job's workflow state and its activities' inputs and results.
 * Temporal refuses any payload over 2 MB (and a stuck workflow task is how a job finds out), so
 * every free string and list a user or a server can make long is bounded here, at the edge (the
 * job spec schema) or where it is produced (failure messages).
 * Deterministic and free of Node APIs: the workflow bundle imports it.
 */

/** Failure messages kept in the job state, the manifest, progress and memos. */
export const MAX_ERROR_MESSAGE_CHARS = 512;
/** Failure codes (gRPC code names, error class names). */
export const MAX_ERROR_CODE_CHARS = 128;
/** The spec's free-form `config`, as serialized JSON. */
export const MAX_CONFIG_BYTES = 16 * 1024;
/** Entries of `s3_paths`, `includes` and `excludes` each. */
export const MAX_LIST_ENTRIES = 1000;
/** Model names, version labels, signature and input names. */
export const MAX_NAME_CHARS = 256;
/** One include or exclude glob. */
export const MAX_GLOB_CHARS = 1024;
/** An s3:// URL: a 63-character bucket and a 1,024-byte key, with room to spare. */
export const MAX_S3_URL_CHARS = 1100;
/** A duration like "10m". */
export const MAX_DURATION_CHARS = 32;

/** UTF-8 length of `s` without Buffer or TextEncoder (neither is guaranteed in the workflow sandbox). */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * `s` cut to at most `max` characters, saying how much was cut, so a reader knows the message is
 * not whole. Never splits a surrogate pair.
 */
export function truncateText(s: string, max: number): string {
  if (s.length <= max) return s;
  const marker = (cut: number) => `… [${cut} more chars]`;
  let keep = Math.max(0, max - marker(s.length).length);
  const last = s.charCodeAt(keep - 1);
  if (keep > 0 && last >= 0xd800 && last <= 0xdbff) keep--;
  return s.slice(0, keep) + marker(s.length - keep);
}

/** A failure message as it may enter workflow state. */
export const boundedMessage = (message: string): string => truncateText(message, MAX_ERROR_MESSAGE_CHARS);

/** A failure `{ code, message }` bounded for workflow state. */
export function boundedFailure<T extends { code: string; message: string }>(f: T): T {
  return { ...f, code: truncateText(f.code, MAX_ERROR_CODE_CHARS), message: boundedMessage(f.message) };
}
