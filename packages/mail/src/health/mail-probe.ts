import {
  asCheckFailure,
  HealthCheckFailedError,
  type HealthProbe,
  type HealthTarget,
  InvalidHealthCheckOptionError,
  optionalPort,
  optionalString,
  type Preamble,
  proxyPreamble,
  registerHealthCheck,
  rejectUnknownOptions,
} from '@lvs7/core';
import { BackendConnection } from '../backend/backend-connection.js';
import type { MailProtocol } from '../options.js';
import { createBackendDriver } from '../session/backend-login.js';

export interface MailProbeOptions {
  /** Port to check instead of the server's. */
  readonly port?: number | undefined;
  /** How to speak to the server; default plain. */
  readonly tls?: 'plain' | 'starttls' | 'implicit' | undefined;
  /** Verify the server's certificate; default false (health checks look at liveness). */
  readonly verify?: boolean | undefined;
  /** Probe credentials: when given, the check also logs in (and out). */
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /** A PROXY header written first (the pool's sendProxy; see proxyPreamble). */
  readonly preamble?: Preamble | undefined;
}

/**
 * `imap` and `pop3` health checks: the server must greet with `* OK` /
 * `+OK` (after STARTTLS when configured) and, with probe credentials,
 * accept a login. The session's timeout aborts it through `signal`.
 */
export class MailProbe implements HealthProbe {
  readonly protocol: MailProtocol;
  readonly #options: MailProbeOptions;

  constructor(protocol: MailProtocol, options: MailProbeOptions = {}) {
    this.protocol = protocol;
    this.#options = options;
  }

  async check(target: HealthTarget, signal: AbortSignal): Promise<string> {
    const started = performance.now();
    const options = this.#options;
    const conn = await BackendConnection.connect({
      name: target.name,
      host: target.host,
      port: options.port ?? target.port,
      implicitTls: options.tls === 'implicit',
      verify: options.verify ?? false,
      connectTimeout: 60_000,
      replyTimeout: 60_000,
      preamble: options.preamble,
      signal,
    }).catch((error: unknown) => {
      throw asCheckFailure(error);
    });
    const onAbort = () => conn.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const driver = createBackendDriver(this.protocol);
      await driver.prepare(conn, {
        startTls: options.tls === 'starttls',
        announce: false,
        client: undefined,
      });
      if (options.user === undefined) return `greeting in ${Math.round(performance.now() - started)} ms`;
      const password = Buffer.from(options.password ?? '', 'utf8');
      const credentials = { authzid: '', username: options.user, password, mechanism: 'login' as const };
      const result = await driver.login(conn, credentials, 'lvs7.probe');
      if (!result.ok) throw new HealthCheckFailedError(`login refused: ${result.reply.trim().slice(0, 100)}`);
      await driver.logout(conn).catch(() => {});
      return `login in ${Math.round(performance.now() - started)} ms`;
    } catch (error) {
      throw asCheckFailure(signal.aborted ? (signal.reason ?? error) : error);
    } finally {
      signal.removeEventListener('abort', onAbort);
      conn.destroy();
    }
  }
}

function probeFactory(protocol: MailProtocol) {
  return (options: Record<string, unknown>): HealthProbe => {
    rejectUnknownOptions(protocol, options, ['port', 'tls', 'verify', 'user', 'password']);
    const tls = optionalString(protocol, options, 'tls');
    if (tls !== undefined && tls !== 'plain' && tls !== 'starttls' && tls !== 'implicit') {
      throw new InvalidHealthCheckOptionError(protocol, 'tls', 'expected plain, starttls or implicit');
    }
    const verify = options['verify'];
    if (verify !== undefined && typeof verify !== 'boolean') {
      throw new InvalidHealthCheckOptionError(protocol, 'verify', 'expected true or false');
    }
    const user = optionalString(protocol, options, 'user');
    const password = optionalString(protocol, options, 'password');
    if ((user === undefined) !== (password === undefined)) {
      throw new InvalidHealthCheckOptionError(
        protocol,
        user === undefined ? 'user' : 'password',
        'user and password go together',
      );
    }
    return new MailProbe(protocol, {
      port: optionalPort(protocol, options, 'port'),
      tls,
      verify,
      user,
      password,
      preamble: proxyPreamble(protocol, options),
    });
  };
}

registerHealthCheck('imap', probeFactory('imap'));
registerHealthCheck('pop3', probeFactory('pop3'));
