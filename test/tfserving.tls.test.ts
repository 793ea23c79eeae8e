/**
 * TLS and mTLS to TF Serving. The bundled model server speaks plaintext only (like tensorflow_model_server without
 * --ssl_config_file), so this test stands up a minimal gRPC server with TF Serving's ModelService over TLS, with
 * certificates made by openssl for the test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { TfServingClient } from '../src/tfserving/client';
import { TfServingError } from '../src/tfserving/errors';
import { modelServiceDefinition, type GetModelStatusRequest__Output, type GetModelStatusResponse } from '../src/tfserving/protos';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function makeCerts(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=nightshift-test-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? 'localhost' : 'nightshift-worker'}`);
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '2', '-extfile', `${who}.ext`);
  }
}

describe('TLS to TF Serving', { skip: hasOpenssl ? false : 'openssl not installed', timeout: 60_000 }, () => {
  let dir: string;
  let server: grpc.Server;
  let port: number;
  const clients: TfServingClient[] = [];
  const client = (o: Partial<ConstructorParameters<typeof TfServingClient>[0]>) => {
    const c = new TfServingClient({ target: `127.0.0.1:${port}`, deadlineMs: 3000, ...o });
    clients.push(c);
    return c;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nightshift-tls-'));
    makeCerts(dir);
    const read = (f: string) => readFileSync(join(dir, f));
    server = new grpc.Server();
    server.addService(modelServiceDefinition, {
      GetModelStatus: (call: grpc.ServerUnaryCall<GetModelStatusRequest__Output, GetModelStatusResponse>, cb: grpc.sendUnaryData<GetModelStatusResponse>) =>
        cb(null, { model_version_status: [{ version: 1, state: 'AVAILABLE', status: { error_code: 'OK', error_message: call.request.model_spec?.name ?? '' } }] }),
    });
    const creds = grpc.ServerCredentials.createSsl(read('ca.pem'), [{ cert_chain: read('server.pem'), private_key: read('server.key') }], true);
    port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))));
  });
  after(() => {
    for (const c of clients) c.close();
    server?.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('mTLS with the CA, a client certificate and key works', async () => {
    const c = client({ tls: true, tlsCaFile: join(dir, 'ca.pem'), tlsCertFile: join(dir, 'client.pem'), tlsKeyFile: join(dir, 'client.key') });
    const status = await c.getModelStatus({ name: 'recommender' });
    assert.deepEqual(status, [{ version: '1', state: 'AVAILABLE', error_code: 0, error_message: 'recommender' }]);
  });

  test('without a client certificate the server refuses the connection: UNAVAILABLE', async () => {
    const c = client({ tls: true, tlsCaFile: join(dir, 'ca.pem') });
    await assert.rejects(c.getModelStatus({ name: 'recommender' }), (err: unknown) => err instanceof TfServingError && err.codeName === 'UNAVAILABLE');
  });

  test('plaintext to a TLS server fails UNAVAILABLE', async () => {
    await assert.rejects(client({}).getModelStatus({ name: 'recommender' }), (err: unknown) => err instanceof TfServingError && err.codeName === 'UNAVAILABLE');
  });

  test('a missing key file or a certificate without its key is a clear configuration error', () => {
    assert.throws(() => client({ tls: true, tlsCaFile: join(dir, 'nope.pem') }), /TF Serving TLS CA file .*nope\.pem/);
    assert.throws(() => client({ tls: true, tlsCertFile: join(dir, 'client.pem') }), /needs both a certificate file and a key file/);
  });
});
