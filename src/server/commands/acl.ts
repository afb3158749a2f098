/** The ACL command family. */
import { randomBytes } from 'crypto';
import { reply, type Reply } from '../../protocol/reply';
import { ACL_CATEGORIES } from '../acl/commands';
import { loadAclFile, saveAclFile } from '../acl/file';
import { fromBinary, type AclUser } from '../acl/user';
import { cstr, parseIntArg, truncateBytes } from '../argv';
import { errorReply, helpReply, subcommandSyntaxError, wrongArity } from '../replies';
import { channelArgs } from '../dispatch';
import type { CommandCall, CommandSpec, ServerHost } from '../types';

const HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

const GENPASS_MAX_BITS = 4096;

const bin = (s: string): Reply => reply.bulk(Buffer.from(s, 'latin1'));

export function acl(call: CommandCall): void {
  const { argv, host, client } = call;
  const sub = call.str(1).toLowerCase();
  const argc = argv.length;
  switch (sub) {
    case 'setuser':
      return setUser(call);
    case 'deluser': {
      const names = argv.slice(2).map((a) => a.toString('latin1'));
      if (names.includes('default')) {
        call.reply(errorReply('SNT_ERR_ACL_DELETE_DEFAULT'));
        return;
      }
      const removed = host.acl.deleteUsers(names);
      disconnectUsers(host, call, (u) => removed.includes(u));
      call.reply(reply.int(removed.length));
      return;
    }
    case 'getuser':
      return getUser(call);
    case 'list':
    case 'users':
      call.reply(
        reply.array(
          host.acl
            .list()
            .map((u) => bin(sub === 'users' ? u.name : `user ${u.name} ${host.acl.describe(u)}`)),
        ),
      );
      return;
    case 'whoami':
      call.reply(bin(client.user.name));
      return;
    case 'load':
    case 'save': {
      const file = host.ctx.config.server.aclfile;
      if (file === undefined) {
        call.reply(errorReply('SNT_ERR_ACL_NO_ACLFILE'));
        return;
      }
      if (sub === 'load') {
        const errors = loadAclFile(host.acl, file);
        if (errors !== null) {
          call.reply(errorReply('SNT_ERR_ACL_LOAD', fromBinary(errors)));
          return;
        }
        // Every user object was replaced except `default`: their connections go, as in Redis.
        disconnectUsers(host, call, (u) => u !== host.acl.defaultUser);
        call.reply(reply.ok);
        return;
      }
      try {
        saveAclFile(host.acl, file);
        call.reply(reply.ok);
      } catch {
        call.reply(errorReply('SNT_ERR_ACL_SAVE'));
      }
      return;
    }
    case 'cat':
      if (argc === 2) {
        call.reply(reply.array(ACL_CATEGORIES.map((c) => reply.bulk(c))));
        return;
      }
      if (argc === 3) {
        const cat = call.str(2).toLowerCase();
        if (!ACL_CATEGORIES.includes(cat)) {
          call.reply(errorReply('SNT_ERR_ACL_UNKNOWN_CATEGORY', truncateBytes(argv[2] as Buffer, 128)));
          return;
        }
        const names: Reply[] = [];
        const visit = (cmds: readonly CommandSpec[]): void => {
          for (const c of cmds) {
            if (c.categories.includes(cat)) names.push(reply.bulk(c.fullname));
            visit(c.subcommands);
          }
        };
        visit(host.commands.original);
        call.reply(reply.array(names));
        return;
      }
      break;
    case 'genpass':
      if (argc === 2 || argc === 3) return genpass(call);
      break;
    case 'log':
      if (argc === 2 || argc === 3) return aclLog(call);
      break;
    case 'dryrun':
      if (argc >= 4) return dryRun(call);
      break;
    case 'help':
      call.reply(helpReply(argv, HELP));
      return;
  }
  call.reply(subcommandSyntaxError(argv));
}

/** Connections of removed or replaced users are closed; the caller's only after its reply. */
function disconnectUsers(host: ServerHost, call: CommandCall, gone: (u: AclUser) => boolean): void {
  for (const c of host.clients()) {
    if (!gone(c.user)) continue;
    c.user = host.acl.defaultUser;
    c.authenticated = false;
    if (c === call.client) c.closeAfterCurrentReply();
    else c.kill();
  }
}

