/** What every discoverer factory is given besides its instance's config. */
import type { Env } from '../config.js';
import type { Logger } from '../logger.js';

export interface DiscovererDeps {
  logger?: Logger;
  /** Environment for `{ env: NAME }` settings (default: process.env). */
  env?: Env;
}
