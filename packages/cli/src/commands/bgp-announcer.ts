import { parseArgs } from 'node:util';

export interface BgpAnnouncerCommandOptions {
  readonly admin: string;
  readonly vip: string;
  readonly interval: number;
  readonly timeout: number;
}

export const BGP_ANNOUNCER_DEFAULTS = { interval: 150, timeout: 300 } as const;

/**
 * The arguments after `lvs7 bgp-announcer`, read without commander, for the
 * fast path of bin/lvs7.js. Undefined when they ask for help or are not
 * understood: the full CLI then answers (help text, error message).
 */
export function parseBgpAnnouncerArgs(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): BgpAnnouncerCommandOptions | undefined {
  try {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        admin: { type: 'string' },
        vip: { type: 'string' },
        interval: { type: 'string' },
        timeout: { type: 'string' },
      },
    });
    if (values.vip === undefined) return undefined;
    return {
      admin: values.admin ?? env.LVS7_ADMIN ?? 'http://127.0.0.1:9900',
      vip: values.vip,
      interval: values.interval === undefined ? BGP_ANNOUNCER_DEFAULTS.interval : Number(values.interval),
      timeout: values.timeout === undefined ? BGP_ANNOUNCER_DEFAULTS.timeout : Number(values.timeout),
    };
  } catch {
    return undefined;
  }
}

/**
 * `lvs7 bgp-announcer`: ExaBGP's API process. ExaBGP respawns it when it
 * dies and keeps the old routes until it speaks, so it loads only
 * @lvs7/site and pino, not the rest of the CLI: its cold start is part of
 * the failover time.
 */
export async function bgpAnnouncerCommand(o: BgpAnnouncerCommandOptions): Promise<void> {
  const [{ runBgpAnnouncer }, { default: pino }] = await Promise.all([import('@lvs7/site'), import('pino')]);
  // stdout belongs to ExaBGP: logs go to stderr.
  const logger = pino({ level: 'info', base: { app: 'lvs7-bgp-announcer' } }, pino.destination(2));
  const announcer = runBgpAnnouncer({
    admin: o.admin,
    vip: o.vip,
    intervalMs: o.interval,
    timeoutMs: o.timeout,
    stdin: process.stdin,
    stdout: process.stdout,
    logger,
  });
  await announcer.done;
}
