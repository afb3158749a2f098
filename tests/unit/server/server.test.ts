import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { reply } from '../../../src/protocol/reply';
import { SENTINEL_COMMANDS, SENTINEL_SUBCOMMAND_NAMES } from '../../../src/commands/table';
import { RespServer } from '../../../src/server/server';
import { encodeCommand, freePort, RespClient, waitFor } from '../../../devkit';
import { fakeContext, serverConfig, serverFixture } from './helpers';

const { server, connect } = serverFixture();

describe('request handling', () => {
  it('answers pipelined multibulk and inline commands in order', async () => {
    const { port } = await server();
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['PING']),
        Buffer.from('PING hello\r\n'),
        encodeCommand(['ROLE']),
        encodeCommand(['PING', 'x']),
      ]),
    );
    expect(await c.take(4)).toBe(
      '+PONG\r\n$5\r\nhello\r\n*2\r\n$8\r\nsentinel\r\n*2\r\n$5\r\nalpha\r\n$4\r\nbeta\r\n$1\r\nx\r\n',
    );
  });

  it('answers a protocol error, closes the connection and ignores what follows', async () => {
    const { port, calls } = await server();
    const c = await connect(port);
    c.write('PING\r\n*1\r\n+SENTINEL\r\n*2\r\n$8\r\nSENTINEL\r\n$4\r\nMYID\r\n');
    expect(await c.take(2)).toBe("+PONG\r\n-ERR Protocol error: expected '$', got '+'\r\n");
    await c.waitClosed();
    expect(calls.sentinel).toEqual([]);
  });

  it('drops an HTTP request silently, as Redis does', async () => {
    const { port } = await server();
    const c = await connect(port);
    c.write('POST / HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitClosed();
    expect(c.unread.length).toBe(0);
  });

  it('answers unknown commands and wrong arity with Redis texts', async () => {
    const { port } = await server();
    const c = await connect(port);
    const long = 'a'.repeat(200);
    c.write(
      Buffer.concat([
        encodeCommand(['GET', 'k\r\nx', 'v']),
        encodeCommand(['FOO', long, 'b']),
        encodeCommand(['PING', 'a', 'b']),
        encodeCommand(['CLIENT']),
        encodeCommand(['CLIENT', 'nope']),
      ]),
    );
    expect(await c.take(5)).toBe(
      "-ERR unknown command 'GET', with args beginning with: 'k  x' 'v' \r\n" +
        `-ERR unknown command 'FOO', with args beginning with: '${'a'.repeat(128)}' \r\n` +
        "-ERR wrong number of arguments for 'ping' command\r\n" +
        "-ERR wrong number of arguments for 'client' command\r\n" +
        "-ERR unknown subcommand 'nope'. Try CLIENT HELP.\r\n",
    );
  });

  it('switches to RESP3 with HELLO 3 and encodes maps, nulls and pushes accordingly', async () => {
    const { port } = await server({}, { sentinelReply: () => reply.bulkMap([['name', 'm']]) });
    const c = await connect(port);
    c.write(encodeCommand(['HELLO', '3']));
    const hello = await c.take(1);
    expect(
      hello.startsWith(
        '%6\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n',
      ),
    ).toBe(true);
    expect(hello).toContain('$4\r\nmode\r\n$8\r\nsentinel\r\n$7\r\nmodules\r\n*0\r\n');
    c.write(
      Buffer.concat([encodeCommand(['SENTINEL', 'MASTER', 'm']), encodeCommand(['CLIENT', 'GETNAME'])]),
    );
    expect(await c.take(2)).toBe('%1\r\n$4\r\nname\r\n$1\r\nm\r\n_\r\n');
    c.write(encodeCommand(['HELLO', '2', 'SETNAME', 'app']));
    await c.take(1);
    c.write(
      Buffer.concat([encodeCommand(['SENTINEL', 'MASTER', 'm']), encodeCommand(['CLIENT', 'GETNAME'])]),
    );
    expect(await c.take(2)).toBe('*2\r\n$4\r\nname\r\n$1\r\nm\r\n$3\r\napp\r\n');
  });

  it('rejects bad HELLO arguments with Redis texts', async () => {
    const { port } = await server();
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['HELLO', '4']),
        encodeCommand(['HELLO', 'x']),
        encodeCommand(['HELLO', '3', 'FOO']),
        encodeCommand(['HELLO', '3', 'SETNAME', 'a b']),
      ]),
    );
    expect(await c.take(4)).toBe(
      '-NOPROTO unsupported protocol version\r\n' +
        '-ERR Protocol version is not an integer or out of range\r\n' +
        "-ERR Syntax error in HELLO option 'FOO'\r\n" +
        '-ERR Client names cannot contain spaces, newlines or special characters.\r\n',
    );
  });

  it('forwards SENTINEL after checking the subcommand and its arity itself', async () => {
    const { port, calls } = await server({}, { sentinelReply: (args) => reply.bulk(args.join(',')) });
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['SENTINEL']),
        encodeCommand(['sentinel', 'get-master-addr-by-name']),
        encodeCommand(['SENTINEL', 'bogus']),
        encodeCommand(['SENTINEL', 'get-master-addr-by-name', 'mymaster']),
        encodeCommand(['sEnTiNeL', 'GET-Master-ADDR-by-name', 'MyMaster']),
      ]),
    );
    expect(await c.take(5)).toBe(
      "-ERR wrong number of arguments for 'sentinel' command\r\n" +
        "-ERR wrong number of arguments for 'sentinel|get-master-addr-by-name' command\r\n" +
        "-ERR unknown subcommand 'bogus'. Try SENTINEL HELP.\r\n" +
        '$32\r\nget-master-addr-by-name,mymaster\r\n' +
        '$32\r\nget-master-addr-by-name,MyMaster\r\n',
    );
    // The subcommand as the table names it; the master name as typed.
    expect(calls.sentinel).toEqual([
      ['get-master-addr-by-name', 'mymaster'],
      ['get-master-addr-by-name', 'MyMaster'],
    ]);
  });

  it('checks every SENTINEL subcommand arity from the command table before forwarding', async () => {
    const { port, calls } = await server({}, { sentinelReply: () => reply.ok });
    const c = await connect(port);
    const sentinel = SENTINEL_COMMANDS.find((m) => m.name === 'sentinel');
    const subs = sentinel?.subcommands ?? [];
    expect(subs.map((s) => s.name)).toEqual(SENTINEL_SUBCOMMAND_NAMES);
    for (const { name, arity } of subs) {
      const fits = Math.abs(arity);
      const valid = ['SENTINEL', name.toUpperCase(), ...Array.from({ length: fits - 2 }, () => 'x')];
      // One argument too many for an exact arity, one too few for a minimum (when that still names it).
      const wrong = arity > 0 ? [...valid, 'x'] : fits > 2 ? valid.slice(0, -1) : null;
      if (wrong !== null) {
        c.send(wrong);
        expect(await c.take(1)).toBe(`-ERR wrong number of arguments for 'sentinel|${name}' command\r\n`);
      }
      c.send(valid);
      expect(await c.take(1)).toBe('+OK\r\n');
    }
    expect(calls.sentinel.map((args) => args[0]?.toLowerCase())).toEqual(SENTINEL_SUBCOMMAND_NAMES);
  });

  it('takes hello messages through PUBLISH without relaying them', async () => {
    const { port, calls } = await server();
    const sub = await connect(port);
    sub.write(encodeCommand(['SUBSCRIBE', '__sentinel__:hello']));
    await sub.take(1);
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['PUBLISH', '__sentinel__:hello', '1.2.3.4,26379,abc']),
        encodeCommand(['PUBLISH', 'other', 'x']),
      ]),
    );
    expect(await c.take(2)).toBe(':1\r\n-ERR Only HELLO messages are accepted by Sentinel instances.\r\n');
    expect(calls.hellos).toEqual(['1.2.3.4,26379,abc']);
    c.write(encodeCommand(['PING']));
    await c.take(1);
    expect(sub.unread.length).toBe(0);
  });

  it('runs SHUTDOWN through the context, with Redis option checks', async () => {
    const { port, calls } = await server();
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['SHUTDOWN', 'ABORT']),
        encodeCommand(['SHUTDOWN', 'NOSAVE', 'SAVE']),
        encodeCommand(['SHUTDOWN', 'LATER']),
        encodeCommand(['SHUTDOWN', 'NOSAVE']),
        encodeCommand(['PING']),
      ]),
    );
    expect(await c.take(4)).toBe(
      '-ERR No shutdown in progress.\r\n-ERR syntax error\r\n-ERR syntax error\r\n+PONG\r\n',
    );
    expect(calls.shutdowns).toBe(1);
  });
});

