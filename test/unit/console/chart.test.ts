/** The health page's SVG bar chart: geometry, and that labels are escaped like any value. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { barChart, CHART, layoutBars, seconds } from '../../../src/console/chart.js';

it('bars are proportional to the largest value and stacked without overlap', () => {
  const g = layoutBars([
    { label: 'a', value: 2, tone: 'bar-p50' },
    { label: 'b', value: 4, tone: 'bar-p95' },
  ]);
  const span = CHART.width - CHART.labelWidth - CHART.valueWidth;
  assert.equal(g.bars[1]!.width, span);
  assert.equal(g.bars[0]!.width, span / 2);
  assert.ok(g.bars[1]!.y >= g.bars[0]!.y + g.bars[0]!.height);
  assert.ok(g.height >= g.bars[1]!.y + g.bars[1]!.height);
});

it('all-zero values draw empty bars rather than dividing by zero', () => {
  const g = layoutBars([{ label: 'a', value: 0, tone: 'bar-p50' }]);
  assert.equal(g.bars[0]!.width, 0);
  assert.equal(layoutBars([]).bars.length, 0);
});

it('formats seconds for people', () => {
  assert.equal(seconds(0.42), '0.4 s');
  assert.equal(seconds(42), '42 s');
  assert.equal(seconds(210), '3.5 min');
});

it('is an image with its numbers in the title; no style attribute; labels escaped', () => {
  const svg = barChart('c', 'T', [{ label: '<b>', value: 1.5, tone: 'bar-p50' }]).toString();
  assert.match(svg, /role="img"/);
  assert.match(svg, /<title id="c-title">T: &lt;b&gt; 1\.5 s<\/title>/);
  assert.doesNotMatch(svg, /style=/);
  assert.doesNotMatch(svg, /<b>/);
});
