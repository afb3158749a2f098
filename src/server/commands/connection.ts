/** PING, AUTH and HELLO. */
import { REDIS_VERSION } from '../../config/errors';
import { preEncoded } from '../../protocol/encoder';
import { reply } from '../../protocol/reply';
import type { ClientSession } from '../client';
import { cstr, parseIntArg } from '../argv';
import { errorReply, wrongArity } from '../replies';
import type { CommandCall, ServerHost } from '../types';

const PONG = preEncoded(reply.simple('PONG'));

export function ping(call: CommandCall): void {
  const { argv } = call;
  if (argv.length > 2) {
    call.reply(wrongArity(call.cmd.fullname));
    return;
  }
  // RESP2 subscribers can only read arrays, so PING answers in the pub/sub shape there.
  if (call.client.isSubscribed() && call.client.resp === 2) {
    call.reply(reply.array([reply.bulk('pong'), reply.bulk(argv[1] ?? '')]));
  } else {
    call.reply(argv[1] === undefined ? PONG : reply.bulk(argv[1]));
  }
}

/** Logs a failed login as Redis does (object = the command word as typed). */
function tryLogin(
  host: ServerHost,
  client: ClientSession,
  argv0: Buffer,
  user: Buffer,
  pass: Buffer,
): boolean {
  const username = user.toString('latin1');
  const u = host.acl.authenticate(username, pass);
  if (u === null) {
    host.acl.addLogEntry({
      reason: 'auth',
      context: 'toplevel',
      object: argv0.toString('latin1'),
      username,
      ctime: host.ctx.now(),
      clientInfo: client.infoLine(),
    });
    return false;
  }
  client.user = u;
  client.authenticated = true;
  return true;
}

export function auth(call: CommandCall): void {
  const { argv, host, client } = call;
  if (argv.length > 3) {
    call.reply(errorReply('SNT_ERR_SYNTAX'));
    return;
  }
  let user: Buffer;
  let pass: Buffer;
  if (argv.length === 2) {
    if (host.acl.defaultUser.nopass) {
      call.reply(errorReply('SNT_ERR_AUTH_WITHOUT_PASSWORD'));
      return;
    }
    user = Buffer.from('default');
    pass = argv[1] as Buffer;
  } else {
    user = argv[1] as Buffer;
    pass = argv[2] as Buffer;
  }
  const ok = tryLogin(host, client, argv[0] as Buffer, user, pass);
  call.reply(ok ? reply.ok : errorReply('SNT_ERR_WRONGPASS'));
}

/** CLIENT SETNAME rules: printable ASCII without spaces; empty clears the name. */
export function setClientName(client: ClientSession, name: Buffer): boolean {
  if (!name.every((b) => b >= 0x21 && b <= 0x7e)) return false;
  client.name = name.length === 0 ? null : Buffer.from(name);
  return true;
}

export function hello(call: CommandCall): void {
  const { argv, host, client } = call;
  let ver = 0;
  if (argv.length >= 2) {
    const v = parseIntArg(argv[1]);
    if (v === null) {
      call.reply(errorReply('SNT_ERR_HELLO_PROTOVER_NOT_INTEGER'));
      return;
    }
    if (v < 2n || v > 3n) {
      call.reply(errorReply('SNT_ERR_NOPROTO'));
      return;
    }
    ver = Number(v);
  }
  for (let j = 2; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = call.str(j);
    if (opt.toLowerCase() === 'auth' && more >= 2) {
      if (!tryLogin(host, client, argv[0] as Buffer, argv[j + 1] as Buffer, argv[j + 2] as Buffer)) {
        call.reply(errorReply('SNT_ERR_WRONGPASS'));
        return;
      }
      j += 2;
    } else if (opt.toLowerCase() === 'setname' && more >= 1) {
      if (!setClientName(client, argv[j + 1] as Buffer)) {
        call.reply(errorReply('SNT_ERR_BAD_CLIENT_NAME'));
        return;
      }
      j++;
    } else {
      call.reply(errorReply('SNT_ERR_HELLO_SYNTAX', cstr(argv[j])));
      return;
    }
  }
  if (!client.authenticated) {
    call.reply(errorReply('SNT_ERR_HELLO_NOAUTH'));
    return;
  }
  if (ver !== 0) client.resp = ver === 3 ? 3 : 2;
  call.reply(
    reply.map([
      [reply.bulk('server'), reply.bulk('redis')],
      [reply.bulk('version'), reply.bulk(REDIS_VERSION)],
      [reply.bulk('proto'), reply.int(client.resp)],
      [reply.bulk('id'), reply.int(client.id)],
      [reply.bulk('mode'), reply.bulk('sentinel')],
      [reply.bulk('modules'), reply.array([])],
    ]),
  );
}
