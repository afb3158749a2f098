/**
 * The TLS set-up of redis-sentinel's tlsConfigure(), in Node's terms: certificate files read once
 * at start-up (a renewed file is read at the next restart), the server options of the `tls-port`
 * listener and the client options of outgoing links. Peers are verified against the configured
 * CA without a hostname check, as OpenSSL's SSL_VERIFY_PEER does for redis-sentinel.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tls from 'tls';
import { strerror } from '../config/errors';
import type { ServerConfig, TlsConfig } from '../config/types';

/** Start-up refused: `lines` are the warnings to log, in Redis's words where Redis has them. */
export class TlsSetupError extends Error {
  readonly code = 'SNT_ERR_TLS_SETUP';

  constructor(readonly lines: readonly string[]) {
    super(lines.join('; '));
    this.name = 'TlsSetupError';
  }
}

/** What redis-sentinel logs after any of the lines above, before exiting with status 1. */
export const TLS_SETUP_FAILED = 'Failed to configure TLS. Check logs for more info.';

export interface TlsSetup {
  /** Options of the `tls-port` listener. */
  readonly server: tls.TlsOptions;
  /** `tls-auth-clients optional`: a certificate is not required, but one presented must verify. */
  readonly verifyOptionalClientCert: boolean;
  /** Options of outgoing links: the client certificate when both client files are set. */
  readonly client: tls.ConnectionOptions;
  /** `tls-session-caching`: entries at most (0: no limit), or undefined when caching is off. */
  readonly sessionCacheSize: number | undefined;
}

/** Redis configures TLS when it listens with it, replicates with it or runs a TLS cluster bus. */
export function tlsRequired(config: TlsConfig): boolean {
  return config.port !== 0 || config.replication || config.cluster;
}

/** The port Redis names in its start-up line and INFO's tcp_port: `port`, else `tls-port`. */
export function listeningPort(server: ServerConfig): number {
  return server.port !== 0 ? server.port : server.tls.port;
}

const PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type Protocol = (typeof PROTOCOLS)[number];

/** Reads and checks every file the config names; throws TlsSetupError as tlsConfigure() fails. */
export function setUpTls(config: TlsConfig): TlsSetup {
  if (config.certFile === undefined) throw new TlsSetupError(['No tls-cert-file configured!']);
  if (config.keyFile === undefined) throw new TlsSetupError(['No tls-key-file configured!']);
  const hasCa = config.caCertFile !== undefined || config.caCertDir !== undefined;
  if ((config.authClients !== 'no' || config.cluster || config.replication) && !hasCa) {
    throw new TlsSetupError([
      'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
    ]);
  }
  const [minVersion, maxVersion] = protocolRange(config.protocols);
  const common: tls.SecureContextOptions = {
    minVersion,
    maxVersion,
    ...(hasCa ? { ca: loadCa(config) } : {}),
    ...cipherOptions(config),
  };
  const server: tls.TlsOptions = {
    ...common,
    ...loadKeyPair(config.certFile, config.keyFile, config.keyFilePass),
    honorCipherOrder: config.preferServerCiphers,
    requestCert: config.authClients !== 'no',
    rejectUnauthorized: config.authClients === 'yes',
    sessionTimeout: config.sessionCacheTimeout,
    ...(config.dhParamsFile !== undefined ? { dhparam: loadDhParams(config.dhParamsFile) } : {}),
  };
  check(server, (e) => `Failed to load private key: ${config.keyFile}: ${e}`);
  const ownClientPair = config.clientCertFile !== undefined && config.clientKeyFile !== undefined;
  const clientPair =
    ownClientPair && config.clientCertFile !== undefined && config.clientKeyFile !== undefined
      ? loadKeyPair(config.clientCertFile, config.clientKeyFile, config.clientKeyFilePass)
      : { cert: server.cert, key: server.key, passphrase: server.passphrase };
  const client: tls.ConnectionOptions = {
    ...common,
    ...clientPair,
    rejectUnauthorized: true,
    // SSL_VERIFY_PEER checks the chain only; redis-sentinel never matches names or IPs.
    checkServerIdentity: () => undefined,
  };
  if (ownClientPair) check(client, (e) => `Failed to load private key: ${config.clientKeyFile}: ${e}`);
  return {
    server,
    client,
    verifyOptionalClientCert: config.authClients === 'optional',
    sessionCacheSize: config.sessionCaching ? config.sessionCacheSize : undefined,
  };
}

/**
 * A server-side session cache like OpenSSL's SSL_SESS_CACHE_SERVER, which Node leaves to the
 * application: at most `size` sessions (0: no limit), the oldest dropped first. Expiry is
 * OpenSSL's, from `sessionTimeout`.
 */
