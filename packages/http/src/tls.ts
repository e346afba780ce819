import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import { InvalidHttpOptionError } from './errors.js';
import type { ListenerTlsOptions } from './options.js';

/** PEM text as is, anything else is a file path. */
function pem(value: string, what: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new InvalidHttpOptionError(`${what}: cannot read "${value}": ${(error as Error).message}`);
  }
}

/** DNS names a certificate is valid for (subjectAltName, else CN). */
function certNames(cert: string): string[] {
  const x509 = new X509Certificate(cert);
  const names = (x509.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  if (names.length === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1];
    if (cn !== undefined) names.push(cn.toLowerCase());
  }
  return names;
}

/** Certificates by SNI name: exact names, then `*.suffix` wildcards, then the default. */
export class CertificateStore {
  readonly defaultOptions: { cert: string; key: string };
  readonly #exact = new Map<string, SecureContext>();
  readonly #wildcard = new Map<string, SecureContext>();
  readonly #default: SecureContext;

  constructor(options: ListenerTlsOptions) {
    const entries = [...(options.certificates ?? [])];
    if (options.cert !== undefined && options.key !== undefined)
      entries.unshift({ cert: options.cert, key: options.key });
    if (entries.length === 0)
      throw new InvalidHttpOptionError('tls: a cert and key (or certificates) are required');
    let first: { cert: string; key: string } | undefined;
    let firstContext: SecureContext | undefined;
    entries.forEach((entry, i) => {
      const cert = pem(entry.cert, `tls.certificates[${i}].cert`);
      const key = pem(entry.key, `tls.certificates[${i}].key`);
      let context: SecureContext;
      let names: string[];
      try {
        context = createSecureContext({ cert, key });
        names = certNames(cert);
      } catch (error) {
        throw new InvalidHttpOptionError(`tls.certificates[${i}]: ${(error as Error).message}`);
      }
      first ??= { cert, key };
      firstContext ??= context;
      for (const name of names) {
        const map = name.startsWith('*.') ? this.#wildcard : this.#exact;
        const k = name.startsWith('*.') ? name.slice(1) : name;
        if (!map.has(k)) map.set(k, context);
      }
    });
    this.defaultOptions = first!;
    this.#default = firstContext!;
  }

  contextFor(servername: string): SecureContext {
    const name = servername.toLowerCase();
    const exact = this.#exact.get(name);
    if (exact !== undefined) return exact;
    const dot = name.indexOf('.');
    return (dot >= 0 ? this.#wildcard.get(name.slice(dot)) : undefined) ?? this.#default;
  }

  serverOptions(http2: boolean, sni: NonNullable<TlsOptions['SNICallback']>): TlsOptions {
    return {
      ...this.defaultOptions,
      SNICallback: sni,
      ALPNProtocols: http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    };
  }
}
