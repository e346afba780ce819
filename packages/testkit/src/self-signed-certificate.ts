import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedOptions {
  /** Default `localhost`. */
  readonly commonName?: string | undefined;
  /** subjectAltName DNS entries; default [commonName]. */
  readonly dnsNames?: readonly string[] | undefined;
  /** subjectAltName IP entries; default ['127.0.0.1']. */
  readonly ipAddresses?: readonly string[] | undefined;
}

/** A throwaway self-signed P-256 certificate (PEM text), made with openssl, for TLS tests. */
export function selfSignedCertificate(options: SelfSignedOptions = {}): { cert: string; key: string } {
  const cn = options.commonName ?? 'localhost';
  const san = [
    ...(options.dnsNames ?? [cn]).map((n) => `DNS:${n}`),
    ...(options.ipAddresses ?? ['127.0.0.1']).map((ip) => `IP:${ip}`),
  ].join(',');
  const dir = mkdtempSync(join(tmpdir(), 'lvs7-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${cn}`,
        '-addext',
        `subjectAltName=${san}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a self-signed certificate as `<dir>/<name>.crt` and `<name>.key`; returns the paths. */
export function writeSelfSignedCertificate(
  dir: string,
  name: string,
  options: SelfSignedOptions = {},
): { cert: string; key: string } {
  const pem = selfSignedCertificate(options);
  const paths = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  writeFileSync(paths.cert, pem.cert);
  writeFileSync(paths.key, pem.key);
  return paths;
}
