import { z } from 'zod';
import { address, cidr, duration, intRange, name, nonEmpty, obj, size } from './common.js';

const certificate = obj({
  cert: nonEmpty().describe('PEM certificate chain file; a relative path is relative to the config file.'),
  key: nonEmpty().describe('PEM private key file of `cert`.'),
});

/** `lvs7 mailstore`: a mail node over Maildir on shared storage. */
export const mailstoreSchema = obj({
  name: nonEmpty().describe(
    "The node's name: equal to the directory's host attribute (`mailHost`) of its users and to its server name in the distributors' pools; shown in greetings and ID replies.",
  ),
  root: nonEmpty().describe(
    'The shared storage root holding the Maildirs (the same on every node); a relative path is relative to the config file.',
  ),
  directory: name().describe(
    'The directory (see `directories`) with users, passwords, quotas and mailbox paths.',
  ),
  lmtp: address({ listen: true })
    .optional()
    .describe('Where to accept deliveries over LMTP (from SMTP distributors); absent = no LMTP.'),
  smtp: address({ listen: true })
    .optional()
    .describe('Where to accept deliveries over SMTP; absent = no SMTP.'),
  imap: address({ listen: true }).optional().describe('Where to serve IMAP4; absent = no IMAP.'),
  pop3: address({ listen: true }).optional().describe('Where to serve POP3; absent = no POP3.'),
  tls: certificate
    .optional()
    .describe('Certificate for STARTTLS (LMTP, SMTP, IMAP) and STLS (POP3); absent = none offered.'),
  mailboxTemplate: nonEmpty()
    .optional()
    .describe(
      'The Maildir of a user whose entry has no store attribute, from `{root}`, `{mailbox}`, `{local}`, `{domain}` and `{uid}`; default `{root}/{domain}/{local}`.',
    ),
  storeAttribute: nonEmpty()
    .optional()
    .describe(
      'Entry attribute with the Maildir path (relative to `root`, or absolute); default `mailMessageStore`.',
    ),
  quotaAttribute: nonEmpty()
    .optional()
    .describe('Entry attribute with the quota in bytes; default `mailQuotaSize`; no attribute = no quota.'),
  statusAttribute: nonEmpty()
    .optional()
    .describe('Entry attribute with the account status; default `accountStatus`.'),
  disabledStatuses: z
    .array(nonEmpty())
    .optional()
    .describe(
      'Account statuses that refuse logins and deliveries (case-insensitive); default `disabled`, `deleted`, `noaccess`.',
    ),
  authFailureDelay: duration()
    .optional()
    .describe('Delay before answering a failed login, to slow down password guessing; default 1s.'),
  fsync: z
    .boolean()
    .default(true)
    .describe(
      'fsync messages and uid lists before acknowledging them, so a crash loses nothing acknowledged; `false` is faster and only for tests.',
    ),
  idlePoll: duration({ positive: true })
    .optional()
    .describe('How often IMAP IDLE sessions look for changes made by other nodes; default 1s.'),
});

/** `lvs7 cache`: an HTTP caching proxy node that peers over ICP. */
export const cacheSchema = obj({
  name: nonEmpty().describe(
    "The node's name: in the Via header it adds (which also detects forwarding loops), logs and stats.",
  ),
  listen: address({ listen: true }).describe(
    'Where to accept HTTP: absolute-form requests (forward proxy), and origin-form ones when `origin` is set.',
  ),
  origin: name()
    .optional()
    .describe(
      'The pool that origin-form requests go to (accelerator mode); without it only proxy requests are served.',
    ),
  icp: address({ listen: true }).describe(
    "The ICP address (UDP): answers peers' queries and sends ours. Use an IP: peers match replies by source address.",
  ),
  icpAccess: z
    .array(cidr())
    .optional()
    .describe(
      'Who may query the ICP port (addresses or CIDR blocks); others get DENIED. Default loopback only.',
    ),
  httpAccess: z
    .array(cidr())
    .optional()
    .describe(
      "Who may send HTTP requests; others get 403. Default loopback and private networks (Squid's `localnet`), so a node is never an open proxy.",
    ),
  memory: size()
    .default(256 * 1024 * 1024)
    .describe(
      'Size of the in-memory store; least recently used objects are evicted (to disk, when there is one).',
    ),
  disk: obj({
    path: nonEmpty().describe('Directory of the disk store (created if missing).'),
    size: size().describe('Most bytes kept on disk.'),
  })
    .optional()
    .describe('A disk store below the memory store; absent = memory only.'),
  peers: z
    .array(
      obj({
        name: name().describe("The peer's name, for logs and stats."),
        http: address().describe("The peer's HTTP (proxy) address, `ip:port`, fetched from on an ICP HIT."),
        icp: address().describe(
          "The peer's ICP address, `ip:port`; replies are matched by their source address.",
        ),
        type: z
          .enum(['sibling', 'parent'])
          .describe(
            'A `sibling` only serves its hits; a `parent` also fetches our misses (Squid `cache_peer`).',
          ),
        weight: intRange(1, 1000)
          .optional()
          .describe(
            'Parents: their ICP reply time is divided by this when choosing where a miss goes; default 1.',
          ),
      }).describe('One peer cache (Squid `cache_peer`).'),
    )
    .default([])
    .describe('Other caches asked over ICP before a miss goes to the origin.'),
  maxObjectSize: size()
    .optional()
    .describe('Larger responses are passed through and not stored; default 16MiB.'),
  memoryMaxObjectSize: size()
    .optional()
    .describe(
      'Larger objects are kept on disk only; default the smaller of `maxObjectSize` and `memory` ÷ 8.',
    ),
  icpTimeout: duration({ positive: true })
    .optional()
    .describe("How long an ICP query waits for the peers' replies before going to the origin; default 1s."),
  coalesceTimeout: duration({ positive: true })
    .optional()
    .describe(
      "Concurrent misses for one URL wait for the first one's fetch instead of fetching it again, for at most this long; default 5s.",
    ),
  timeouts: obj({
    connect: duration({ positive: true })
      .optional()
      .describe('Connecting to a peer or the origin; default 5s.'),
    response: duration({ positive: true })
      .optional()
      .describe("Waiting for the upstream's response head; then the client gets 504. Default 30s."),
    idle: duration({ positive: true })
      .optional()
      .describe('No body byte from the upstream for this long aborts the transfer; default 1m.'),
  })
    .optional()
    .describe('Timeouts towards peers and the origin.'),
});
