import { isIP } from 'node:net';
import { z } from 'zod';
import { duration, intMin, name, obj, percent } from './common.js';

const ip = () =>
  z.string().refine((s) => isIP(s) !== 0, { error: 'expected an IP address such as 192.0.2.10' });

const ratio = () => z.number().positive({ error: 'expected a load ratio such as 1.1' });

/** Several sites sharing one (anycast) address, announced over BGP while healthy. */
export const siteSchema = obj({
  name: name(),
  /** The shared (anycast) address the listeners serve. */
  vip: ip(),
  /** This site's own unicast address, reachable by the other sites (overflow arrives there). */
  address: ip(),
  /** Sessions at load 1.0; default the sum of the VIP pools' eligible servers' maxConnections. */
  capacity: intMin(1).optional(),
  announce: obj({
    /** Announce only while, in every VIP pool, at least this share of servers is eligible. */
    minHealthy: percent().default(50),
  }).prefault({}),
  /** Send a share of new sessions to lighter peers while this site is overloaded. */
  overflow: obj({
    above: ratio().default(1.1),
    peerBelow: ratio().default(0.7),
    /** How often peers' load is read. */
    interval: duration({ positive: true }).default(1000),
    timeout: duration({ positive: true }).optional(),
    hysteresis: z.number().min(0).max(1).default(0.1),
  }).optional(),
  peers: z
    .array(
      obj({
        name: name(),
        /** The peer's admin API, e.g. http://10.77.2.2:9900 */
        admin: z.url({ protocol: /^https?$/, error: 'expected an http:// URL' }),
        address: ip(),
      }),
    )
    .default([]),
});
