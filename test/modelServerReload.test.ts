/**
 * A model rollout on the model server: a version dir added to the base path is loaded by POST /reload (TF
 * Serving finds it by polling), becomes the latest, and the versions already loaded keep serving.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateModels } from '../src/model-server/generateModels';
import { metadata, recommend, startHarness, status, success, tempModels } from './helpers/modelServerKit';

const MODEL = { numUsers: 50, numItems: 60, dim: 4, seed: 1 };

describe('model server reload', () => {
  it('POST /reload loads a new version dir; it becomes the latest and version 1 still answers', async () => {
    const models = tempModels({ recommender: { ...MODEL, version: 1 }, echoBytes: false });
    const h = await startHarness({ basePath: models.basePath, threads: 1 });
    try {
      assert.deepEqual((await h.admin('POST', '/reload')).json, { added: [], models: { recommender: [1] } });
      generateModels({ basePath: models.basePath, recommender: { ...MODEL, version: 2, seed: 2 }, echoBytes: false });
      assert.deepEqual((await h.admin('POST', '/reload')).json, { added: ['recommender/2'], models: { recommender: [2, 1] } });
      const versions = success(await status(h, { model_spec: { name: 'recommender' } })).model_version_status;
      assert.deepEqual(versions.map((v) => [v.version, v.state]), [['2', 'AVAILABLE'], ['1', 'AVAILABLE']]);
      const latest = success(await metadata(h, { model_spec: { name: 'recommender' }, metadata_field: ['signature_def'] }));
      assert.equal(latest.model_spec?.version?.value, '2');
      assert.equal(success(await recommend(h, [3], { version: { value: '1' } })).model_spec?.version?.value, '1');
      assert.equal(success(await recommend(h, [3])).model_spec?.version?.value, '2');
    } finally {
      await h.close();
      models.cleanup();
    }
  });
});
