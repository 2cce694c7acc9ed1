import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { problemRange } from '../../../src/diagnostics/ranges';

describe('problemRange', () => {
  const lines = ['name: x', 'train:', '  epocs: 3'];

  it('maps 1-based, end-exclusive positions to 0-based ranges', () => {
    assert.deepEqual(problemRange({ line: 3, column: 3, endLine: 3, endColumn: 8 }, lines), { startLine: 2, startCol: 2, endLine: 2, endCol: 7 });
  });

  it('widens an empty range to the word, or the line', () => {
    assert.deepEqual(problemRange({ line: 3, column: 3, endLine: 3, endColumn: 3 }, lines), { startLine: 2, startCol: 2, endLine: 2, endCol: 7 });
    assert.deepEqual(problemRange({ line: 2, column: 7, endLine: 2, endColumn: 7 }, lines), { startLine: 1, startCol: 0, endLine: 1, endCol: 6 });
  });

  it('clamps lines past the end of the text', () => {
    assert.equal(problemRange({ line: 40, column: 1, endLine: 40, endColumn: 1 }, lines).startLine, 2);
  });
});
