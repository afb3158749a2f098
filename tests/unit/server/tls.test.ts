/**
 * The tls-* directives as the loader reads them, and the start-up checks of setUpTls() in
 * tlsConfigure()'s words, with certificates made by openssl (devkit).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../../src/config/errors';
import { loadConfig } from '../../../src/config/loader';
import type { TlsConfig } from '../../../src/config/types';
import { RespServer } from '../../../src/server/server';
import { setUpTls, TlsSetupError } from '../../../src/server/tls';
import { freePort, makeTestCerts, ProcessRegistry, RespClient, type TestCerts, text } from '../../../devkit';
import { fakeContext, serverConfig } from './helpers';

const reg = new ProcessRegistry();
let certs: TestCerts;
/** Another CA's: a client certificate our servers must not trust. */
let strangers: TestCerts;

beforeAll(() => {
  certs = makeTestCerts(reg);
  strangers = makeTestCerts(reg);
});

afterAll(() => reg.teardown());

function load(text: string): TlsConfig {
  const file = path.join(certs.dir, 'sentinel.conf');
  fs.writeFileSync(file, text);
  return loadConfig(file, []).server.tls;
}

function loadError(text: string): string {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('loaded without error');
}

function setupError(config: TlsConfig): readonly string[] {
  try {
    setUpTls(config);
  } catch (err) {
    if (err instanceof TlsSetupError) return err.lines;
    throw err;
  }
  throw new Error('set up without error');
}

function valid(extra = ''): TlsConfig {
  return load(
    `tls-port 6390\ntls-cert-file ${certs.cert}\ntls-key-file ${certs.key}\ntls-ca-cert-file ${certs.caCert}\n${extra}`,
  );
}

describe('tls-* directives', () => {
  it('reads every one of them, with Redis defaults for the rest', () => {
    const tls = valid(
      'tls-auth-clients OPTIONAL\ntls-replication yes\ntls-session-cache-size 10\ntls-protocols ""',
    );
    expect(tls).toMatchObject({
      port: 6390,
      authClients: 'optional',
      replication: true,
      sessionCacheSize: 10,
      sessionCaching: true,
      sessionCacheTimeout: 300,
      preferServerCiphers: false,
    });
    expect(tls.protocols).toBeUndefined();
  });

  it.each([
    ['tls-port 65536', 'argument must be between 0 and 65535 inclusive'],
    ['tls-auth-clients maybe', 'argument(s) must be one of the following: no, yes, optional'],
    ['tls-replication 1', "argument must be 'yes' or 'no'"],
    ['tls-session-cache-timeout -1', 'argument must be between 0 and 2147483647 inclusive'],
  ])('%s is refused: %s', (line, message) => {
    expect(loadError(line)).toBe(message);
  });
});

describe('start-up checks', () => {
  it('builds server and client options from valid files', () => {
    const setup = setUpTls(
      valid('tls-client-cert-file ' + certs.clientCert + '\ntls-client-key-file ' + certs.clientKey),
    );
    expect(setup.client.cert).toEqual(fs.readFileSync(certs.clientCert));
    expect(setup.server.cert).toEqual(fs.readFileSync(certs.cert));
    expect(setup.server.requestCert).toBe(true);
    expect(setup.server.rejectUnauthorized).toBe(true);
    expect([setup.server.minVersion, setup.server.maxVersion]).toEqual(['TLSv1.2', 'TLSv1.3']);
  });

  it('presents tls-cert-file on outgoing links when no client pair is set', () => {
    expect(setUpTls(valid()).client.cert).toEqual(fs.readFileSync(certs.cert));
  });

  it.each<[string, (t: TlsConfig) => TlsConfig, string]>([
    ['no certificate', (t) => ({ ...t, certFile: undefined }), 'No tls-cert-file configured!'],
    ['no key', (t) => ({ ...t, keyFile: undefined }), 'No tls-key-file configured!'],
    [
      'no CA while clients must authenticate',
      (t) => ({ ...t, caCertFile: undefined }),
      'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
    ],
    [
      'an unknown protocol',
      (t) => ({ ...t, protocols: 'TLSv1.2 SSLv3' }),
      "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.",
    ],
    [
      'a missing certificate file',
      (t) => ({ ...t, certFile: '/nonexistent.crt' }),
      'Failed to load certificate: /nonexistent.crt: No such file or directory',
    ],
    [
      'a cipher list without a match',
      (t) => ({ ...t, ciphers: 'NOPE' }),
      'Failed to configure ciphers: NOPE',
    ],
  ])('%s', (_label, change, line) => {
    expect(setupError(change(valid()))).toEqual([line]);
  });

  it('refuses a protocol set with a gap, which Node cannot honour', () => {
    expect(setupError({ ...valid(), protocols: 'TLSv1.1 TLSv1.3' })[0]).toMatch(
      /^tls-protocols 'TLSv1.1 TLSv1.3' leaves a gap between versions/,
    );
  });

  it('refuses a key that does not match the certificate', () => {
    expect(setupError({ ...valid(), keyFile: certs.clientKey })[0]).toMatch(
      new RegExp(`^Failed to load private key: ${certs.clientKey}: `),
    );
  });
});

describe('the tls-port listener', () => {
  /** PING over TLS with no client certificate, one signed by our CA, or one by another CA. */
  async function ping(port: number, cert: 'none' | 'signed' | 'foreign'): Promise<string> {
    const ca = fs.readFileSync(certs.caCert);
    const pair =
      cert === 'signed'
        ? { cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey) }
        : cert === 'foreign'
          ? { cert: fs.readFileSync(strangers.clientCert), key: fs.readFileSync(strangers.clientKey) }
          : {};
    try {
      const client = await RespClient.connect(port, 2000, {
        ca,
        ...pair,
        checkServerIdentity: () => undefined,
      });
      try {
        return text(await client.call(['PING'], 2000));
      } finally {
        client.close();
      }
    } catch {
      return 'refused';
    }
  }

  it.each([
    ['yes', ['refused', 'PONG', 'refused']],
    ['optional', ['PONG', 'PONG', 'refused']],
    ['no', ['PONG', 'PONG', 'PONG']],
  ] as const)(
    'tls-auth-clients %s: no certificate, one signed by the CA, one by another CA',
    async (mode, expected) => {
      const tlsPort = await freePort();
      const tls = { ...valid(), port: tlsPort, authClients: mode };
      const { ctx } = fakeContext(serverConfig({ port: 0, tls }));
      const server = new RespServer(ctx);
      await server.listen(setUpTls(tls));
      try {
        const outcomes = [];
        for (const cert of ['none', 'signed', 'foreign'] as const) outcomes.push(await ping(tlsPort, cert));
        expect(outcomes).toEqual(expected);
      } finally {
        await server.close();
      }
    },
  );
});
