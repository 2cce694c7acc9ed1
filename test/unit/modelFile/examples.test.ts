/** The shipped examples are the first thing people copy: they must validate with no problem at all. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateModelText } from '../../../src/modelFile';

const REPO = path.resolve(__dirname, '../../..');
const EXAMPLES = path.join(REPO, 'examples');

function modelFiles(): string[] {
  if (!existsSync(EXAMPLES)) return [];
  return readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(path.join(EXAMPLES, d.name)).filter((f) => /\.model\.(ya?ml|json)$/.test(f)).map((f) => path.join(EXAMPLES, d.name, f)));
}

test('every example model file validates with no problems', async () => {
  const files = modelFiles();
  assert.ok(files.some((f) => f.endsWith(path.join('iris', 'iris.model.yaml'))), 'examples/iris/iris.model.yaml is missing');
  for (const file of files) {
    // Examples whose data a script generates are checked only once the data is there.
    const { problems } = await validateModelText(readFileSync(file, 'utf8'), file, { workspaceRoot: REPO });
    const dataMissing = problems.length > 0 && problems.every((p) => p.path === 'data.source' && /does not exist/.test(p.message));
    if (dataMissing) continue;
    assert.deepEqual(problems.map((p) => `${p.line}:${p.column} ${p.message}`), [], path.relative(REPO, file));
  }
});

test('there is a regression example, and it validates', async (t) => {
  const regression = modelFiles().filter((f) => /^task:\s*regression\b/m.test(readFileSync(f, 'utf8')));
  if (regression.length === 0) {
    t.skip('no regression example yet');
    return;
  }
  for (const file of regression) {
    const { spec, problems } = await validateModelText(readFileSync(file, 'utf8'), file, { workspaceRoot: REPO });
    assert.equal(spec?.task, 'regression', `${file}: ${problems.map((p) => p.message).join('; ')}`);
  }
});
