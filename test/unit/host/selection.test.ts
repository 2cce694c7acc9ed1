import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { resolveSelection } from '../../../src/views/selection';

interface Item { kind: 'run'; id: string }
const run = (id: string): Item => ({ kind: 'run', id });
const accept = (v: unknown): Item | undefined => (typeof v === 'object' && v !== null && (v as Item).kind === 'run' ? (v as Item) : undefined);

describe('resolveSelection: the items of a sidebar command', () => {
  it('takes the handed-over items as they are, without asking the view', async () => {
    let asked = 0;
    const got = await resolveSelection({ given: [run('a'), { kind: 'model' }, run('b')], current: () => { asked++; return []; }, accept });
    assert.deepEqual(got.map((r) => r.id), ['a', 'b']);
    assert.equal(asked, 0);
  });

  it('items VS Code could not resolve (undefined, mid-redraw) come back from the selection once the redraw is over', async () => {
    let calls = 0;
    // the view's selection is empty while the tree redraws, then names both runs again
    const current = () => (++calls < 4 ? [] : [run('a'), run('b')]);
    const got = await resolveSelection({ given: [undefined, undefined], current, accept, everyMs: 1 });
    assert.deepEqual(got.map((r) => r.id), ['a', 'b']);
    assert.ok(calls >= 4);
  });

  it('the wait is bounded: a selection that never comes back gives what was handed over', async () => {
    const t0 = Date.now();
    const got = await resolveSelection({ given: [run('a'), undefined], current: () => [], accept, timeoutMs: 60, everyMs: 5 });
    assert.deepEqual(got.map((r) => r.id), ['a']);
    assert.ok(Date.now() - t0 < 5000);
  });
});
