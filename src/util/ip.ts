/**
 * IP literal check. Node's parser is the reference (it accepts what inet_pton accepts, plus
 * IPv6 zone IDs); only this pure function is taken from node:net, no socket.
 */
import { isIP } from 'node:net';

export function isIpLiteral(host: string): boolean {
  return isIP(host) !== 0;
}
