import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatNumber, formatPercent, formatRate, isFraction } from '../../../webview/format';

test('durations, numbers, rates and percentages read as a person expects', () => {
  assert.equal(formatDuration(null), '–');
  assert.equal(formatDuration(450), '450 ms');
  assert.equal(formatDuration(4_200), '4.2 s');
  assert.equal(formatDuration(125_000), '2m 05s');
  assert.equal(formatDuration(3_725_000), '1h 02m');
  assert.equal(formatNumber(0.123456), '0.1235');
  assert.equal(formatNumber(0.00001234), '1.23e-5');
  assert.equal(formatNumber(12345), '12,345');
  assert.equal(formatNumber(NaN), '–');
  assert.equal(formatPercent(0.84375, 2), '84.38%');
  assert.equal(formatRate(1534), '1.5k/s');
  assert.equal(formatRate(0), '–');
  assert.equal(isFraction('val_accuracy'), true);
  assert.equal(isFraction('logLoss'), false);
});
