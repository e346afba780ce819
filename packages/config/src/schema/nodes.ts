import { z } from 'zod';
import { address, cidr, duration, intRange, name, nonEmpty, obj, size } from './common.js';

const certificate = obj({
  /** PEM certificate chain file (relative to the config file). */
  cert: nonEmpty(),
  key: nonEmpty(),
});

/** `lvs7 mailstore`: a mail node over Maildir on shared storage. */
export const mailstoreSchema = obj({
  /** Matches mailHost values and pool server names; shown in greetings and ID replies. */
  name: nonEmpty(),
  /** The shared storage root (relative to the config file). */
  root: nonEmpty(),
  /** A directory of `directories`: users, passwords, quotas, mailboxes. */
  directory: name(),
  lmtp: address({ listen: true }).optional(),
  smtp: address({ listen: true }).optional(),
  imap: address({ listen: true }).optional(),
  pop3: address({ listen: true }).optional(),
  /** For STARTTLS / STLS. */
  tls: certificate.optional(),
  /** Maildir of an entry without a store attribute, e.g. `{root}/{domain}/{local}`. */
  mailboxTemplate: nonEmpty().optional(),
  /** Entry attribute naming the Maildir (e.g. mailMessageStore). */
  storeAttribute: nonEmpty().optional(),
  /** Entry attribute with the quota in bytes (default mailQuotaSize). */
  quotaAttribute: nonEmpty().optional(),
  /** Entry attribute with the account status (default accountStatus). */
  statusAttribute: nonEmpty().optional(),
  disabledStatuses: z.array(nonEmpty()).optional(),
  authFailureDelay: duration().optional(),
  /** fsync messages and uid lists (crash safety); default true. */
  fsync: z.boolean().default(true),
  /** How often IDLE sessions look for changes made by other nodes. */
  idlePoll: duration({ positive: true }).optional(),
});

/** `lvs7 cache`: an HTTP caching proxy node that peers over ICP. */
export const cacheSchema = obj({
  name: nonEmpty(),
  /** HTTP: absolute-form requests (forward proxy), and origin-form ones when `origin` is set. */
  listen: address({ listen: true }),
  /** The pool origin-form requests go to (accelerator mode). */
  origin: name().optional(),
  /** ICP responder and client (UDP). */
  icp: address({ listen: true }),
  /** Who may query the ICP port; others get DENIED. Default loopback only. */
  icpAccess: z.array(cidr()).optional(),
  /** Who may send HTTP requests; others get 403. Default loopback and private networks. */
  httpAccess: z.array(cidr()).optional(),
  memory: size().default(256 * 1024 * 1024),
  disk: obj({ path: nonEmpty(), size: size() }).optional(),
  peers: z
    .array(
      obj({
        name: name(),
        http: address(),
        icp: address(),
        type: z.enum(['sibling', 'parent']),
        weight: intRange(1, 1000).optional(),
      }),
    )
    .default([]),
  maxObjectSize: size().optional(),
  memoryMaxObjectSize: size().optional(),
  icpTimeout: duration({ positive: true }).optional(),
  coalesceTimeout: duration({ positive: true }).optional(),
  timeouts: obj({
    connect: duration({ positive: true }).optional(),
    response: duration({ positive: true }).optional(),
    idle: duration({ positive: true }).optional(),
  }).optional(),
});
