export * from './announce-decision.js';
export * from './announce-probe.js';
export * from './announcer-options.js';
export * from './bgp-announcer.js';
export * from './channels.js';
export * from './errors.js';
export * from './options.js';
export * from './overflow-controller.js';
export * from './overflow-traffic.js';
export * from './peer-poller.js';
export * from './peer-report.js';
export * from './site.js';
export * from './site-load.js';
export * from './site-routes.js';

/** The header that marks an HTTP request another site already forwarded: it is never forwarded again. */
export const OVERFLOW_HEADER = 'x-lvs7-overflow';
