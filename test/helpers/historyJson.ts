/**
 * Event histories to and from Temporal's JSON history format (what `temporal workflow show
 * --output json` writes). `@temporalio/common/lib/proto-utils` does the same, but in this install
 * it resolves its own copy of protobufjs, whose `Type` check rejects @temporalio/proto's root
 * ("type must be a Type"); this module uses the copy that @temporalio/proto itself loads.
 */
import { createRequire } from 'node:module';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import type { Type } from 'protobufjs';

type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: Type, message: unknown): unknown;
  fromJson(type: Type, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const protoRequire = createRequire(require.resolve('@temporalio/proto'));
const protojson = protoRequire('protobufjs/ext/protojson') as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): Type }).lookupType('temporal.api.history.v1.History');

export function historyToJSON(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

/** A History message (int64 event ids as Long), which `Worker.runReplayHistories` takes as is. */
export function historyFromJSON(json: string): proto.temporal.api.history.v1.History {
  const loaded = protojson.fromJson(historyType, JSON.parse(json), { ignoreUnknownFields: true });
  if (loaded === null || typeof loaded !== 'object') throw new TypeError('not a history');
  return loaded as proto.temporal.api.history.v1.History;
}
