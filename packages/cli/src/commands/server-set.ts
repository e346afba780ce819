import type { ServerView } from '@lvs7/admin';
import { type AdminClientOptions, adminRequest } from '../admin-client.js';

export interface ServerSetOptions extends AdminClientOptions {
  readonly weight?: string | undefined;
  readonly state?: string | undefined;
}

/** `lvs7 server set POOL SERVER --weight N --state ready|drain|maint` through the admin API. */
export async function serverSetCommand(
  pool: string,
  server: string,
  options: ServerSetOptions,
): Promise<string> {
  const patch: Record<string, unknown> = {};
  if (options.weight !== undefined) {
    const weight = Number(options.weight);
    if (!Number.isInteger(weight)) throw new Error(`--weight: expected an integer, got "${options.weight}"`);
    patch.weight = weight;
  }
  if (options.state !== undefined) patch.state = options.state;
  if (Object.keys(patch).length === 0) throw new Error('nothing to set: give --weight and/or --state');
  const path = `/api/pools/${encodeURIComponent(pool)}/servers/${encodeURIComponent(server)}`;
  const view = await adminRequest<ServerView>(options, 'PATCH', path, patch);
  return `${pool}/${view.name}: state ${view.state}, weight ${view.weight}\n`;
}
