import type { PoolView } from '@lvs7/admin';
import { type AdminClientOptions, adminRequest } from '../admin-client.js';
import { renderTable } from '../table.js';

/** `lvs7 status`: every pool and server as a table (colour on a terminal). */
export async function statusCommand(options: AdminClientOptions & { json?: boolean }): Promise<string> {
  const { pools } = await adminRequest<{ pools: PoolView[] }>(options, 'GET', '/api/pools');
  if (options.json) return `${JSON.stringify({ pools }, null, 2)}\n`;
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const paint = (text: string, code: number) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const out: string[] = [];
  for (const pool of pools) {
    const flags = [pool.panic ? paint('PANIC', 31) : '', pool.queued ? `${pool.queued} queued` : '']
      .filter(Boolean)
      .join(' ');
    out.push(`pool ${pool.name} (${pool.scheduler}, ${pool.eligible} eligible)${flags ? ` ${flags}` : ''}`);
    const rows = pool.servers.map((s) => {
      // Held down by shared-state health consensus although this instance's own checks pass.
      const held = !s.healthy && s.localHealthy === true ? ' (checks up)' : '';
      const health = s.ejected
        ? paint('ejected', 33)
        : s.healthy
          ? paint('up', 32)
          : paint(`down${held}`, 31);
      const state = s.state === 'ready' ? s.state : paint(s.state, 33);
      const weight = s.effectiveWeight !== s.weight ? `${s.effectiveWeight}/${s.weight}` : String(s.weight);
      return [
        s.name,
        s.address,
        state,
        health,
        weight,
        String(s.active),
        String(s.total),
        s.lastCheck?.message ?? '',
      ];
    });
    out.push(
      renderTable(['SERVER', 'ADDRESS', 'STATE', 'HEALTH', 'WEIGHT', 'ACTIVE', 'TOTAL', 'LAST CHECK'], rows),
    );
    out.push('');
  }
  if (pools.length === 0) out.push('no pools');
  return `${out.join('\n')}\n`;
}