describe('INFO and COMMAND', () => {
  it('prints the five sentinel sections in Redis order, ignoring unknown names', async () => {
    const { port } = await server();
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['INFO']),
        encodeCommand(['INFO', 'SENTINEL', 'memory']),
        encodeCommand(['INFO', 'nothing']),
      ]),
    );
    const all = await c.take(1);
    const titles = all.split('\r\n').filter((l) => l.startsWith('# '));
    expect(titles).toEqual(['# Server', '# Clients', '# Stats', '# CPU', '# Sentinel']);
    expect(all).toContain('\r\nredis_mode:sentinel\r\n');
    expect(all).toContain('\r\nconnected_clients:1\r\n');
    expect(all).toContain('\r\n\r\n# Sentinel\r\nsentinel_masters:2\r\nsentinel_tilt:0\r\n');
    expect(await c.take(2)).toBe(
      '$49\r\n# Sentinel\r\nsentinel_masters:2\r\nsentinel_tilt:0\r\n\r\n$0\r\n\r\n',
    );
  });

  it('reports 15 commands and the 72 names of sentinel mode', async () => {
    const { port } = await server();
    const c = await connect(port);
    c.write(Buffer.concat([encodeCommand(['COMMAND', 'COUNT']), encodeCommand(['COMMAND', 'LIST'])]));
    expect(await c.take(1)).toBe(':15\r\n');
    const list = (await c.take(1)).split('\r\n').filter((l) => l !== '' && !/^[*$]/.test(l));
    expect(list).toHaveLength(72);
    expect(list).toEqual(
      expect.arrayContaining([
        'sentinel|get-master-addr-by-name',
        'client|no-evict',
        'acl|dryrun',
        'command|getkeysandflags',
      ]),
    );
  });
});

