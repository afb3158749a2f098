/** Address comparison rules of §13 (7.0.8+): same port, and same IP or same hostname. */
import type { Address } from './model';

export function sameHost(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function sameAddress(a: Address, b: Address): boolean {
  if (a.port !== b.port) return false;
  return (a.ip !== '' && a.ip === b.ip) || sameHost(a.host, b.host);
}
