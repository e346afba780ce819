export * from './acceptor.js';
export * from './encode.js';
export * from './header.js';
export * from './parse.js';
export * from './read.js';
