import { z } from 'zod';
import { configSchema } from './schema/config.js';

type JsonSchema = z.core.JSONSchema.BaseSchema;

/**
 * zod leaves out the default of a transforming schema in `io: 'input'` mode
 * (a duration's default is the parsed number of ms, not the text written).
 * Our transforms all accept their own output (2000 is a valid duration: ms;
 * 16384 a valid size: bytes), so the default is put back when the input side
 * accepts it; editors and the reference then show it.
 */
function keepDefault(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonSchema }): void {
  const { zodSchema, jsonSchema } = ctx;
  if (zodSchema._zod.def.type !== 'default' || jsonSchema.default !== undefined) return;
  const def = (zodSchema as z.core.$ZodDefault)._zod.def;
  const value: unknown = def.defaultValue;
  if (z.safeParse(def.innerType, value).success) jsonSchema.default = value as JsonSchema['default'];
}

/**
 * The JSON Schema (draft 2020-12) of what a configuration file may contain,
 * for editors and documentation: every key's `description` comes from the
 * schema's `.describe()`. Secrets are marked `"secret": true`.
 * Cross-field rules (pool references, unique names, ...) are not expressed.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: keepDefault,
  }) as Record<string, unknown>;
}