describe('pub/sub', () => {
  it('delivers events to channel and pattern subscribers, RESP2 arrays and RESP3 pushes', async () => {
    const { server: srv, port } = await server();
    const a = await connect(port);
    const b = await connect(port);
    a.write(
      Buffer.concat([
        encodeCommand(['SUBSCRIBE', '+switch-master', '+sdown']),
        encodeCommand(['PSUBSCRIBE', '+s*']),
      ]),
    );
    expect(await a.take(3)).toBe(
      '*3\r\n$9\r\nsubscribe\r\n$14\r\n+switch-master\r\n:1\r\n' +
        '*3\r\n$9\r\nsubscribe\r\n$6\r\n+sdown\r\n:2\r\n' +
        '*3\r\n$10\r\npsubscribe\r\n$3\r\n+s*\r\n:3\r\n',
    );
    b.write(Buffer.concat([encodeCommand(['HELLO', '3']), encodeCommand(['PSUBSCRIBE', '*'])]));
    await b.take(1);
    expect(await b.take(1)).toBe('>3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:1\r\n');

    expect(srv.publish('+switch-master', 'm 1.1.1.1 1 2.2.2.2 2')).toBe(3);
    expect(await a.take(2)).toBe(
      '*3\r\n$7\r\nmessage\r\n$14\r\n+switch-master\r\n$21\r\nm 1.1.1.1 1 2.2.2.2 2\r\n' +
        '*4\r\n$8\r\npmessage\r\n$3\r\n+s*\r\n$14\r\n+switch-master\r\n$21\r\nm 1.1.1.1 1 2.2.2.2 2\r\n',
    );
    expect(await b.take(1)).toBe(
      '>4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$14\r\n+switch-master\r\n$21\r\nm 1.1.1.1 1 2.2.2.2 2\r\n',
    );
    expect(srv.publish('+odown', 'x')).toBe(1);
    expect(await b.take(1)).toContain('+odown');
  });

  it('limits RESP2 subscribers to the pub/sub commands and PING', async () => {
    const { port } = await server();
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['SUBSCRIBE', 'a']),
        encodeCommand(['PING']),
        encodeCommand(['PING', 'hi']),
        encodeCommand(['ROLE']),
        encodeCommand(['UNSUBSCRIBE']),
        encodeCommand(['UNSUBSCRIBE']),
        encodeCommand(['ROLE']),
      ]),
    );
    expect(await c.take(7)).toBe(
      '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n' +
        '*2\r\n$4\r\npong\r\n$0\r\n\r\n' +
        '*2\r\n$4\r\npong\r\n$2\r\nhi\r\n' +
        "-ERR Can't execute 'role': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n" +
        '*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n' +
        '*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n' +
        '*2\r\n$8\r\nsentinel\r\n*2\r\n$5\r\nalpha\r\n$4\r\nbeta\r\n',
    );
  });

  it('forgets the subscriptions of a client that disconnects', async () => {
    const { server: srv, port } = await server();
    const c = await connect(port);
    c.write(encodeCommand(['PSUBSCRIBE', '*']));
    await c.take(1);
    c.close();
    await waitFor(() => srv.clientCount() === 0, { timeoutMs: 2000, intervalMs: 5, what: 'disconnect' });
    expect(srv.publish('+sdown', 'x')).toBe(0);
  });
});

