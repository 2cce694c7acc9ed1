/** The limits table (src/limits.ts): documented in the README, overridable, and a bad override is a clear error. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { currentLimits, LIMITS, limit } from '../../../src/limits';

test('every limit is in the README with its variable; overrides parse sizes and counts; bad ones name the variable', () => {
  const readme = readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Limits on input'));
  for (const spec of Object.values(LIMITS)) assert.ok(section.includes(`\`${spec.env}\``), `README's limits table names ${spec.env}`);
  const env = { MODEL_STUDIO_MAX_MODEL_FILE_BYTES: '2mb', MODEL_STUDIO_MAX_LAYERS: '5k', MODEL_STUDIO_MAX_INSTANCES: '1e6' };
  const got = currentLimits(env);
  assert.equal(got.modelFileBytes, 2 * 2 ** 20);
  assert.equal(got.layers, 5000);
  assert.equal(got.requestInstances, 1e6);
  assert.equal(got.headerBytes, LIMITS.headerBytes.default);
  assert.throws(() => limit('layers', { MODEL_STUDIO_MAX_LAYERS: 'lots' }), /MODEL_STUDIO_MAX_LAYERS="lots" is not a valid limit for the layers in `model.layers`; write a positive whole number/);
  assert.throws(() => limit('headerBytes', { MODEL_STUDIO_MAX_HEADER_BYTES: '-1' }), /write 10mb, 512kb or a number of bytes/);
});