function setUser(call: CommandCall): void {
  const { argv, host } = call;
  const name = (argv[2] as Buffer).toString('latin1');
  if (/[\t\n\v\f\r \0]/.test(name)) {
    call.reply(errorReply('SNT_ERR_ACL_BAD_USERNAME'));
    return;
  }
  const error = host.acl.setUser(
    name,
    argv.slice(3).map((a) => a.toString('latin1')),
  );
  if (error !== null) {
    call.reply(reply.error(error.message));
    return;
  }
  // Subscribers whose channels the new rules no longer allow are disconnected, as in Redis.
  const u = host.acl.get(name);
  for (const c of host.clients()) {
    if (u === undefined || c.user !== u || !c.isSubscribed()) continue;
    const allowed =
      [...c.channels].every((ch) => host.acl.checkChannel(u, ch, false)) &&
      [...c.patterns].every((p) => host.acl.checkChannel(u, p, true));
    if (!allowed && c !== call.client) c.kill();
    else if (!allowed) c.closeAfterCurrentReply();
  }
  call.reply(reply.ok);
}

function getUser(call: CommandCall): void {
  const { host } = call;
  const u = host.acl.get((call.argv[2] as Buffer).toString('latin1'));
  if (u === undefined) {
    call.reply(reply.null);
    return;
  }
  call.reply(
    reply.map([
      [reply.bulk('flags'), { t: 'set', v: u.flagNames().map((f) => reply.bulk(f)) }],
      [reply.bulk('passwords'), reply.array(u.passwords.map((p) => reply.bulk(p)))],
      [reply.bulk('commands'), reply.bulk(host.acl.describeCommands(u))],
      [reply.bulk('keys'), bin(u.keysDescription())],
      [reply.bulk('channels'), bin(u.channelsDescription())],
      [reply.bulk('selectors'), reply.array([])],
    ]),
  );
}

function genpass(call: CommandCall): void {
  let bits = 256n;
  if (call.argv.length === 3) {
    const v = parseIntArg(call.argv[2]);
    if (v === null) {
      call.reply(errorReply('SNT_ERR_NOT_AN_INTEGER'));
      return;
    }
    bits = v;
  }
  if (bits <= 0n || bits > BigInt(GENPASS_MAX_BITS)) {
    call.reply(errorReply('SNT_ERR_ACL_GENPASS_BITS', GENPASS_MAX_BITS));
    return;
  }
  const chars = Math.floor((Number(bits) + 3) / 4);
  call.reply(
    reply.bulk(
      randomBytes(Math.ceil(chars / 2))
        .toString('hex')
        .slice(0, chars),
    ),
  );
}

function aclLog(call: CommandCall): void {
  const { host, argv } = call;
  let count = 10;
  if (argv.length === 3) {
    if (call.str(2).toLowerCase() === 'reset') {
      host.acl.log.length = 0;
      call.reply(reply.ok);
      return;
    }
    const v = parseIntArg(argv[2]);
    if (v === null) {
      call.reply(errorReply('SNT_ERR_NOT_AN_INTEGER'));
      return;
    }
    count = v < 0n ? 0 : Number(v);
  }
  const now = host.ctx.now();
  call.reply(
    reply.array(
      host.acl.log.slice(0, count).map((e) =>
        reply.map([
          [reply.bulk('count'), reply.int(e.count)],
          [reply.bulk('reason'), reply.bulk(e.reason)],
          [reply.bulk('context'), reply.bulk(e.context)],
          [reply.bulk('object'), bin(e.object)],
          [reply.bulk('username'), bin(e.username)],
          [reply.bulk('age-seconds'), { t: 'double', v: (now - e.ctime) / 1000 }],
          [reply.bulk('client-info'), bin(e.clientInfo)],
        ]),
      ),
    ),
  );
}

function dryRun(call: CommandCall): void {
  const { host, argv } = call;
  const u = host.acl.get((argv[2] as Buffer).toString('latin1'));
  if (u === undefined) {
    call.reply(errorReply('SNT_ERR_ACL_NO_SUCH_USER', cstr(argv[2])));
    return;
  }
  const target = argv.slice(3);
  const cmd = host.commands.resolve(target).cmd;
  if (cmd === undefined) {
    call.reply(errorReply('SNT_ERR_ACL_NO_SUCH_COMMAND', cstr(argv[3])));
    return;
  }
  if ((cmd.arity > 0 && cmd.arity !== target.length) || target.length < -cmd.arity) {
    call.reply(wrongArity(cmd.fullname));
    return;
  }
  const perm = host.acl.check(u, cmd, cmd.noAuth, target, channelArgs(cmd, target));
  if (perm.ok) {
    call.reply(reply.ok);
  } else if (perm.reason === 'command') {
    call.reply(reply.bulk(`This user has no permissions to run the '${cmd.fullname}' command`));
  } else {
    const channel = (target[perm.argIndex] as Buffer).toString('latin1');
    call.reply(bin(`This user has no permissions to access the '${channel}' channel`));
  }
}
