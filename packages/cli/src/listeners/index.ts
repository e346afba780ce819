import type { HttpListenerConfig, MailListenerConfig, SmtpListenerConfig } from '@lvs7/config';
import { registerListenerFactory } from '../listener-factory.js';
import { HttpListenerAdapter } from './http.js';
import { MailListenerAdapter } from './mail.js';
import { SmtpListenerAdapter } from './smtp.js';

/** Registers every protocol this build has. */
export function registerBuiltinListeners(): void {
  registerListenerFactory(
    'http',
    (config, context) => new HttpListenerAdapter(config as HttpListenerConfig, context),
  );
  registerListenerFactory(
    'smtp',
    (config, context) => new SmtpListenerAdapter(config as SmtpListenerConfig, context),
  );
  for (const protocol of ['imap', 'pop3'] as const) {
    registerListenerFactory(
      protocol,
      (config, context) => new MailListenerAdapter(config as MailListenerConfig, context),
    );
  }
}

registerBuiltinListeners();
