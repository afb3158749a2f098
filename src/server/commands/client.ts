/** The CLIENT command family. */
import { reply } from '../../protocol/reply';
import { fromBinary } from '../acl/user';
import type { ClientSession, TrackingState } from '../client';
import { codedError, type CodedError } from '../../errors';
import { cstr, parseIntArg } from '../argv';
import { errorReply, helpReply, subcommandSyntaxError } from '../replies';
import type { CommandCall } from '../types';
import { setClientName } from './connection';

const HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'SETINFO <option> <value>',
  '    Set client meta attr. Options are:',
  '    * LIB-NAME: the client lib name.',
  '    * LIB-VER: the client lib version.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
];

type ClientType = 'normal' | 'slave' | 'pubsub' | 'master';

function clientTypeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'slave';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

/** CLIENT LIST/INFO lines are built from byte strings (names, user names). */
function listing(clients: readonly ClientSession[]): string {
  return fromBinary(clients.map((c) => `${c.infoLine()}\n`).join(''));
}

export function client(call: CommandCall): void {
  const { argv, client: self } = call;
  const sub = call.str(1).toLowerCase();
  const argc = argv.length;
  const word = (i: number): string => call.str(i).toLowerCase();
  switch (sub) {
    case 'help':
      call.reply(helpReply(argv, HELP));
      return;
    case 'id':
      call.reply(reply.int(self.id));
      return;
    case 'info':
      call.reply(reply.verbatim(listing([self])));
      return;
    case 'list':
      return clientList(call);
    case 'reply':
      if (word(2) === 'on') {
        self.replyMode = 'on';
        call.reply(reply.ok);
      } else if (word(2) === 'off') {
        self.replyMode = 'off';
      } else if (word(2) === 'skip') {
        if (self.replyMode !== 'off') self.skipNextReply();
      } else {
        call.reply(errorReply('SNT_ERR_SYNTAX'));
      }
      return;
    case 'no-evict':
      if (word(2) === 'on' || word(2) === 'off') {
        self.noEvict = word(2) === 'on';
        call.reply(reply.ok);
      } else {
        call.reply(errorReply('SNT_ERR_SYNTAX'));
      }
      return;
    case 'kill':
      return clientKill(call);
    case 'unblock': {
      if (argc !== 3 && argc !== 4) break;
      if (argc === 4 && word(3) !== 'timeout' && word(3) !== 'error') {
        call.reply(errorReply('SNT_ERR_CLIENT_UNBLOCK_REASON'));
        return;
      }
      if (parseIntArg(argv[2]) === null) {
        call.reply(errorReply('SNT_ERR_NOT_AN_INTEGER'));
        return;
      }
      // No client ever blocks on a sentinel (no blocking commands exist).
      call.reply(reply.int(0));
      return;
    }
    case 'setname':
      call.reply(setClientName(self, argv[2] as Buffer) ? reply.ok : errorReply('SNT_ERR_BAD_CLIENT_NAME'));
      return;
    case 'getname':
      call.reply(self.name === null ? reply.null : reply.bulk(self.name));
      return;
    case 'setinfo':
      return clientSetinfo(call);
    case 'unpause':
      call.host.unpauseClients();
      call.reply(reply.ok);
      return;
    case 'pause':
      return clientPause(call);
    case 'tracking':
      return clientTracking(call);
    case 'caching':
      return clientCaching(call);
    case 'getredir':
      call.reply(reply.int(self.tracking === null ? -1 : self.tracking.redirect));
      return;
    case 'trackinginfo':
      return trackingInfo(call);
  }
  call.reply(subcommandSyntaxError(argv));
}

function clientList(call: CommandCall): void {
  const { argv, host } = call;
  if (argv.length === 4 && call.str(2).toLowerCase() === 'type') {
    const type = clientTypeByName(call.str(3));
    if (type === null) {
      call.reply(errorReply('SNT_ERR_CLIENT_UNKNOWN_TYPE', cstr(argv[3])));
      return;
    }
    call.reply(reply.verbatim(listing(host.clients().filter((c) => c.clientType() === type))));
    return;
  }
  if (argv.length > 3 && call.str(2).toLowerCase() === 'id') {
    const found: ClientSession[] = [];
    for (const a of argv.slice(3)) {
      const id = parseIntArg(a);
      if (id === null) {
        call.reply(errorReply('SNT_ERR_CLIENT_INVALID_ID'));
        return;
      }
      const c = host.clientById(Number(id));
      if (c !== undefined) found.push(c);
    }
    call.reply(reply.verbatim(listing(found)));
    return;
  }
  if (argv.length !== 2) {
    call.reply(errorReply('SNT_ERR_SYNTAX'));
    return;
  }
  call.reply(reply.verbatim(listing(host.clients())));
}

