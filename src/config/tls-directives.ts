/**
 * The `tls-*` directives of a sentinel.conf, checked as Redis's config table checks them. Whether
 * the files they name load, and whether Node can honour the protocol list, is decided at start-up
 * (src/server/tls.ts), where redis-sentinel decides it too.
 */
import type { TlsAuthClients, TlsConfig } from './types';
import { parseBoundedInteger, parseYesNo } from './values';

const TLS_AUTH_CLIENTS: readonly TlsAuthClients[] = ['no', 'yes', 'optional'];
const INT_MAX = 2147483647n;

type StringField =
  | 'certFile'
  | 'keyFile'
  | 'keyFilePass'
  | 'clientCertFile'
  | 'clientKeyFile'
  | 'clientKeyFilePass'
  | 'caCertFile'
  | 'caCertDir'
  | 'dhParamsFile'
  | 'protocols'
  | 'ciphers'
  | 'ciphersuites';

const STRING_DIRECTIVES: ReadonlyMap<string, StringField> = new Map([
  ['tls-cert-file', 'certFile'],
  ['tls-key-file', 'keyFile'],
  ['tls-key-file-pass', 'keyFilePass'],
  ['tls-client-cert-file', 'clientCertFile'],
  ['tls-client-key-file', 'clientKeyFile'],
  ['tls-client-key-file-pass', 'clientKeyFilePass'],
  ['tls-ca-cert-file', 'caCertFile'],
  ['tls-ca-cert-dir', 'caCertDir'],
  ['tls-dh-params-file', 'dhParamsFile'],
  ['tls-protocols', 'protocols'],
  ['tls-ciphers', 'ciphers'],
  ['tls-ciphersuites', 'ciphersuites'],
]);

type BoolField = 'replication' | 'cluster' | 'preferServerCiphers' | 'sessionCaching';

const BOOL_DIRECTIVES: ReadonlyMap<string, BoolField> = new Map([
  ['tls-replication', 'replication'],
  ['tls-cluster', 'cluster'],
  ['tls-prefer-server-ciphers', 'preferServerCiphers'],
  ['tls-session-caching', 'sessionCaching'],
]);

/** True for the directives this module reads. */
export function isTlsDirective(name: string): boolean {
  return name.startsWith('tls-');
}

/** Applies one `tls-*` directive with its single value; returns Redis's error text, if any. */
export function applyTlsDirective(tls: TlsConfig, name: string, value: string): string | undefined {
  const stringField = STRING_DIRECTIVES.get(name);
  if (stringField !== undefined) {
    // EMPTY_STRING_IS_NULL in Redis's table: "" unsets the value.
    if (value === '') delete tls[stringField];
    else tls[stringField] = value;
    return undefined;
  }
  const boolField = BOOL_DIRECTIVES.get(name);
  if (boolField !== undefined) {
    const parsed = parseYesNo(value);
    if (parsed === undefined) return "argument must be 'yes' or 'no'";
    tls[boolField] = parsed;
    return undefined;
  }
  switch (name) {
    case 'tls-port':
      return setInteger(value, 65535n, (v) => (tls.port = v));
    case 'tls-session-cache-size':
      return setInteger(value, INT_MAX, (v) => (tls.sessionCacheSize = v));
    case 'tls-session-cache-timeout':
      return setInteger(value, INT_MAX, (v) => (tls.sessionCacheTimeout = v));
    case 'tls-auth-clients': {
      const mode = TLS_AUTH_CLIENTS.find((m) => m === value.toLowerCase());
      if (mode === undefined)
        return `argument(s) must be one of the following: ${TLS_AUTH_CLIENTS.join(', ')}`;
      tls.authClients = mode;
      return undefined;
    }
    default:
      return undefined;
  }
}

function setInteger(value: string, max: bigint, set: (v: number) => void): string | undefined {
  const parsed = parseBoundedInteger(value, 0n, max);
  if (typeof parsed === 'string') return parsed;
  set(parsed);
  return undefined;
}
