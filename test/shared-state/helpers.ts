import type { EventEmitter } from 'node:events';
import { Pool, type ServerSpec } from '@lvs7/core';
import {
  type SharedState,
  SharedState as SharedStateClass,
  type SharedStateOptions,
} from '@lvs7/shared-state';
import { pino } from 'pino';

export const SPECS: readonly ServerSpec[] = [
  { name: 'web1', address: '127.0.0.1:10001' },
  { name: 'web2', address: '127.0.0.1:10002' },
  { name: 'web3', address: '127.0.0.1:10003' },
];

/** One lvs7 instance as far as shared state goes: its SharedState and its own pools on the shared store. */
export interface Node {
  readonly shared: SharedState;
  readonly pools: Map<string, Pool>;
  readonly web: Pool;
  readonly logs: { level: number; msg: string }[];
  close(): Promise<void>;
}

export async function startNode(
  url: string,
  options: Partial<SharedStateOptions> & { scheduler?: string } = {},
): Promise<Node> {
  const logs: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const pools = new Map<string, Pool>();
  const shared = await SharedStateClass.connect({
    redis: url,
    cluster: 'test',
    logger,
    pools: () => pools,
    countIntervalMs: 50,
    healthIntervalMs: 100,
    ...options,
  });
  const web = new Pool('web', { scheduler: options.scheduler ?? 'wlc', servers: SPECS, state: shared.store });
  pools.set('web', web);
  return {
    shared,
    pools,
    web,
    logs,
    async close() {
      web.close();
      await shared.close();
    },
  };
}

/** Resolves with the arguments of the first `event` that satisfies `predicate`. */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  predicate: (...args: A) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no matching "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      if (!predicate(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as A);
    };
    emitter.on(event, listener);
  });
}

/** Resolves once `predicate` holds, checked after each `event` (and at once). */
export async function until(
  emitter: EventEmitter,
  event: string,
  predicate: () => boolean,
  timeoutMs = 5_000,
) {
  if (predicate()) return;
  await nextEvent(emitter, event, () => predicate(), timeoutMs);
}
