/**
 * Which S3 objects a job reads. `s3_paths` are objects or prefixes; `includes` then `excludes`
 * are picomatch globs matched against the full object key (no bucket), with `dot: true`, so
 * `**\/*.jsonl` matches `demo/users/a.jsonl`. An object named by two paths is read once.
 */
import picomatch from 'picomatch';
import type { S3Client } from '@aws-sdk/client-s3';
import { listObjects, type S3Object } from '../storage/s3';
import { parseS3Url } from '../storage/s3Url';

export interface InputSelector {
  s3_paths: string[];
  includes: string[];
  excludes: string[];
}

export interface MatchedObject extends S3Object {
  bucket: string;
}

export function keyFilter(sel: Pick<InputSelector, 'includes' | 'excludes'>): (key: string) => boolean {
  const inc = picomatch(sel.includes.length ? sel.includes : ['**'], { dot: true });
  const exc = sel.excludes.length ? picomatch(sel.excludes, { dot: true }) : () => false;
  return (key) => inc(key) && !exc(key);
}

interface PathScope {
  bucket: string;
  key: string;
  exact: boolean;
}

const covers = (scope: PathScope, bucket: string, key: string): boolean =>
  scope.bucket === bucket && (scope.exact ? key === scope.key : key.startsWith(scope.key));

/**
 * Yields matching objects in a stable order: paths in the order given, keys in S3's (UTF-8
 * binary) order. A path that names an existing object exactly selects only that object;
 * otherwise it is a key prefix. Dedup compares against earlier paths, not a set of seen keys,
 * so memory stays flat for millions of objects.
 */
export async function* matchInputs(s3: S3Client, sel: InputSelector, signal?: AbortSignal): AsyncGenerator<MatchedObject> {
  const accept = keyFilter(sel);
  const earlier: PathScope[] = [];
  for (const path of sel.s3_paths) {
    const { bucket, key } = parseS3Url(path);
    let exact: S3Object | undefined;
    if (key !== '' && !key.endsWith('/')) {
      for await (const o of listObjects(s3, bucket, key, signal)) {
        if (o.key === key) exact = o;
        break; // S3 lists in key order: an exact match is always first
      }
    }
    const scope: PathScope = { bucket, key, exact: exact !== undefined };
    const source = exact ? [exact] : listObjects(s3, bucket, key, signal);
    for await (const o of source) {
      if (o.key.endsWith('/') || !accept(o.key)) continue; // folder markers, filtered keys
      if (earlier.some((e) => covers(e, bucket, o.key))) continue;
      yield { ...o, bucket };
    }
    earlier.push(scope);
  }
}
