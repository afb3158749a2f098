import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AclConfigError, aclStoreFromConfig } from '../../../src/server/acl/config';
import { loadAclFile, saveAclFile } from '../../../src/server/acl/file';
import { AclStore } from '../../../src/server/acl/store';
import { hashPassword } from '../../../src/server/acl/user';
import { HANDLERS } from '../../../src/server/commands';
import { CommandRegistry } from '../../../src/server/registry';
import { serverConfig } from './helpers';

const registry = new CommandRegistry(HANDLERS);
const newStore = (): AclStore => new AclStore(registry.original);
const spec = (name: string) => {
  const c = registry.byName(name);
  if (c === undefined) throw new Error(name);
  return c;
};

describe('AclStore', () => {
  it('starts with the default user allowed everything without a password', () => {
    const acl = newStore();
    expect(acl.describe(acl.defaultUser)).toBe('on nopass ~* &* +@all');
    expect(acl.defaultRequiresAuth()).toBe(false);
    expect(acl.authenticate('default', Buffer.from('anything'))).toBe(acl.defaultUser);
  });

  it('applies requirepass, then user lines, from the config', () => {
    const acl = aclStoreFromConfig(
      serverConfig({ requirepass: 's3cret', users: [['ops', 'on', '>pässword', '+@all']] }),
      registry.original,
    );
    expect(acl.defaultRequiresAuth()).toBe(true);
    expect(acl.describe(acl.defaultUser)).toBe(`on #${hashPassword('s3cret')} ~* &* +@all`);
    expect(acl.authenticate('default', Buffer.from('s3cret'))).toBe(acl.defaultUser);
    expect(acl.authenticate('default', Buffer.from('nope'))).toBeNull();
    // Passwords are bytes: a UTF-8 password from the config matches the same bytes sent by a client.
    expect(acl.authenticate('ops', Buffer.from('pässword', 'utf8'))?.name).toBe('ops');
  });

  it('refuses user lines together with an aclfile, and bad rules, like Redis at start-up', () => {
    expect(() =>
      aclStoreFromConfig(serverConfig({ users: [['a', 'on']], aclfile: '/x' }), registry.original),
    ).toThrow(AclConfigError);
    expect(() => aclStoreFromConfig(serverConfig({ users: [['a', '+nosuch']] }), registry.original)).toThrow(
      "Error loading ACL rule '+nosuch' for the user named 'a': Unknown command or category name in ACL",
    );
  });

  it('applies all rules of SETUSER or none', () => {
    const acl = newStore();
    expect(acl.setUser('u', ['on', '>pw', '+ping'])).toBeNull();
    expect(acl.setUser('u', ['off', '+nosuch'])).toEqual({
      code: 'SNT_ERR_ACL_SETUSER',
      message: "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
    });
    const u = acl.get('u');
    expect(u?.enabled).toBe(true);
    expect(acl.authenticate('u', Buffer.from('pw'))).toBe(u);
    expect(acl.setUser('u', ['off'])).toBeNull();
    expect(acl.authenticate('u', Buffer.from('pw'))).toBeNull();
  });

  it('evaluates command, subcommand and category rules', () => {
    const acl = newStore();
    acl.setUser('u', ['+@all', '-@admin', '+client|kill', '-ping']);
    const u = acl.get('u');
    if (u === undefined) throw new Error('no user');
    const can = (name: string, ...argv: string[]): boolean =>
      acl.checkCommand(
        u,
        spec(name),
        spec(name).flags.includes('no_auth'),
        argv.map((a) => Buffer.from(a)),
      );
    expect(can('client|kill')).toBe(true);
    expect(can('client|list')).toBe(false);
    expect(can('sentinel|masters')).toBe(false);
    // As in Redis: -@admin hits the SENTINEL container, which takes all its subcommands along.
    expect(can('sentinel|help')).toBe(false);
    expect(can('ping')).toBe(false);
    // AUTH and HELLO are always allowed, whatever the rules say.
    acl.setUser('u', ['-@all']);
    expect(can('auth')).toBe(true);
    expect(can('info')).toBe(false);
    acl.setUser('u', ['+info|server']);
    expect(can('info', 'INFO', 'SERVER')).toBe(true);
    expect(can('info', 'INFO', 'cpu')).toBe(false);
    expect(acl.describeCommands(u)).toBe('-@all +info|server');
  });

  it('describes users the way ACL LIST does', () => {
    const acl = newStore();
    acl.setUser('a', ['on', '>pw', '+@all', '-@dangerous', '+info']);
    // Only INFO and the @admin commands are @dangerous here, so Redis's optimiser says -@admin.
    expect(acl.describe(acl.get('a') as never)).toBe(`on #${hashPassword('pw')} resetchannels +@all -@admin`);
    acl.setUser('b', ['reset', '%R~cache:*', '~other', '&+switch-master', '+@pubsub', '-publish']);
    expect(acl.describe(acl.get('b') as never)).toBe(
      'off sanitize-payload %R~cache:* ~other resetchannels &+switch-master -@all +@pubsub -publish',
    );
  });

  it('matches channels by pattern and pattern subscriptions literally', () => {
    const acl = newStore();
    acl.setUser('u', ['&+switch-*']);
    const u = acl.get('u');
    if (u === undefined) throw new Error('no user');
    expect(acl.checkChannel(u, '+switch-master', false)).toBe(true);
    expect(acl.checkChannel(u, '+sdown', false)).toBe(false);
    expect(acl.checkChannel(u, '+switch-*', true)).toBe(true);
    expect(acl.checkChannel(u, '+switch-m*', true)).toBe(false);
  });

  it('keeps a log of denials, grouping repeats', () => {
    const acl = newStore();
    const entry = {
      reason: 'command' as const,
      context: 'toplevel' as const,
      object: 'ping',
      username: 'u',
      clientInfo: 'id=1',
    };
    acl.addLogEntry({ ...entry, ctime: 1000 });
    acl.addLogEntry({ ...entry, ctime: 2000 });
    acl.addLogEntry({ ...entry, object: 'role', ctime: 3000 });
    expect(acl.log.map((e) => [e.object, e.count])).toEqual([
      ['role', 1],
      ['ping', 2],
    ]);
  });

  it('saves and loads an ACL file, all or nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acl-'));
    const file = path.join(dir, 'users.acl');
    try {
      const acl = newStore();
      acl.setUser('app', ['on', '>pw', '+ping', '&chan']);
      saveAclFile(acl, file);
      expect(fs.readFileSync(file, 'utf8')).toBe(
        `user app on #${hashPassword('pw')} resetchannels &chan -@all +ping\nuser default on nopass ~* &* +@all\n`,
      );
      const other = newStore();
      expect(loadAclFile(other, file)).toBeNull();
      expect(other.list().map((u) => u.name)).toEqual(['app', 'default']);
      expect(other.authenticate('app', Buffer.from('pw'))?.name).toBe('app');

      fs.writeFileSync(file, 'user a on +nosuch\nnotuser x\n');
      expect(loadAclFile(other, file)).toBe(
        `${file}:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. ` +
          `${file}:2 should start with user keyword followed by the username. ` +
          'WARNING: ACL errors detected, no change to the previously active ACL rules was performed',
      );
      expect(other.list().map((u) => u.name)).toEqual(['app', 'default']);
      expect(loadAclFile(other, path.join(dir, 'missing'))).toBe(
        `Error loading ACLs, opening file '${path.join(dir, 'missing')}': No such file or directory`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