describe('authentication and ACL', () => {
  it('checks for unknown commands before NOAUTH and applies unauthenticated limits', async () => {
    const { port } = await server({ requirepass: 'secret' });
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['GET', 'x']),
        encodeCommand(['PING']),
        encodeCommand(['SENTINEL', 'MASTERS']),
        encodeCommand(['HELLO', '3']),
        encodeCommand(['AUTH', 'wrong']),
        encodeCommand(['AUTH', 'secret']),
        encodeCommand(['PING']),
      ]),
    );
    expect(await c.take(7)).toBe(
      "-ERR unknown command 'GET', with args beginning with: 'x' \r\n" +
        '-NOAUTH Authentication required.\r\n' +
        '-NOAUTH Authentication required.\r\n' +
        '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n' +
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
        '+OK\r\n+PONG\r\n',
    );
    const d = await connect(port);
    d.write(`*11\r\n`);
    expect(await d.take(1)).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
    await d.waitClosed();
  });

  it('lets HELLO authenticate and switch protocol at once', async () => {
    const { port } = await server({ requirepass: 'secret' });
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['HELLO', '3', 'AUTH', 'default', 'secret', 'SETNAME', 'me']),
        encodeCommand(['ACL', 'WHOAMI']),
        encodeCommand(['CLIENT', 'GETNAME']),
      ]),
    );
    const [hello] = [await c.take(1)];
    expect(hello.startsWith('%6\r\n')).toBe(true);
    expect(await c.take(2)).toBe('$7\r\ndefault\r\n$2\r\nme\r\n');
  });

  it('enforces a user limited to one SENTINEL subcommand and one channel', async () => {
    const { port } = await server({
      users: [['app', 'on', '>pw', '+sentinel|get-master-addr-by-name', '+subscribe', '&+switch-master']],
    });
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['AUTH', 'app', 'pw']),
        encodeCommand(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'm']),
        encodeCommand(['SENTINEL', 'MASTERS']),
        encodeCommand(['PING']),
        encodeCommand(['SUBSCRIBE', '+sdown']),
        encodeCommand(['ACL', 'WHOAMI']),
      ]),
    );
    expect(await c.take(6)).toBe(
      '+OK\r\n+OK\r\n' +
        "-NOPERM this user has no permissions to run the 'sentinel|masters' command\r\n" +
        "-NOPERM this user has no permissions to run the 'ping' command\r\n" +
        '-NOPERM this user has no permissions to access one of the channels used as arguments\r\n' +
        "-NOPERM this user has no permissions to run the 'acl|whoami' command\r\n",
    );
    c.write(encodeCommand(['SUBSCRIBE', '+switch-master']));
    expect(await c.take(1)).toBe('*3\r\n$9\r\nsubscribe\r\n$14\r\n+switch-master\r\n:1\r\n');
    const admin = await connect(port);
    admin.write(Buffer.concat([encodeCommand(['ACL', 'LOG', '1']), encodeCommand(['ACL', 'LIST'])]));
    const log = await admin.take(1);
    expect(log).toContain('$6\r\nreason\r\n$7\r\ncommand\r\n');
    expect(log).toContain('$6\r\nobject\r\n$10\r\nacl|whoami\r\n');
    expect(await admin.take(1)).toContain(
      'user app on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 resetchannels &+switch-master -@all +subscribe +sentinel|get-master-addr-by-name',
    );
  });

  it('disconnects the clients of a deleted user', async () => {
    const { server: srv, port } = await server({ users: [['app', 'on', 'nopass', '+@all']] });
    const app = await connect(port);
    app.write(encodeCommand(['AUTH', 'app', 'x']));
    expect(await app.take(1)).toBe('+OK\r\n');
    const admin = await connect(port);
    admin.write(
      Buffer.concat([
        encodeCommand(['ACL', 'DELUSER', 'default']),
        encodeCommand(['ACL', 'DELUSER', 'app', 'ghost']),
      ]),
    );
    expect(await admin.take(2)).toBe("-ERR The 'default' user cannot be removed\r\n:1\r\n");
    await app.waitClosed();
    expect(srv.clientCount()).toBe(1);
  });
});