function clientKill(call: CommandCall): void {
  const { argv, host, client: self } = call;
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: ClientType | null = null;
  let id = 0;
  let user: string | null = null;
  let skipme = true;
  if (argv.length === 3) {
    addr = cstr(argv[2]);
    // The old form may kill the caller itself.
    skipme = false;
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = call.str(i).toLowerCase();
      const value = argv[i + 1];
      if (value === undefined) {
        call.reply(errorReply('SNT_ERR_SYNTAX'));
        return;
      }
      if (opt === 'id') {
        const v = parseIntArg(value);
        if (v === null || v < 1n) {
          call.reply(errorReply('SNT_ERR_CLIENT_ID_NOT_POSITIVE'));
          return;
        }
        id = Number(v);
      } else if (opt === 'type') {
        type = clientTypeByName(value.toString('utf8'));
        if (type === null) {
          call.reply(errorReply('SNT_ERR_CLIENT_UNKNOWN_TYPE', cstr(value)));
          return;
        }
      } else if (opt === 'addr') {
        addr = cstr(value);
      } else if (opt === 'laddr') {
        laddr = cstr(value);
      } else if (opt === 'user') {
        user = value.toString('latin1');
        if (host.acl.get(user) === undefined) {
          call.reply(errorReply('SNT_ERR_CLIENT_NO_SUCH_USER', cstr(value)));
          return;
        }
      } else if (opt === 'skipme') {
        const v = value.toString('latin1').toLowerCase();
        if (v !== 'yes' && v !== 'no') {
          call.reply(errorReply('SNT_ERR_SYNTAX'));
          return;
        }
        skipme = v === 'yes';
      } else {
        call.reply(errorReply('SNT_ERR_SYNTAX'));
        return;
      }
    }
  }
  let killed = 0;
  let killSelf = false;
  for (const c of host.clients()) {
    if (addr !== null && c.conn.addr !== addr) continue;
    if (laddr !== null && c.conn.laddr !== laddr) continue;
    if (type !== null && c.clientType() !== type) continue;
    if (id !== 0 && c.id !== id) continue;
    if (user !== null && c.user.name !== user) continue;
    if (c === self && skipme) continue;
    if (c === self) killSelf = true;
    else c.kill();
    killed++;
  }
  if (argv.length === 3) call.reply(killed === 0 ? errorReply('SNT_ERR_CLIENT_NO_SUCH_CLIENT') : reply.ok);
  else call.reply(reply.int(killed));
  if (killSelf) self.closeAfterCurrentReply();
}

/** CLIENT SETINFO LIB-NAME|LIB-VER <value> (Redis 7.2): shown by CLIENT LIST; '' clears it. */
function clientSetinfo(call: CommandCall): void {
  const { argv, client: self } = call;
  const typed = cstr(argv[2]);
  const attr = typed.toLowerCase();
  if (attr !== 'lib-name' && attr !== 'lib-ver') {
    call.reply(errorReply('SNT_ERR_SETINFO_UNKNOWN_OPTION', typed));
    return;
  }
  const value = argv[3] as Buffer;
  // As for names: a space or a control byte would break CLIENT LIST's space-separated fields.
  if (!value.every((b) => b >= 0x21 && b <= 0x7e)) {
    call.reply(errorReply('SNT_ERR_SETINFO_BAD_VALUE', typed));
    return;
  }
  const kept = value.length === 0 ? null : Buffer.from(value);
  if (attr === 'lib-name') self.libName = kept;
  else self.libVer = kept;
  call.reply(reply.ok);
}

function clientPause(call: CommandCall): void {
  const { argv, host } = call;
  if (argv.length !== 3 && argv.length !== 4) {
    call.reply(subcommandSyntaxError(argv));
    return;
  }
  let mode: 'all' | 'write' = 'all';
  if (argv.length === 4) {
    const m = call.str(3).toLowerCase();
    if (m !== 'write' && m !== 'all') {
      call.reply(errorReply('SNT_ERR_CLIENT_PAUSE_MODE'));
      return;
    }
    mode = m;
  }
  const ms = parseIntArg(argv[2]);
  if (ms === null) {
    call.reply(errorReply('SNT_ERR_CLIENT_TIMEOUT_NOT_INTEGER'));
    return;
  }
  if (ms < 0n) {
    call.reply(errorReply('SNT_ERR_CLIENT_TIMEOUT_NEGATIVE'));
    return;
  }
  host.pauseClients(ms > 0n ? host.ctx.now() + Number(ms) : 0, mode);
  call.reply(reply.ok);
}

