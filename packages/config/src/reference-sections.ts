/**
 * The sections of docs/configuration.md: which keys each holds, an
 * introduction, and an example. Every example is a complete configuration
 * file that `lvs7 check` accepts (test/reference.test.ts validates them).
 * Keys no section claims get a section of their own, so new keys always appear.
 */
export interface ReferenceSection {
  readonly title: string;
  /** Key paths (as in the table) whose rows belong here; the longest matching prefix wins. */
  readonly keys: readonly string[];
  readonly intro: string;
  /** YAML: a complete file `lvs7 check` accepts; empty for none. */
  readonly example: string;
}

const WEB_POOL = `pools:
  web:
    servers:
      - { name: web1, address: 10.0.0.11:8080 }
      - { name: web2, address: 10.0.0.12:8080 }
`;

const MAIL_POOL_AND_DIRECTORY = `directories:
  users:
    ldap: { urls: [ldap://ldap1.example.org, ldap://ldap2.example.org], baseDN: "dc=example,dc=org" }
pools:
  mail:
    protocol: imap
    servers:
      - { name: mail1.example.org, address: 10.0.1.11:143 }
      - { name: mail2.example.org, address: 10.0.1.12:143 }
`;

export const REFERENCE_SECTIONS: readonly ReferenceSection[] = [
  {
    title: 'Listeners',
    keys: ['listeners'],
    intro:
      'What lvs7 accepts connections on: a list, each with a unique `name`, a `protocol` and a `listen` address. ' +
      '`http` listeners route requests to pools; `imap` and `pop3` listeners send each login, and `smtp` listeners ' +
      'each recipient, to the server that holds the mailbox. The protocol decides which other keys a listener takes ' +
      '(the sections below). A reload (SIGHUP) starts new listeners, closes removed ones after their sessions ' +
      'finish, and applies changes to a listener whose name, protocol and address stay the same in place.',
    example: `${WEB_POOL}listeners:
  - { name: www, protocol: http, listen: 0.0.0.0:80, routes: [{ pool: web }] }
`,
  },
  {
    title: 'HTTP listeners',
    keys: ['listeners[protocol=http]'],
    intro:
      'A reverse proxy (HAProxy frontend, Envoy listener): HTTP/1.1, and HTTP/2 over TLS when `tls.http2` is set. ' +
      'Each request is matched against `routes` in order; requests no route matches get `default`. ' +
      'Client timeouts and head limits protect lvs7 itself; timeouts towards servers belong to routes.',
    example: `${WEB_POOL}listeners:
  - name: www
    protocol: http
    listen: 0.0.0.0:443
    tls: { cert: /etc/lvs7/www.pem, key: /etc/lvs7/www.key, http2: true }
    trustedProxies: [10.0.0.0/8]
    forwarded: xff
    accessLog: sampled
    timeouts: { clientHeader: 10s, clientIdle: 1m }
    limits: { maxHeaderSize: 16KiB, maxHeaders: 100 }
    default: { status: 404 }
    routes:
      - { host: www.example.org, pool: web }
`,
  },
  {
    title: 'Routes',
    keys: ['listeners[protocol=http].routes'],
    intro:
      'The rules of an HTTP listener, tried in order; the first route whose conditions all match ' +
      '(`host`, `pathPrefix`, `path`, `methods`, `headers`, `query`) takes the request, and a route without ' +
      'conditions matches everything. The route names the pool and says how to use it: the `key` hashing ' +
      'schedulers hash, cookie stickiness, rewrites, header edits, timeouts towards the server and retries.',
    example: `pools:
  api:
    scheduler: rr
    servers: [{ name: api1, address: 10.0.0.21:9000 }, { name: api2, address: 10.0.0.22:9000 }]
  media:
    scheduler: mh
    servers: [{ name: media1, address: 10.0.0.31:80 }, { name: media2, address: 10.0.0.32:80 }]
listeners:
  - name: www
    protocol: http
    listen: 0.0.0.0:80
    routes:
      - host: [api.example.org, "*.api.example.org"]
        pathPrefix: /v1/
        methods: [GET, POST]
        headers: { X-Tenant: { present: true } }
        pool: api
        sticky: { cookie: SRV, ttl: 1h }
        rewrite: { stripPrefix: /v1, addPrefix: /api }
        requestHeaders: { set: { X-Api-Version: 1 }, remove: [X-Debug] }
        timeouts: { connect: 2s, response: 30s, idle: 1m }
        retries: { count: 2, on: [connect-failure, reset, 503] }
      - path: "\\\\.(mp4|webm)$"
        pool: media
        key: url
`,
  },
  {
    title: 'IMAP and POP3 listeners',
    keys: ['listeners[protocol=imap|pop3]'],
    intro:
      'Mail distributors in the style of Dovecot director and Perdition: lvs7 takes the login, looks the user up ' +
      'in a `directory`, and splices the session to the pool server that holds the mailbox (the server whose ' +
      'name equals the entry\u2019s host attribute, else a consistent hash over server names), passing the ' +
      'client\u2019s address on with IMAP ID or POP3 XCLIENT. A user\u2019s sessions all go to the same server.',
    example: `${MAIL_POOL_AND_DIRECTORY}listeners:
  - name: imap
    protocol: imap
    listen: 0.0.0.0:143
    directory: users
    pool: mail
    tls: { cert: /etc/lvs7/mail.pem, key: /etc/lvs7/mail.key, mode: required }
    limits: { maxConnectionsPerIp: 50, authFailureDelay: 2s }
    placementTtl: 15m
`,
  },
  {
    title: 'SMTP listeners',
    keys: ['listeners[protocol=smtp]'],
    intro:
      'The SMTP distributor: accepts mail for `domains`, looks every recipient up in the `directory` and hands ' +
      'the message to the pool server holding each mailbox, over SMTP or LMTP (the pool\u2019s `protocol`), ' +
      'with the client\u2019s identity passed on by XCLIENT or XFORWARD. Unknown recipients are refused at ' +
      'RCPT time. With `auth`, authenticated clients may also relay to other domains through `relayPool`.',
    example: `directories:
  users: { file: /etc/lvs7/users.ldif }
pools:
  stores:
    protocol: lmtp
    servers:
      - { name: mail1.example.org, address: 10.0.1.11:24 }
      - { name: mail2.example.org, address: 10.0.1.12:24 }
  outbound:
    protocol: smtp
    servers: [{ name: relay1, address: 10.0.2.11:25 }]
listeners:
  - name: mx
    protocol: smtp
    listen: 0.0.0.0:25
    hostname: mx.example.org
    directory: users
    pool: stores
    relayPool: outbound
    domains: [example.org, example.net]
    tls: { cert: /etc/lvs7/mx.pem, key: /etc/lvs7/mx.key }
    maxMessageSize: 25MB
    auth: { requireTls: true }
    limits: { maxRecipients: 100, maxConnectionsPerIp: 20 }
`,
  },
  {
    title: 'ICP listeners',
    keys: ['listeners[protocol=icp]'],
    intro:
      'Reserved: `lvs7 check` accepts these keys, but this build starts no ICP listener (`lvs7 start` reports ' +
      'the protocol as not available). ICP is served by cache nodes (`cache.icp`) and used by routes (`icp`).',
    example: '',
  },
  {
    title: 'Pools',
    keys: ['pools'],
    intro:
      'A named set of servers and the scheduler that spreads sessions over them (HAProxy backend, Envoy ' +
      'cluster). Routes and listeners refer to pools by name; a pool may serve any number of them. ' +
      'Schedulers are named as in IPVS (`rr wrr lc wlc sed nq lblc lblcr dh sh mh fo ovf`) plus `ring`, ' +
      '`bounded`, `p2c` and `random`; they only ever see eligible servers (ready, healthy, not ejected, weight > 0).',
    example: `pools:
  web:
    scheduler: wlc
    slowStart: 30s
    panicThreshold: 50%
    maxQueue: 500
    queueTimeout: 5s
    tls: { ca: /etc/lvs7/internal-ca.pem, serverName: web.internal }
    servers:
      - { name: web1, address: 10.0.0.11:443 }
      - { name: web2, address: 10.0.0.12:443 }
  cache:
    scheduler: mh
    schedulerOptions: { tableSize: 65537 }
    servers:
      - { name: cache1, address: 10.0.0.41:3128 }
      - { name: cache2, address: 10.0.0.42:3128 }
`,
  },
  {
    title: 'Servers',
    keys: ['pools.<name>.servers'],
    intro:
      'The upstreams of a pool (IPVS real servers, Envoy hosts). A server\u2019s `weight` and `state` set here ' +
      'are where it starts; the admin API (`lvs7 server set`) changes both at runtime, and those changes survive ' +
      'a reload. `drain` lets sessions in flight and sticky clients finish; `maint` takes nothing.',
    example: `pools:
  web:
    scheduler: wrr
    servers:
      - { name: web1, address: 10.0.0.11:8080, weight: 2, maxConnections: 500 }
      - { name: web2, address: "[2001:db8::12]:8080", weight: 1 }
      - { name: web3, address: web3.internal:8080, state: drain }
      - { name: sorry, address: 10.0.0.99:8080, backup: true }
`,
  },
  {
    title: 'Health checks and outlier detection',
    keys: ['pools.<name>.health', 'pools.<name>.outlier'],
    intro:
      'Active checks probe every server of a pool on an interval: `fall` consecutive failures mark it down, ' +
      '`rise` consecutive passes bring it back (HAProxy\u2019s `check inter rise fall`). Without `health` a pool ' +
      'is not checked and its servers count as healthy. Outlier detection is passive: servers that fail real ' +
      'requests are ejected for a while, independently of the checks.',
    example: `pools:
  web:
    servers:
      - { name: web1, address: 10.0.0.11:8080 }
      - { name: web2, address: 10.0.0.12:8080 }
    health:
      check: http
      path: /health
      status: 200-399
      interval: 2s
      timeout: 1s
      rise: 2
      fall: 3
      fastInterval: 500ms
      downInterval: 5s
    outlier: { consecutiveFailures: 5, baseEjectionTime: 30s, maxEjectionTime: 5m, maxEjectionPercent: 10% }
`,
  },
  {
    title: 'Directories',
    keys: ['directories'],
    intro:
      'Where mail users are looked up, by name: an LDAP directory (failover over its `urls`, answers cached) ' +
      'or an LDIF file. Mail listeners use a directory to find the host of a mailbox (`mailHost` by default), ' +
      'SMTP AUTH and mail store nodes to check passwords.',
    example: `directories:
  users:
    ldap:
      urls: [ldaps://ldap1.example.org, ldaps://ldap2.example.org]
      bindDN: "cn=lvs7,ou=services,dc=example,dc=org"
      bindPassword: change-me
      baseDN: "ou=people,dc=example,dc=org"
      filter: "(|(mail={user})(uid={user}))"
      hostAttribute: mailHost
      cacheTtl: 1m
      timeout: 5s
  test-users:
    file: { path: users.ldif, hostAttribute: mailHost }
`,
  },
  {
    title: 'Admin API',
    keys: ['admin'],
    intro:
      'The HTTP API that reads and changes pools and servers at runtime, serves `/metrics` (Prometheus) and ' +
      'the status page, and is what `lvs7 status` and `lvs7 server set` talk to. Without an `admin` section ' +
      'it is off. Reads need no token; changes need `Authorization: Bearer <token>` when `token` is set, and ' +
      'the API refuses a non-loopback `listen` address without one.',
    example: `admin:
  listen: 127.0.0.1:9900
  token: change-me
`,
  },
  {
    title: 'Shared state',
    keys: ['state'],
    intro:
      'Several lvs7 instances in front of the same servers share state through Redis: admin changes, ' +
      'persistence and locality tables (sticky placements, mail users), per-server session counts (so ' +
      'least-connection schedulers see the whole cluster\u2019s load) and, if asked, health observations. ' +
      'When Redis is unreachable, every instance keeps serving from its own view and catches up later.',
    example: `state:
  redis: redis+sentinel://10.0.3.1:26379,10.0.3.2:26379/lvs7
  cluster: web-eu
  health: quorum
  quorum: 2
`,
  },
  {
    title: 'Site',
    keys: ['site'],
    intro:
      'Several sites serving one anycast address (the VIP), each announced over BGP only while it is fit ' +
      'to serve: `GET /api/site/announce` on the admin API answers 200 or 503, and `lvs7 bgp-announcer` under ' +
      'ExaBGP announces or withdraws the route. With `overflow`, an overloaded site sends part of its new ' +
      'sessions to lighter peers (their unicast `address`, same port): HTTP requests marked ' +
      '`X-Lvs7-Overflow`, IMAP/POP3/SMTP connections spliced after a PROXY v2 header; what a peer sent is ' +
      'served where it lands, never forwarded again. See examples/anycast.',
    example: `admin: { listen: 0.0.0.0:9900, token: change-me }
${WEB_POOL}listeners:
  - { name: www, protocol: http, listen: 0.0.0.0:80, routes: [{ pool: web }] }
site:
  name: siteA
  vip: 192.0.2.10
  address: 10.77.1.2
  announce: { minHealthy: 50% }
  overflow: { above: 1.1, peerBelow: 0.7, interval: 1s }
  peers:
    - { name: siteB, admin: "http://10.77.2.2:9900", address: 10.77.2.2 }
`,
  },
  {
    title: 'Mail store node',
    keys: ['mailstore'],
    intro:
      'The `mailstore` section configures `lvs7 mailstore`: a mail node that keeps Maildirs on shared storage ' +
      'and serves them over LMTP/SMTP (delivery), IMAP and POP3, checking passwords against a directory. ' +
      'Several nodes may serve the same storage; the distributors keep each user on one node at a time.',
    example: `directories:
  users: { file: users.ldif }
mailstore:
  name: mail1.example.org
  root: /srv/mail
  directory: users
  lmtp: 0.0.0.0:24
  imap: 0.0.0.0:143
  pop3: 0.0.0.0:110
  tls: { cert: /etc/lvs7/mail1.pem, key: /etc/lvs7/mail1.key }
  mailboxTemplate: "{root}/{domain}/{local}"
`,
  },
  {
    title: 'Cache node',
    keys: ['cache'],
    intro:
      'The `cache` section configures `lvs7 cache`: an HTTP caching proxy (forward proxy, or accelerator in ' +
      'front of an `origin` pool) that asks its peers over ICP before fetching a miss, as Squid siblings and ' +
      'parents do. Objects live in memory and, with `disk`, on disk.',
    example: `pools:
  origin:
    servers: [{ name: origin1, address: 10.0.0.51:80 }]
cache:
  name: cache1
  listen: 0.0.0.0:3128
  icp: 10.0.0.41:3130
  origin: origin
  icpAccess: [10.0.0.0/24]
  memory: 512MB
  disk: { path: /var/cache/lvs7, size: 20GB }
  maxObjectSize: 64MB
  peers:
    - { name: cache2, http: 10.0.0.42:3128, icp: 10.0.0.42:3130, type: sibling }
`,
  },
  {
    title: 'Log',
    keys: ['log'],
    intro:
      'Logs go to standard error as JSON lines (pino). Secrets are never logged, and nothing is logged ' +
      'per request above `debug` (access logs are opt-in per listener: `accessLog` on http, imap, pop3 and smtp listeners).',
    example: `log: { level: info }
`,
  },
  {
    title: 'Workers',
    keys: ['workers'],
    intro:
      'How many processes serve the listeners of `lvs7 start`: a number, or `auto` for one per CPU core. With more ' +
      'than one, the first process is the primary: it runs the pools, health checks, admin API and shared state, ' +
      'and the workers run the listeners on the same sockets, kept in step with the primary.',
    example: `workers: 2
${WEB_POOL}listeners:
  - { name: www, protocol: http, listen: 0.0.0.0:80, routes: [{ pool: web }] }
`,
  },
];