export function attachSessionCache(server: tls.Server, size: number): void {
  const sessions = new Map<string, Buffer>();
  server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    sessions.set(id.toString('hex'), data);
    if (size > 0 && sessions.size > size) {
      const oldest = sessions.keys().next().value;
      if (oldest !== undefined) sessions.delete(oldest);
    }
    done();
  });
  server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
    done(null, sessions.get(id.toString('hex')) ?? null);
  });
}

/** `tls-protocols` as Node's version range; Redis's default is TLSv1.2 and TLSv1.3. */
function protocolRange(spec: string | undefined): [Protocol, Protocol] {
  if (spec === undefined) return ['TLSv1.2', 'TLSv1.3'];
  const chosen = new Set<number>();
  for (const token of spec.split(' ')) {
    const index = PROTOCOLS.findIndex((p) => p.toLowerCase() === token.toLowerCase());
    if (index < 0) {
      throw new TlsSetupError([
        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.",
      ]);
    }
    chosen.add(index);
  }
  const low = Math.min(...chosen);
  const high = Math.max(...chosen);
  if (high - low + 1 !== chosen.size) {
    throw new TlsSetupError([
      `tls-protocols '${spec}' leaves a gap between versions: Node's TLS can only enable a contiguous range (for example 'TLSv1.2 TLSv1.3'), so it is refused rather than widened.`,
    ]);
  }
  return [PROTOCOLS[low] ?? 'TLSv1.2', PROTOCOLS[high] ?? 'TLSv1.3'];
}

/**
 * Node takes TLSv1.2 ciphers and TLSv1.3 suites in one string and drops TLSv1.3 when that string
 * names no suite; Redis sets each list apart, leaving the other at its default.
 */
function cipherOptions(config: TlsConfig): { ciphers?: string } {
  if (config.ciphers === undefined && config.ciphersuites === undefined) return {};
  const defaults = tls.DEFAULT_CIPHERS.split(':');
  const defaultSuites = defaults.filter((c) => c.startsWith('TLS_')).join(':');
  const defaultCiphers = defaults.filter((c) => !c.startsWith('TLS_')).join(':');
  if (config.ciphers !== undefined) {
    check(
      { ciphers: `${defaultSuites}:${config.ciphers}` },
      () => `Failed to configure ciphers: ${config.ciphers}`,
    );
  }
  if (config.ciphersuites !== undefined) {
    check(
      { ciphers: `${config.ciphersuites}:${defaultCiphers}` },
      () => `Failed to configure ciphersuites: ${config.ciphersuites}`,
    );
  }
  return { ciphers: `${config.ciphersuites ?? defaultSuites}:${config.ciphers ?? defaultCiphers}` };
}

function loadKeyPair(
  certFile: string,
  keyFile: string,
  passphrase: string | undefined,
): { cert: Buffer; key: Buffer; passphrase?: string } {
  const cert = readOrThrow(certFile, (e) => `Failed to load certificate: ${certFile}: ${e}`);
  check({ cert }, (e) => `Failed to load certificate: ${certFile}: ${e}`);
  const key = readOrThrow(keyFile, (e) => `Failed to load private key: ${keyFile}: ${e}`);
  return { cert, key, ...(passphrase !== undefined ? { passphrase } : {}) };
}

/**
 * `tls-ca-cert-file` and the certificates of `tls-ca-cert-dir`. OpenSSL looks a directory up by
 * subject hash (`<hash>.<n>` names, as c_rehash makes them), so only those files are read.
 */
function loadCa(config: TlsConfig): Buffer[] {
  const caError = (e: string): string => `Failed to configure CA certificate(s) file/directory: ${e}`;
  const files: string[] = [];
  if (config.caCertFile !== undefined) files.push(config.caCertFile);
  if (config.caCertDir !== undefined) {
    const dir = config.caCertDir;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      throw new TlsSetupError([caError(`${dir}: ${strerror(err)}`)]);
    }
    files.push(...names.filter((n) => /^[0-9a-f]{8}\.\d+$/.test(n)).map((n) => path.join(dir, n)));
  }
  const ca = files.map((file) => readOrThrow(file, (e) => caError(`${file}: ${e}`)));
  check({ ca }, caError);
  return ca;
}

function loadDhParams(file: string): Buffer {
  const dh = readOrThrow(file, (e) => `Failed to load ${file}: ${e}`);
  check({ dhparam: dh }, (e) => `Failed to load DH params file: ${file}: ${e}`);
  return dh;
}

function readOrThrow(file: string, describe: (error: string) => string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new TlsSetupError([describe(strerror(err))]);
  }
}

/** Lets OpenSSL (through Node) parse the options; its complaint becomes the log line. */
function check(options: tls.SecureContextOptions, describe: (error: string) => string): void {
  try {
    tls.createSecureContext(options);
  } catch (err) {
    throw new TlsSetupError([describe(err instanceof Error ? err.message : String(err))]);
  }
}
