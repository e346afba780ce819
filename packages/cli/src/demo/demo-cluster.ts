import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@lvs7/config';
import type { Logger } from 'pino';
import { Instance } from '../instance.js';
import { type DemoBackend, startDemoBackend } from './demo-backends.js';
import { demoUsersLdif } from './demo-users.js';
import { startMediaBackend, writeMediaFile } from './media-backend.js';

export interface DemoPorts {
  readonly http: number;
  readonly admin: number;
  readonly smtp: number;
  readonly imap: number;
  readonly pop3: number;
}

/** A port on 127.0.0.1 that was free a moment ago (a `0` in DemoPorts means: pick one). */
async function freePort(wanted = 0): Promise<number> {
  if (wanted !== 0) return wanted;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface DemoCluster {
  readonly distributor: Instance;
  readonly nodes: readonly Instance[];
  readonly ports: DemoPorts;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * The seed architecture on one machine: web and media backends, three cache
 * nodes peering over ICP, two mail nodes over one shared Maildir, and the
 * distributors (HTTP, SMTP, IMAP, POP3) with the admin API in front.
 */
export async function startDemoCluster(
  wanted: DemoPorts,
  logger: Logger,
  mail: boolean,
): Promise<DemoCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'lvs7-demo-'));
  const backends: DemoBackend[] = [];
  const nodes: Instance[] = [];
  const start = async (name: string, yaml: string) => {
    await writeFile(join(dir, `${name}.yaml`), yaml);
    const instance = new Instance(parseConfig(yaml, `${name}.yaml`), {
      logger: logger.child({ demo: name }),
      drainTimeoutMs: 1_000,
      baseDir: dir,
    });
    await instance.start();
    return instance;
  };
  try {
    for (const name of ['web1', 'web2', 'web3']) backends.push(await startDemoBackend(name));
    const media = join(dir, 'movie.mp4');
    await writeMediaFile(media, 64 * 1024 * 1024);
    for (const name of ['media1', 'media2']) backends.push(await startMediaBackend(name, media));
    const [web1, web2, web3, media1, media2] = backends as [
      DemoBackend,
      DemoBackend,
      DemoBackend,
      DemoBackend,
      DemoBackend,
    ];
    const webServers = `
      - { name: web1, address: ${web1.address}, weight: 1 }
      - { name: web2, address: ${web2.address}, weight: 1 }
      - { name: web3, address: ${web3.address}, weight: 2 }`;

    // Three cache nodes, siblings of each other over ICP, the web pool as their origin.
    const caches = await Promise.all(
      [1, 2, 3].map(async (i) => ({ i, http: await freePort(), icp: await freePort() })),
    );
    for (const c of caches) {
      const peers = caches
        .filter((p) => p !== c)
        .map(
          (p) =>
            `      - { name: cache${p.i}, http: 127.0.0.1:${p.http}, icp: 127.0.0.1:${p.icp}, type: sibling }`,
        )
        .join('\n');
      nodes.push(
        await start(
          `cache${c.i}`,
          `pools:\n  web:\n    scheduler: rr\n    servers:${webServers}\ncache:\n  name: cache${c.i}\n  listen: 127.0.0.1:${c.http}\n  origin: web\n  icp: 127.0.0.1:${c.icp}\n  memory: 64MB\n  peers:\n${peers}\n`,
        ),
      );
    }

    // Two mail nodes over one shared Maildir root, users from an LDIF file.
    await writeFile(join(dir, 'users.ldif'), demoUsersLdif());
    await mkdir(join(dir, 'mail'), { recursive: true });
    const mailNodes = await Promise.all(
      [1, 2].map(async (i) => ({
        i,
        lmtp: await freePort(),
        imap: await freePort(),
        pop3: await freePort(),
      })),
    );
    for (const m of mailNodes) {
      nodes.push(
        await start(
          `mail${m.i}`,
          `directories:\n  people: { file: ./users.ldif }\nmailstore:\n  name: mail${m.i}.example.org\n  root: ./mail\n  directory: people\n  lmtp: 127.0.0.1:${m.lmtp}\n  imap: 127.0.0.1:${m.imap}\n  pop3: 127.0.0.1:${m.pop3}\n`,
        ),
      );
    }

    const ports: DemoPorts = {
      http: await freePort(wanted.http),
      admin: await freePort(wanted.admin),
      smtp: await freePort(wanted.smtp),
      imap: await freePort(wanted.imap),
      pop3: await freePort(wanted.pop3),
    };
    const mailPool = (proto: 'lmtp' | 'imap' | 'pop3', check: string) =>
      `  mail-${proto}:\n    scheduler: mh\n    protocol: ${proto}\n    servers:\n${mailNodes.map((m) => `      - { name: mail${m.i}.example.org, address: 127.0.0.1:${m[proto]} }`).join('\n')}\n    health: { check: ${check}, interval: 2s, timeout: 1s }\n`;
    const distributor = await start(
      'lvs7',
      `admin: { listen: 127.0.0.1:${ports.admin} }
directories:
  people: { file: ./users.ldif }
pools:
  web:
    scheduler: wlc
    slowStart: 5s
    servers:${webServers}
    health: { check: http, path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }
  media:
    scheduler: lblc
    servers:
      - { name: media1, address: ${media1.address} }
      - { name: media2, address: ${media2.address} }
    health: { check: http, path: /health, interval: 2s, timeout: 1s }
  caches:
    scheduler: mh
    servers:
${caches.map((c) => `      - { name: cache${c.i}, address: 127.0.0.1:${c.http} }`).join('\n')}
    health: { check: tcp, interval: 2s, timeout: 1s }
${mail ? mailPool('lmtp', 'lmtp') + mailPool('imap', 'imap') + mailPool('pop3', 'pop3') : ''}listeners:
  - name: www
    protocol: http
    listen: 127.0.0.1:${ports.http}
    routes:
      - { pathPrefix: /video/, pool: media, key: url }
      - { pathPrefix: /static/, pool: caches, key: url }
      - { pathPrefix: /, pool: web }
${
  mail
    ? `  - { name: smtp, protocol: smtp, listen: 127.0.0.1:${ports.smtp}, directory: people, pool: mail-lmtp, domains: [example.org] }
  - { name: imap, protocol: imap, listen: 127.0.0.1:${ports.imap}, directory: people, pool: mail-imap }
  - { name: pop3, protocol: pop3, listen: 127.0.0.1:${ports.pop3}, directory: people, pool: mail-pop3 }
`
    : ''
}`,
    );
    return {
      distributor,
      nodes,
      ports,
      dir,
      async stop() {
        await distributor.stop();
        await Promise.all(nodes.map((n) => n.stop()));
        await Promise.all(backends.map((b) => b.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    await Promise.all(backends.map((b) => b.close()));
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
