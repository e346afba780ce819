import { isIP } from 'node:net';
import { z } from 'zod';
import { duration, intMin, name, obj, percent } from './common.js';

const ip = () =>
  z.string().refine((s) => isIP(s) !== 0, { error: 'expected an IP address such as 192.0.2.10' });

const ratio = () => z.number().positive({ error: 'expected a load ratio such as 1.1' });

/** Several sites sharing one (anycast) address, announced over BGP while healthy. */
export const siteSchema = obj({
  name: name().describe("This site's name, as its peers list it and as `/api/site` reports it."),
  vip: ip().describe(
    'The anycast address every site serves (configured on a local interface such as `lo`); listeners on it or on 0.0.0.0 serve clients.',
  ),
  address: ip().describe(
    "This site's own unicast address (local to this host), reachable by the other sites: every listener on the VIP also listens here on its port, where overflow from peers arrives; overflow to peers leaves from it.",
  ),
  capacity: intMin(1)
    .optional()
    .describe(
      "Sessions this site holds at load 1.0, the unit `overflow` thresholds are measured in; default the sum of the eligible servers' `maxConnections`.",
    ),
  announce: obj({
    minHealthy: percent()
      .default(50)
      .describe(
        'Announce the VIP only while, in every pool the listeners use, at least this share of servers is eligible; below it `/api/site/announce` answers 503 and the route is withdrawn.',
      ),
  })
    .prefault({})
    .describe(
      'When this site is fit to carry the VIP (read by `lvs7 bgp-announcer` from `/api/site/announce`).',
    ),
  overflow: obj({
    above: ratio()
      .default(1.1)
      .describe('Load (sessions ÷ `capacity`) above which new sessions start going to lighter peers.'),
    peerBelow: ratio().default(0.7).describe('Only peers whose load is below this receive overflow.'),
    interval: duration({ positive: true })
      .default(1000)
      .describe("How often each peer's load is read from its admin API (`/api/site`)."),
    timeout: duration({ positive: true })
      .optional()
      .describe('How long one read of a peer may take; default 80% of `interval`, at most 1.6s.'),
    hysteresis: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe(
        'Load band that keeps decisions from flapping: overflow stops once the load would be below `above - hysteresis`, and a peer keeps receiving until its load exceeds `peerBelow + hysteresis`.',
      ),
  })
    .optional()
    .describe(
      'Send a share of new sessions to lighter peers while this site is overloaded; without it nothing is sent (peers are still read, for `/api/site`).',
    ),
  peers: z
    .array(
      obj({
        name: name().describe("The peer site's `site.name`."),
        admin: z
          .url({ protocol: /^https?$/, error: 'expected an http:// URL' })
          .describe(
            "The peer's admin API, e.g. `http://10.77.2.2:9900`; its `/api/site` is read for its load.",
          ),
        address: ip().describe("The peer's unicast `site.address`: overflow sessions are sent there."),
      }).describe('One peer site.'),
    )
    .default([])
    .describe('The other sites serving the same VIP.'),
});
