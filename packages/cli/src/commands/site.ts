import { type AdminClientOptions, adminRequest } from '../admin-client.js';

interface SiteView {
  name: string;
  load: number;
  active: number;
  announcing: boolean;
  announceReason: string;
  draining: boolean;
  healthyShare: number;
  peers: { name: string; load: number | null; lastSeen: string | null }[];
}

/** `lvs7 site status|drain|resume`. */
export async function siteCommand(
  action: 'status' | 'drain' | 'resume',
  options: AdminClientOptions,
): Promise<string> {
  if (action !== 'status') await adminRequest(options, 'POST', `/api/site/${action}`, {});
  const v = await adminRequest<SiteView>(options, 'GET', '/api/site');
  const peers = v.peers.map((p) => `${p.name} ${p.load === null ? 'unknown' : p.load.toFixed(2)}`).join(', ');
  return [
    `site ${v.name}: load ${v.load.toFixed(2)} (${v.active} active), healthy ${(v.healthyShare * 100).toFixed(0)}%`,
    `  ${v.announcing ? 'announcing' : 'withdrawn'} (${v.announceReason})${v.draining ? ', draining' : ''}`,
    `  peers: ${peers || 'none'}`,
    '',
  ].join('\n');
}
