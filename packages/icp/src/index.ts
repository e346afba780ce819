// Importing this module registers the `icp` health check type.
export * from './access-list.js';
export * from './channels.js';
export * from './constants.js';
export * from './decode.js';
export * from './encode.js';
export * from './errors.js';
export * from './health-check.js';
export * from './icp-client.js';
export * from './icp-responder.js';
export * from './icp-socket.js';
export * from './ipv4.js';
export * from './message.js';
export * from './peer.js';
export * from './peer-liveness.js';
export * from './query-result.js';
export * from './select-peer.js';
