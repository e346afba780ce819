export * from './admin-overrides.js';
export * from './demo/demo-command.js';
export * from './instance.js';
export * from './listener-factory.js';
export * from './logger.js';
export * from './pool-runtime.js';
export * from './site-overflow.js';
