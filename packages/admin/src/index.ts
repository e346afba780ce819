export * from './admin-server.js';
export * from './admin-target.js';
export * from './core-metrics.js';
export * from './errors.js';
export * from './pool-view.js';
export * from './router.js';