function clientTracking(call: CommandCall): void {
  const { argv, host, client: self } = call;
  let redirect = 0;
  const opts = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j > 0;
    const opt = call.str(j).toLowerCase();
    if (opt === 'redirect' && more) {
      j++;
      if (redirect !== 0) {
        call.reply(errorReply('SNT_ERR_TRACKING_ONE_REDIRECT'));
        return;
      }
      const v = parseIntArg(argv[j]);
      if (v === null) {
        call.reply(errorReply('SNT_ERR_NOT_AN_INTEGER'));
        return;
      }
      if (host.clientById(Number(v)) === undefined) {
        call.reply(errorReply('SNT_ERR_TRACKING_NO_REDIRECT_CLIENT'));
        return;
      }
      redirect = Number(v);
    } else if (opt === 'bcast' || opt === 'optin' || opt === 'optout' || opt === 'noloop') {
      opts[opt] = true;
    } else if (opt === 'prefix' && more) {
      j++;
      prefixes.push((argv[j] as Buffer).toString('latin1'));
    } else {
      call.reply(errorReply('SNT_ERR_SYNTAX'));
      return;
    }
  }
  const onOff = call.str(2).toLowerCase();
  if (onOff === 'off') {
    self.tracking = null;
    call.reply(reply.ok);
    return;
  }
  if (onOff !== 'on') {
    call.reply(errorReply('SNT_ERR_SYNTAX'));
    return;
  }
  const current = self.tracking;
  const error = trackingError(current, opts, prefixes);
  if (error !== null) {
    call.reply(reply.error(error.message));
    return;
  }
  const kept = opts.bcast ? (current?.prefixes ?? []) : [];
  const added = opts.bcast && prefixes.length === 0 ? [''] : prefixes;
  self.tracking = {
    redirect,
    ...opts,
    caching: false,
    prefixes: [...new Set([...kept, ...added])],
  };
  call.reply(reply.ok);
}

function trackingError(
  current: TrackingState | null,
  opts: { bcast: boolean; optin: boolean; optout: boolean },
  prefixes: readonly string[],
): CodedError | null {
  if (!opts.bcast && prefixes.length > 0) return codedError('SNT_ERR_TRACKING_PREFIX_NEEDS_BCAST');
  if (current !== null && current.bcast !== opts.bcast) return codedError('SNT_ERR_TRACKING_BCAST_SWITCH');
  if (opts.bcast && (opts.optin || opts.optout))
    return codedError('SNT_ERR_TRACKING_BCAST_WITH_OPTIN_OPTOUT');
  if (opts.optin && opts.optout) return codedError('SNT_ERR_TRACKING_OPTIN_AND_OPTOUT');
  if ((opts.optin && current?.optout === true) || (opts.optout && current?.optin === true)) {
    return codedError('SNT_ERR_TRACKING_OPTIN_OPTOUT_SWITCH');
  }
  if (!opts.bcast) return null;
  const overlaps = (a: string, b: string): boolean => a.startsWith(b) || b.startsWith(a);
  const shown = (s: string): string => fromBinary(s);
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i] as string;
    const old = (current?.prefixes ?? []).find((q) => overlaps(q, p));
    if (old !== undefined)
      return codedError('SNT_ERR_TRACKING_PREFIX_OVERLAPS_EXISTING', shown(p), shown(old));
    const other = prefixes.slice(i + 1).find((q) => overlaps(p, q));
    if (other !== undefined)
      return codedError('SNT_ERR_TRACKING_PREFIX_OVERLAPS_OTHER', shown(p), shown(other));
  }
  return null;
}

function clientCaching(call: CommandCall): void {
  const t = call.client.tracking;
  if (t === null) {
    call.reply(errorReply('SNT_ERR_CACHING_NOT_TRACKING'));
    return;
  }
  const opt = call.str(2).toLowerCase();
  if (opt === 'yes' && !t.optin) {
    call.reply(errorReply('SNT_ERR_CACHING_YES_NEEDS_OPTIN'));
  } else if (opt === 'no' && !t.optout) {
    call.reply(errorReply('SNT_ERR_CACHING_NO_NEEDS_OPTOUT'));
  } else if (opt !== 'yes' && opt !== 'no') {
    call.reply(errorReply('SNT_ERR_SYNTAX'));
  } else {
    t.caching = true;
    call.reply(reply.ok);
  }
}

function trackingInfo(call: CommandCall): void {
  const t = call.client.tracking;
  const flags: string[] = [t === null ? 'off' : 'on'];
  if (t !== null) {
    if (t.bcast) flags.push('bcast');
    if (t.optin) flags.push('optin', ...(t.caching ? ['caching-yes'] : []));
    if (t.optout) flags.push('optout', ...(t.caching ? ['caching-no'] : []));
    if (t.noloop) flags.push('noloop');
  }
  const prefixes = [...(t?.prefixes ?? [])].sort((a, b) =>
    Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')),
  );
  call.reply(
    reply.map([
      [reply.bulk('flags'), { t: 'set', v: flags.map((f) => reply.bulk(f)) }],
      [reply.bulk('redirect'), reply.int(t === null ? -1 : t.redirect)],
      [reply.bulk('prefixes'), reply.array(prefixes.map((p) => reply.bulk(Buffer.from(p, 'latin1'))))],
    ]),
  );
}
