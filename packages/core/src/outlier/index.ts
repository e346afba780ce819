export * from './outlier-detector.js';
