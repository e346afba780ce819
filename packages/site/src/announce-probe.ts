import type { FetchFunction } from './peer-poller.js';

/** up: 200 (carry the VIP); down: any other answer (withdraw now); failed: no answer (dead or hung). */
export type ProbeResult =
  | { readonly kind: 'up' }
  | { readonly kind: 'down'; readonly status: number }
  | { readonly kind: 'failed'; readonly reason: string };

const UP: ProbeResult = Object.freeze({ kind: 'up' });

/** One `GET <admin>/api/site/announce` with a timeout. Never rejects. */
export async function probeAnnounce(
  admin: string,
  timeoutMs: number,
  fetchFn: FetchFunction,
): Promise<ProbeResult> {
  try {
    const response = await fetchFn(`${admin}/api/site/announce`, { signal: AbortSignal.timeout(timeoutMs) });
    // Read the (tiny) body so the keep-alive connection is reused for the next poll.
    await response.arrayBuffer();
    return response.status === 200 ? UP : { kind: 'down', status: response.status };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError') return { kind: 'failed', reason: `no answer within ${timeoutMs} ms` };
    return { kind: 'failed', reason: e.cause?.code ?? e.message };
  }
}
