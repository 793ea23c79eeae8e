/**
 * GetModelStatus against a server that is not ours: a raw grpc-js server built from the official protos in
 * protos/ with proto-loader's plain options (as a stub generated from `tensorflow-serving-api` would encode).
 * proto3 leaves a field at its default off the wire, so an OK version may come without `status` at all.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { TfServingClient } from '../src/tfserving/client';
import { PROTO_DIR, PROTO_FILES } from '../src/tfserving/protos';

interface RawModelService {
  tensorflow: { serving: { ModelService: grpc.ServiceClientConstructor } };
}

describe('GetModelStatus from a server built from the official protos', () => {
  let server: grpc.Server;
  let client: TfServingClient;
  let calls = 0;

  before(async () => {
    const def = protoLoader.loadSync([...PROTO_FILES], { keepCase: true, includeDirs: [PROTO_DIR] });
    const pkg = grpc.loadPackageDefinition(def) as unknown as RawModelService;
    server = new grpc.Server();
    server.addService(pkg.tensorflow.serving.ModelService.service, {
      GetModelStatus: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        calls++;
        cb(null, {
          model_version_status: [
            // AVAILABLE and fine: proto3 writes no `status` for it.
            { version: 3, state: 'AVAILABLE' },
            // A version that failed to load says so.
            { version: 2, state: 'END', status: { error_code: 'NOT_FOUND', error_message: 'no such file' } },
            // A status with the default code (OK) and no message: an empty StatusProto on the wire.
            { version: 1, state: 'AVAILABLE', status: {} },
          ],
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    client = new TfServingClient({ target: `127.0.0.1:${port}` });
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  it('a version without a status field is OK (error_code 0), not UNKNOWN', async () => {
    const versions = await client.getModelStatus({ name: 'recommender' });
    assert.equal(calls, 1, 'the raw server answered');
    assert.deepEqual(versions, [
      { version: '3', state: 'AVAILABLE', error_code: 0, error_message: '' },
      { version: '2', state: 'END', error_code: grpc.status.NOT_FOUND, error_message: 'no such file' },
      { version: '1', state: 'AVAILABLE', error_code: 0, error_message: '' },
    ]);
  });
});
