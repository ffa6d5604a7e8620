/**
 * Preloaded into a benchmarked CLI process (`node --import …/max-rss.ts`): on exit it writes the
 * process's own peak RSS (getrusage `maxRSS`, KiB) to $TQ_BENCH_RSS_FILE, which is exact where
 * polling /proc from outside would miss a short peak.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.TQ_BENCH_RSS_FILE;
if (file) process.once('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
