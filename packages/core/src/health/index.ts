// Importing this module registers the built-in check types: tcp, http, agent.
export * from './agent-probe.js';
export * from './health-monitor.js';
export * from './health-options.js';
export * from './health-probe.js';
export * from './health-session.js';
export * from './http-probe.js';
export * from './tcp-probe.js';
