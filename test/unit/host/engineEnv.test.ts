/** modelStudio.threads reaches the engine as MODEL_STUDIO_THREADS; 0 means one per core; the variable itself wins. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threadsEnv } from '../../../src/host/engineEnv';

test('the threads setting becomes MODEL_STUDIO_THREADS unless the environment already sets it', () => {
  assert.deepEqual(threadsEnv(0, {}), {});
  assert.deepEqual(threadsEnv(3, {}), { MODEL_STUDIO_THREADS: '3' });
  assert.deepEqual(threadsEnv(40, {}), { MODEL_STUDIO_THREADS: '16' });
  assert.deepEqual(threadsEnv(1.5, {}), {});
  assert.deepEqual(threadsEnv(3, { MODEL_STUDIO_THREADS: '1' }), {});
});
