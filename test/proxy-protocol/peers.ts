import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { Daemon, freePort, type TempDir, tempDir } from '@lvs7/testkit';

/** A throwaway nginx (its own prefix, never the system one) running `server` blocks. */
export interface NginxInstance {
  readonly dir: string;
  errors(): Promise<string>;
  stop(): Promise<void>;
}

export async function startNginx(servers: string, readyPort: number): Promise<NginxInstance> {
  const dir = await tempDir('lvs7-nginx-');
  const temps = ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi'].map((t) => join(dir.path, t));
  await Promise.all(temps.map((t) => mkdir(t)));
  const conf = join(dir.path, 'nginx.conf');
  await writeFile(
    conf,
    `worker_processes 1;
daemon off;
pid ${dir.path}/nginx.pid;
error_log ${dir.path}/error.log info;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${temps[0]}; proxy_temp_path ${temps[1]}; fastcgi_temp_path ${temps[2]};
  uwsgi_temp_path ${temps[3]}; scgi_temp_path ${temps[4]};
  ${servers}
}
`,
  );
  return started(
    dir,
    new Daemon({ name: 'nginx', command: '/usr/sbin/nginx', args: ['-p', dir.path, '-c', conf], readyPort }),
    'error.log',
  );
}

/** A throwaway HAProxy in the foreground (`-db`) from `config`; ready once `readyPort` accepts. */
export async function startHaproxy(config: string, readyPort: number): Promise<NginxInstance> {
  const dir = await tempDir('lvs7-haproxy-');
  const conf = join(dir.path, 'haproxy.cfg');
  await writeFile(conf, config);
  return started(
    dir,
    new Daemon({ name: 'haproxy', command: '/usr/sbin/haproxy', args: ['-db', '-f', conf], readyPort }),
    '',
  );
}

async function started(dir: TempDir, daemon: Daemon, log: string): Promise<NginxInstance> {
  try {
    await daemon.start();
  } catch (error) {
    await dir.remove();
    throw new Error(`${(error as Error).message}\n${daemon.output}`);
  }
  let stopped = false;
  return {
    dir: dir.path,
    errors: async () => (log ? readFile(join(dir.path, log), 'utf8').catch(() => '') : daemon.output),
    async stop() {
      if (stopped) return;
      stopped = true;
      await daemon.stop();
      await dir.remove();
    },
  };
}

export { freePort };

/** A connection from a chosen loopback address, reading what arrives. */
export class LineClient {
  readonly socket: net.Socket;
  #data = '';
  #closed = false;
  #waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#data += chunk;
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, from = '127.0.0.1'): Promise<LineClient> {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Waits until what arrived matches `pattern`; returns all of it and forgets it. */
  async until(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.#data)) {
      if (this.#closed)
        throw new Error(`connection closed before ${pattern}; got: ${JSON.stringify(this.#data)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${pattern} within ${timeoutMs} ms; got: ${JSON.stringify(this.#data)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const all = this.#data;
    this.#data = '';
    return all;
  }

  /** Waits for the peer to close; returns what arrived. */
  async closedWith(timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      if (Date.now() > deadline) throw new Error('the connection stayed open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#data;
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** One HTTP/1.1 keep-alive request on `client`; resolves with the response (head and body). */
export async function httpRequest(client: LineClient, path: string, extra = ''): Promise<string> {
  client.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`);
  const head = await client.until(/\r\n\r\n/);
  const length = /content-length: *(\d+)/i.exec(head);
  if (length === null) return head;
  const bodyStart = head.indexOf('\r\n\r\n') + 4;
  let text = head;
  while (Buffer.byteLength(text.slice(bodyStart), 'latin1') < Number(length[1]))
    text += await client.until(/[\s\S]+/);
  return text;
}
