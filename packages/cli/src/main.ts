import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  BGP_ANNOUNCER_DEFAULTS,
  type BgpAnnouncerCommandOptions,
  bgpAnnouncerCommand,
} from './commands/bgp-announcer.js';
import { checkCommand } from './commands/check.js';
import { serverSetCommand } from './commands/server-set.js';
import { siteCommand } from './commands/site.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { demoBanner, startDemo } from './demo/demo-command.js';

const DEFAULT_ADMIN = process.env.LVS7_ADMIN ?? 'http://127.0.0.1:9900';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port 0-65535');
  return n;
}

function workersArg(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError('expected auto or 1-1024');
  return n;
}

const adminOption = () =>
  new Option('--admin <url>', 'admin API URL (env LVS7_ADMIN)').default(DEFAULT_ADMIN);
const tokenOption = () =>
  new Option('--token <token>', 'admin token (env LVS7_ADMIN_TOKEN)').env('LVS7_ADMIN_TOKEN');

export function buildProgram(): Command {
  const program = new Command('lvs7')
    .description('lvs7: a protocol-aware (layer 7) load balancer suite')
    .version(version(), '-V, --version')
    .showHelpAfterError();

  program
    .command('start')
    .description('run the listeners, pools and admin API of a config file (SIGHUP reloads, SIGTERM drains)')
    .requiredOption('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace')
    .option('--drain-timeout <ms>', 'how long SIGTERM waits for sessions', (v) => Number(v))
    .option('--workers <n>', 'worker processes: auto or a number (overrides the file)', workersArg)
    .action((o: { config: string; logLevel?: string; drainTimeout?: number; workers?: number | 'auto' }) =>
      startCommand(o.config, { logLevel: o.logLevel, drainTimeoutMs: o.drainTimeout, workers: o.workers }),
    );

  for (const [kind, what] of [
    [
      'mailstore',
      'a mail node: Maildir on shared storage with LMTP, SMTP, POP3 and IMAP (the `mailstore:` section)',
    ],
    ['cache', 'a cache node: an HTTP caching proxy that peers over ICP (the `cache:` section)'],
  ] as const) {
    program
      .command(kind)
      .description(`run ${what}; SIGHUP reloads, SIGTERM drains`)
      .requiredOption('-c, --config <file>', 'config file (YAML or JSON)')
      .option('--log-level <level>', 'fatal|error|warn|info|debug|trace')
      .action((o: { config: string; logLevel?: string }) =>
        startCommand(o.config, { logLevel: o.logLevel, require: kind }),
      );
  }

  program
    .command('check')
    .description('validate a config file; print every problem as FILE:LINE: key: message')
    .requiredOption('-c, --config <file>', 'config file (YAML or JSON)')
    .action(async (o: { config: string }) => {
      process.exitCode = await checkCommand(o.config, process.stdout, process.stderr);
    });

  program
    .command('status')
    .description('pools and servers of a running lvs7, as a table')
    .addOption(adminOption())
    .addOption(tokenOption())
    .option('--json', 'print JSON instead of a table')
    .action(async (o: { admin: string; token?: string; json?: boolean }) => {
      process.stdout.write(await statusCommand({ url: o.admin, token: o.token, json: o.json ?? false }));
    });

  const server = program.command('server').description('change servers of a running lvs7');
  server
    .command('set <pool> <server>')
    .description("set a server's weight and/or state (ready, drain, maint) without a reload")
    .option('--weight <n>', 'weight 0-256')
    .addOption(new Option('--state <state>', 'administrative state').choices(['ready', 'drain', 'maint']))
    .addOption(adminOption())
    .addOption(tokenOption())
    .action(
      async (
        pool: string,
        name: string,
        o: { weight?: string; state?: string; admin: string; token?: string },
      ) => {
        process.stdout.write(await serverSetCommand(pool, name, { ...o, url: o.admin }));
      },
    );

  const site = program
    .command('site')
    .description('this site of an anycast group (BGP announcement, overflow)');
  for (const [action, description] of [
    ['status', 'load, health share, announcement and peers'],
    ['drain', 'withdraw the VIP first, then let sessions finish'],
    ['resume', 'announce again after a drain'],
  ] as const) {
    site
      .command(action)
      .description(description)
      .addOption(adminOption())
      .addOption(tokenOption())
      .action(async (o: { admin: string; token?: string }) => {
        process.stdout.write(await siteCommand(action, { url: o.admin, token: o.token }));
      });
  }

  program
    .command('bgp-announcer')
    .description("ExaBGP's API process: announces the VIP while the local lvs7 says so, withdraws otherwise")
    .addOption(adminOption())
    .requiredOption('--vip <prefix>', 'the prefix to announce, e.g. 192.0.2.10/32')
    .option('--interval <ms>', 'poll interval', (v) => Number(v), BGP_ANNOUNCER_DEFAULTS.interval)
    .option('--timeout <ms>', 'per-poll timeout', (v) => Number(v), BGP_ANNOUNCER_DEFAULTS.timeout)
    // bin/lvs7.js usually runs it without this parser (a faster cold start).
    .action((o: BgpAnnouncerCommandOptions) => bgpAnnouncerCommand(o));

  program
    .command('demo')
    .description('start the whole cluster on this machine (web, media, caches, mail) and print what to try')
    .option('--port <port>', 'HTTP listener port (0 = any free port)', port, 8080)
    .option('--admin-port <port>', 'admin API and status page port (0 = any free port)', port, 9900)
    .option('--smtp-port <port>', 'SMTP listener port', port)
    .option('--imap-port <port>', 'IMAP listener port', port)
    .option('--pop3-port <port>', 'POP3 listener port', port)
    .option('--traffic', 'add a gentle synthetic load so the status page moves')
    .option('--log-level <level>', 'fatal|error|warn|info|debug', 'warn')
    .action(
      async (o: {
        port: number;
        adminPort: number;
        smtpPort?: number;
        imapPort?: number;
        pop3Port?: number;
        traffic?: boolean;
        logLevel: string;
      }) => {
        const demo = await startDemo(o);
        process.stdout.write(demoBanner(demo));
        const stop = () => {
          process.stdout.write('stopping…\n');
          demo.stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.on('SIGHUP', () => {});
      },
    );

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  await buildProgram().parseAsync(argv as string[]);
}
