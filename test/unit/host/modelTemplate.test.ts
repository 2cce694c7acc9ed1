import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { modelFileText, toModelName } from '../../../src/commands/modelTemplate';
import { validateModelText } from '../../../src/modelFile';

describe('New Model File template', () => {
  it('writes a file that validates, for classification and regression', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-new-'));
    await fsp.writeFile(path.join(dir, 'houses.csv'), 'rooms,area,city,price\n3,70,a,100\n4,90,b,150\n2,50,a,80\n');
    for (const task of ['classification', 'regression'] as const) {
      const label = task === 'classification' ? 'city' : 'price';
      const text = modelFileText({ task, name: toModelName('houses.csv'), source: 'houses.csv', label, columns: ['rooms', 'area', 'city', 'price'] });
      const file = path.join(dir, `${task}.model.yaml`);
      const { problems, spec } = await validateModelText(text, file, { workspaceRoot: dir, checkData: true });
      assert.deepEqual(problems.filter((p) => p.severity === 'error'), [], `${task}:\n${text}`);
      assert.equal(spec?.data.label, label);
      assert.equal(spec?.task, task);
    }
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('writes a text model that validates', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-new-'));
    await fsp.writeFile(path.join(dir, 'news.csv'), 'headline,topic\na b c,x\nd e f,y\n');
    const text = modelFileText({ task: 'text', name: 'news', source: 'news.csv', label: 'topic', columns: ['headline', 'topic'], textColumn: 'headline' });
    const { problems } = await validateModelText(text, path.join(dir, 'news.model.yaml'), { workspaceRoot: dir, checkData: true });
    assert.deepEqual(problems.filter((p) => p.severity === 'error'), [], text);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('quotes column names YAML would misread, and makes valid model names', () => {
    const text = modelFileText({ task: 'classification', name: 'x', source: 'd.csv', label: 'yes', columns: ['a b', 'yes'] });
    assert.match(text, /label: "yes"/);
    assert.match(text, /features: \["a b"\]/);
    assert.equal(toModelName('2024 sales (final).csv'), '2024-sales-final');
  });
});
