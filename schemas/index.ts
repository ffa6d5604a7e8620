/** The canonical contracts, in one place for the JSON Schema export and for imports. */
export * from './common.js';
export * from './trigger.js';
export * from './credential.js';
export * from './plan.js';
export * from './audit.js';
export * from './policy.js';
export * from './intake.js';
export * from './config.js';
