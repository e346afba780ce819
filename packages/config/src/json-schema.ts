import { z } from 'zod';
import { configSchema } from './schema/config.js';

/**
 * The JSON Schema (draft 2020-12) of what a configuration file may contain,
 * for editors and documentation. Secrets are marked `"secret": true`.
 * Cross-field rules (pool references, unique names, ...) are not expressed.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
