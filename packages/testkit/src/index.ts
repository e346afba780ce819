export * from './daemon.js';
export * from './http-origin.js';
export * from './ports.js';
export * from './temp-dir.js';
export * from './wait-for.js';
