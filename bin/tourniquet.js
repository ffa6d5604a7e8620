#!/usr/bin/env node
// Entry point for the `tourniquet` bin. Runs the TypeScript sources through tsx's loader so that a
// fresh clone works without a build step; `npm run build` is still available for packaging.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
