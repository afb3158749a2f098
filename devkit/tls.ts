/**
 * Test certificates made with openssl, like Redis's utils/gen-test-certs.sh but with P-256 keys
 * (fast to make): a CA, a certificate without usage restrictions for servers and their outgoing
 * links, and a client-only one. Plus the directives that turn them on in redis.conf/sentinel.conf.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import { registry, type ProcessRegistry } from './processes';

export interface TestCerts {
  readonly dir: string;
  readonly caCert: string;
  /** No key usage restriction: a server's certificate, presented on its outgoing links too. */
  readonly cert: string;
  readonly key: string;
  /** Restricted to TLS client use (extendedKeyUsage clientAuth). */
  readonly clientCert: string;
  readonly clientKey: string;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, cn: string, extensions: string | undefined): void {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(dir, [
    'req',
    '-new',
    '-sha256',
    '-subj',
    `/O=ts-sentinel test/CN=${cn}`,
    '-key',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  ]);
  const ext = extensions !== undefined ? ['-extfile', 'ext.cnf', '-extensions', extensions] : [];
  openssl(dir, [
    'x509',
    '-req',
    '-sha256',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    ...ext,
    '-out',
    `${name}.crt`,
  ]);
}

/** A CA and two certificates signed by it, in a temp dir of `reg` (removed at teardown). */
export function makeTestCerts(reg: ProcessRegistry = registry): TestCerts {
  const dir = reg.makeTempDir('tls');
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-sha256',
    '-key',
    'ca.key',
    '-days',
    '2',
    '-subj',
    '/O=ts-sentinel test/CN=CA',
    '-out',
    'ca.crt',
  ]);
  fs.writeFileSync(
    path.join(dir, 'ext.cnf'),
    '[client_cert]\nkeyUsage = digitalSignature\nextendedKeyUsage = clientAuth\n',
  );
  issue(dir, 'redis', 'Generic-cert', undefined);
  issue(dir, 'client', 'Client-only', 'client_cert');
  const at = (file: string): string => path.join(dir, file);
  return {
    dir,
    caCert: at('ca.crt'),
    cert: at('redis.crt'),
    key: at('redis.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
  };
}

/**
 * The TLS directives of a TLS-only server listening on `port`, as [name, value] pairs: plain TCP
 * off, TLS on every replication link, clients must present a certificate.
 */
export function tlsOnlyDirectives(certs: TestCerts, port: number): [string, string][] {
  return [
    ['port', '0'],
    ['tls-port', String(port)],
    ['tls-replication', 'yes'],
    ['tls-auth-clients', 'yes'],
    ['tls-cert-file', certs.cert],
    ['tls-key-file', certs.key],
    ['tls-ca-cert-file', certs.caCert],
  ];
}

/** Options of a Node TLS client trusted by those servers: the client-only certificate, no name check. */
export function tlsClientOptions(certs: TestCerts): tls.ConnectionOptions {
  return {
    ca: fs.readFileSync(certs.caCert),
    cert: fs.readFileSync(certs.clientCert),
    key: fs.readFileSync(certs.clientKey),
    checkServerIdentity: () => undefined,
  };
}

/** redis-cli's arguments for the same client. */
export function redisCliTlsArgs(certs: TestCerts): string[] {
  return ['--tls', '--cacert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey];
}
