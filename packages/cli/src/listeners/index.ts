import type { HttpListenerConfig } from '@lvs7/config';
import { registerListenerFactory } from '../listener-factory.js';
import { HttpListenerAdapter } from './http.js';

/** Registers every protocol this build has. */
export function registerBuiltinListeners(): void {
  registerListenerFactory(
    'http',
    (config, context) => new HttpListenerAdapter(config as HttpListenerConfig, context),
  );
}

registerBuiltinListeners();
