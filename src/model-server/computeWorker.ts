/**
 * A compute thread of the model server. Embedding tables arrive once as SharedArrayBuffers (every thread
 * reads the same memory); each job names a table and the user rows, and the result buffers are transferred back.
 */
import { parentPort } from 'node:worker_threads';
import { EmbeddingTables, topKForUsers } from './topK';
import type { WorkerReply, WorkerRequest } from './computePool';

const tables = new Map<string, EmbeddingTables>();

parentPort?.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'tables') {
    tables.set(msg.key, {
      users: new Float32Array(msg.users),
      items: new Float32Array(msg.items),
      numItems: msg.numItems,
      dim: msg.dim,
    });
    return;
  }
  if (msg.type === 'drop') {
    tables.delete(msg.key);
    return;
  }
  let reply: WorkerReply;
  try {
    const t = tables.get(msg.key);
    if (!t) throw new Error(`no embedding tables "${msg.key}" in this compute thread`);
    const ids = new Int32Array(msg.rows.length * msg.k);
    const scores = new Float32Array(msg.rows.length * msg.k);
    topKForUsers(t, msg.rows, msg.k, ids, scores);
    reply = { id: msg.id, ok: true, ids, scores };
    parentPort?.postMessage(reply, [ids.buffer, scores.buffer]);
  } catch (err) {
    reply = { id: msg.id, ok: false, message: (err as Error).message };
    parentPort?.postMessage(reply);
  }
});
