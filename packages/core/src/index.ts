export * from './access-log.js';

import './schedulers/index.js';

export * from './address.js';
export * from './errors.js';
export * from './events.js';
export * from './health/index.js';
export * from './outlier/index.js';
export * from './pool.js';
export * from './proxy-protocol/index.js';
export * from './scheduler.js';
export * from './server.js';
export * from './state/memory-state-store.js';
export * from './state/memory-table.js';
export * from './state/state-store.js';
