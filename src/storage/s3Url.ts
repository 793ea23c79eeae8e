/** `s3://bucket/key/prefix` addressing, shared by the job spec, the planner and the CLI. */
export interface S3Location {
  bucket: string;
  key: string;
}

const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

export function parseS3Url(url: string): S3Location {
  const m = S3_URL.exec(url);
  if (!m) throw new Error(`"${url}" is not an s3://bucket/key URL`);
  return { bucket: m[1]!, key: m[2] ?? '' };
}

export function isS3Url(url: string): boolean {
  return S3_URL.test(url);
}

export function formatS3Url(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

/** Joins key parts with single slashes; a prefix "a/" plus "b" gives "a/b". */
export function joinKey(...parts: string[]): string {
  return parts
    .filter((p) => p.length > 0)
    .map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, '')))
    .join('/');
}