describe('CLIENT', () => {
  it('names, lists and kills clients', async () => {
    const { server: srv, port } = await server();
    const a = await connect(port);
    const b = await connect(port);
    a.write(
      Buffer.concat([
        encodeCommand(['CLIENT', 'SETNAME', 'watcher']),
        encodeCommand(['CLIENT', 'ID']),
        encodeCommand(['CLIENT', 'SETNAME', 'bad name']),
      ]),
    );
    const [ok, id] = [await a.take(1), await a.take(1)];
    expect(ok).toBe('+OK\r\n');
    expect(await a.take(1)).toBe(
      '-ERR Client names cannot contain spaces, newlines or special characters.\r\n',
    );
    const aId = Number(id.slice(1, -2));
    b.write(encodeCommand(['CLIENT', 'LIST']));
    const list = await b.take(1);
    const lines = list.split('\n').filter((l) => l.includes('id='));
    expect(lines).toHaveLength(2);
    expect(list).toMatch(
      new RegExp(
        `id=${aId} addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${port} fd=-?\\d+ name=watcher age=\\d+ idle=\\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=\\d+ qbuf-free=\\d+ argv-mem=\\d+ multi-mem=0 rbs=\\d+ rbp=\\d+ obl=0 oll=0 omem=\\d+ tot-mem=\\d+ events=r cmd=client\\|setname user=default redir=-1 resp=2`,
      ),
    );
    b.write(
      Buffer.concat([
        encodeCommand(['CLIENT', 'KILL', 'ID', String(aId)]),
        encodeCommand(['CLIENT', 'KILL', '1.2.3.4:5']),
        encodeCommand(['CLIENT', 'KILL', 'TYPE', 'bogus']),
      ]),
    );
    expect(await b.take(3)).toBe(":1\r\n-ERR No such client\r\n-ERR Unknown client type 'bogus'\r\n");
    await a.waitClosed();
    expect(srv.clientCount()).toBe(1);
    b.write(encodeCommand(['CLIENT', 'KILL', 'SKIPME', 'no']));
    expect(await b.take(1)).toBe(':1\r\n');
    await b.waitClosed();
  });

  it('silences replies with CLIENT REPLY OFF and SKIP', async () => {
    const { port } = await server();
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['CLIENT', 'REPLY', 'OFF']),
        encodeCommand(['PING', 'hidden']),
        encodeCommand(['CLIENT', 'REPLY', 'ON']),
        encodeCommand(['CLIENT', 'REPLY', 'SKIP']),
        encodeCommand(['PING', 'skipped']),
        encodeCommand(['PING', 'shown']),
      ]),
    );
    expect(await c.take(2)).toBe('+OK\r\n$5\r\nshown\r\n');
  });

  it('holds commands during CLIENT PAUSE and runs them in order afterwards', async () => {
    const { server: srv, port } = await server();
    const pauser = await connect(port);
    const other = await connect(port);
    const before = Date.now();
    pauser.write(encodeCommand(['CLIENT', 'PAUSE', '300', 'ALL']));
    expect(await pauser.take(1)).toBe('+OK\r\n');
    const after = Date.now();
    // The pause ends 300 ms after the server read the command, on the server's clock.
    const until = srv.pauseState()?.until ?? 0;
    expect(until).toBeGreaterThanOrEqual(before + 300);
    expect(until).toBeLessThanOrEqual(after + 300);
    other.write(Buffer.concat([encodeCommand(['PING', 'a']), encodeCommand(['PING', 'b'])]));
    // Held: the server read the first PING and postponed it, and answered nothing.
    await waitFor(() => srv.clients().some((c) => c.isPostponed()), {
      timeoutMs: 3000,
      what: 'a postponed client',
    });
    expect(other.unread.length).toBe(0);
    expect(srv.pauseState()).not.toBeNull();
    // Released, in order, by the end of the pause and not before it (less a millisecond: Node's
    // timers and Date.now() round differently).
    expect(await other.take(2)).toBe('$1\r\na\r\n$1\r\nb\r\n');
    expect(srv.pauseState()).toBeNull();
    expect(Date.now()).toBeGreaterThanOrEqual(until - 1);
    pauser.write(
      Buffer.concat([
        encodeCommand(['CLIENT', 'PAUSE', 'x']),
        encodeCommand(['CLIENT', 'PAUSE', '-1']),
        encodeCommand(['CLIENT', 'PAUSE', '1', 'READ']),
      ]),
    );
    expect(await pauser.take(3)).toBe(
      '-ERR timeout is not an integer or out of range\r\n-ERR timeout is negative\r\n-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n',
    );
  });
});

