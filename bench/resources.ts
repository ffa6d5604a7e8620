/**
 * Samples this process's resident set size and CPU time over a measured window. RSS is sampled on
 * a short timer (peaks between samples can be missed by at most one interval's growth); CPU seconds
 * are exact, from process.cpuUsage(). The V8 heap's peak tells JS objects apart from native memory
 * (PGlite's WASM memory, buffers) in the RSS.
 */
import type { Resources } from './spec.js';

const MB = 1024 * 1024;

export function sampleResources(intervalMs = 25): { stop(): Resources } {
  const rssAtStart = process.memoryUsage.rss();
  const cpuStart = process.cpuUsage();
  let peak = rssAtStart;
  let peakHeap = 0;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    // The full breakdown walks the heap spaces: every 20th sample is enough to attribute the RSS.
    if (samples++ % 20 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const rss = process.memoryUsage.rss();
      peak = Math.max(peak, rss);
      const cpu = process.cpuUsage(cpuStart);
      return {
        peakRssMb: round(peak / MB),
        peakHeapUsedMb: round(peakHeap / MB),
        rssAtStartMb: round(rssAtStart / MB),
        rssAtEndMb: round(rss / MB),
        cpuUserS: round(cpu.user / 1e6),
        cpuSystemS: round(cpu.system / 1e6),
      };
    },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
