import type { HttpListenerConfig, MailListenerConfig } from '@lvs7/config';
import { registerListenerFactory } from '../listener-factory.js';
import { HttpListenerAdapter } from './http.js';
import { MailListenerAdapter } from './mail.js';

/** Registers every protocol this build has. */
export function registerBuiltinListeners(): void {
  registerListenerFactory(
    'http',
    (config, context) => new HttpListenerAdapter(config as HttpListenerConfig, context),
  );
  for (const protocol of ['imap', 'pop3'] as const) {
    registerListenerFactory(
      protocol,
      (config, context) => new MailListenerAdapter(config as MailListenerConfig, context),
    );
  }
}

registerBuiltinListeners();