describe('configuration', () => {
  it('applies rename-command: the new name works, the old one is unknown, empty disables', async () => {
    const { port } = await server({
      renameCommands: [
        ['client', 'cl'],
        ['shutdown', ''],
      ],
    });
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['CLIENT', 'ID']),
        encodeCommand(['CL', 'nope']),
        encodeCommand(['SHUTDOWN']),
        encodeCommand(['COMMAND', 'COUNT']),
      ]),
    );
    expect(await c.take(4)).toBe(
      "-ERR unknown command 'CLIENT', with args beginning with: 'ID' \r\n" +
        "-ERR unknown subcommand 'nope'. Try CL HELP.\r\n" +
        "-ERR unknown command 'SHUTDOWN', with args beginning with: \r\n" +
        ':14\r\n',
    );
  });

  it('matches renamed names byte for byte with only A-Z folded, as strcasecmp in the C locale', async () => {
    const { port } = await server({ renameCommands: [['ping', 'píng']] });
    const c = await connect(port);
    c.write(
      Buffer.concat([
        encodeCommand(['PíNG']),
        encodeCommand(['PÍNG']),
        encodeCommand(['pín']),
        encodeCommand(['píngs']),
      ]),
    );
    const unknown = (name: string) =>
      Buffer.from(`-ERR unknown command '${name}', with args beginning with: \r\n`).toString('latin1');
    expect(await c.take(4)).toBe('+PONG\r\n' + unknown('PÍNG') + unknown('pín') + unknown('píngs'));
  });

  it('closes idle clients after `timeout` seconds, but not subscribers', async () => {
    const { server: srv, port } = await server({ timeout: 1 });
    const idle = await connect(port);
    const sub = await connect(port);
    sub.write(encodeCommand(['SUBSCRIBE', 'x']));
    await sub.take(1);
    await idle.waitClosed(4000);
    expect(sub.closed).toBe(false);
    expect(srv.clientCount()).toBe(1);
  });

  it('refuses clients beyond maxclients with the Redis message', async () => {
    const { port } = await server({ maxclients: 1 });
    const first = await connect(port);
    first.write(encodeCommand(['PING']));
    await first.take(1);
    const second = await connect(port);
    expect(await second.take(1)).toBe('-ERR max number of clients reached\r\n');
    await second.waitClosed();
  });

  it('does not listen on TCP with port 0 but can serve a unix socket', async () => {
    const sock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'resp-')), 's.sock');
    const { ctx } = fakeContext(serverConfig({ port: 0, unixsocket: sock }));
    const srv = new RespServer(ctx);
    await srv.listen();
    try {
      expect(srv.addresses()).toEqual([sock]);
      const reply1 = await new Promise<string>((resolve, reject) => {
        const s = net.createConnection(sock, () => s.write('CLIENT INFO\r\n'));
        s.once('data', (d) => {
          resolve(d.toString());
          s.destroy();
        });
        s.once('error', reject);
      });
      expect(reply1).toContain(`addr=${sock}:0 laddr=${sock}:0`);
      expect(reply1).toContain(' flags=U ');
    } finally {
      await srv.close();
    }
    expect(fs.existsSync(sock)).toBe(false);
  });

  it('close() stops listening and drops connected clients at once', async () => {
    const port = await freePort();
    const { ctx } = fakeContext(serverConfig({ port }));
    const srv = new RespServer(ctx);
    await srv.listen();
    const c = await connect(port);
    c.write(encodeCommand(['SUBSCRIBE', 'x']));
    await c.take(1);
    await srv.close();
    await c.waitClosed();
    expect(srv.clientCount()).toBe(0);
    await expect(RespClient.connect(port)).rejects.toThrow();
  });
});
