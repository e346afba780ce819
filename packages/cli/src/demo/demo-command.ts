import { request } from 'node:http';
import type { Instance } from '../instance.js';
import { hasListenerFactory } from '../listener-factory.js';
import { createRootLogger } from '../logger.js';
import { type DemoPorts, startDemoCluster } from './demo-cluster.js';

export interface DemoOptions {
  /** Ports of the front listeners and admin API (0 = any free port). */
  readonly port: number;
  readonly adminPort: number;
  readonly smtpPort?: number | undefined;
  readonly imapPort?: number | undefined;
  readonly pop3Port?: number | undefined;
  /** A gentle synthetic load, so the status page moves. */
  readonly traffic?: boolean | undefined;
  readonly logLevel?: string | undefined;
}

export interface RunningDemo {
  readonly instance: Instance;
  readonly url: string;
  readonly adminUrl: string;
  readonly ports: DemoPorts;
  readonly mail: boolean;
  readonly tryThis: string[];
  stop(): Promise<void>;
}

/**
 * `lvs7 demo`: the whole architecture on one machine, built from config
 * files' text so it runs the same path as `lvs7 start`.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const logger = createRootLogger(options.logLevel ?? 'warn');
  const mail = ['smtp', 'imap', 'pop3'].every(hasListenerFactory);
  const cluster = await startDemoCluster(
    {
      http: options.port,
      admin: options.adminPort,
      smtp: options.smtpPort ?? (options.port === 0 ? 0 : 2525),
      imap: options.imapPort ?? (options.port === 0 ? 0 : 1143),
      pop3: options.pop3Port ?? (options.port === 0 ? 0 : 1110),
    },
    logger,
    mail,
  );
  const { ports } = cluster;
  const url = `http://127.0.0.1:${ports.http}`;
  const adminUrl = `http://127.0.0.1:${ports.admin}`;
  const tryThis = [
    `curl -s ${url}/hello`,
    `curl -s -o /dev/null -w '%{http_code} %{size_download} bytes\\n' -r 1000000-1000999 ${url}/video/movie.mp4`,
    `curl -s -o /dev/null -D - ${url}/static/logo.png`,
    `curl -s ${adminUrl}/api/pools`,
    `npx lvs7 status --admin ${adminUrl}`,
    `npx lvs7 server set web web3 --state drain --admin ${adminUrl}`,
    `npx lvs7 server set web web3 --state ready --weight 3 --admin ${adminUrl}`,
    `curl -s ${adminUrl}/metrics`,
  ];
  if (mail) {
    tryThis.push(
      `python3 -c "import smtplib; s = smtplib.SMTP('127.0.0.1', ${ports.smtp}); print(s.sendmail('demo@example.net', ['alice@example.org', 'carol@example.org'], 'Subject: hello\\n\\nfrom the lvs7 demo\\n')); s.quit()"`,
      `python3 -c "import imaplib; m = imaplib.IMAP4('127.0.0.1', ${ports.imap}); m.login('alice@example.org', 'alice-secret'); print(m.select('INBOX')); print(m.fetch('1:*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')); m.logout()"`,
      `python3 -c "import poplib; p = poplib.POP3('127.0.0.1', ${ports.pop3}); p.user('bob@example.org'); p.pass_('bob-secret'); print(p.stat()); p.quit()"`,
    );
  }
  const traffic = options.traffic ? startTraffic(url) : undefined;
  return {
    instance: cluster.distributor,
    url,
    adminUrl,
    ports,
    mail,
    tryThis,
    async stop() {
      traffic?.stop();
      await cluster.stop();
    },
  };
}

/** A few requests a second over every route, so counters and sparklines move. */
function startTraffic(url: string): { stop(): void } {
  const paths = ['/', '/hello', '/static/logo.png', '/static/app.js', '/video/movie.mp4'];
  let n = 0;
  const timer = setInterval(() => {
    const path = paths[n++ % paths.length]!;
    const req = request(`${url}${path}`, {
      headers: path.startsWith('/video/') ? { range: 'bytes=0-65535' } : {},
    });
    req.on('response', (res) => res.resume());
    req.on('error', () => {});
    req.end();
  }, 200);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export function demoBanner(demo: RunningDemo): string {
  const p = demo.ports;
  return [
    'lvs7 demo: the whole cluster on this machine —',
    '  3 web servers (pool web, wlc), 2 media servers (pool media, lblc, Range), 3 cache nodes peering over ICP',
    `  (pool caches, Maglev by URL)${demo.mail ? ', 2 mail nodes over one shared Maildir (users alice, bob, carol)' : ''}.`,
    '',
    `  HTTP       ${demo.url}     (/ → web, /video/ → media, /static/ → caches)`,
    ...(demo.mail
      ? [
          `  SMTP       127.0.0.1:${p.smtp}`,
          `  IMAP       127.0.0.1:${p.imap}`,
          `  POP3       127.0.0.1:${p.pop3}`,
        ]
      : []),
    `  admin API  ${demo.adminUrl}`,
    `  status     ${demo.adminUrl}/`,
    '',
    'Try this:',
    ...demo.tryThis.map((c) => `  ${c}`),
    '',
    'Ctrl-C stops everything and removes the temporary files.',
    '',
  ].join('\n');
}
