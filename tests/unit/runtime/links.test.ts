import { DEFAULT_CONNECT_TIMEOUT_MS, LinkManager, type LinkSink } from '../../../src/runtime/links';
import type { LinkReply } from '../../../src/core/actions';
import {
  freePort,
  inlineCommand,
  type Instance,
  sleep,
  startRedis,
  teardownAfterAll,
  waitFor,
} from '../../helpers/devkit';

teardownAfterAll();

class RecordingSink implements LinkSink {
  readonly connected: [number, string][] = [];
  readonly replies = new Map<number, LinkReply>();
  readonly replyOrder: number[] = [];
  readonly closed: [number, string][] = [];
  readonly messages: [number, string, string][] = [];

  onConnected(conn: number, localIp: string): void {
    this.connected.push([conn, localIp]);
  }
  onReply(token: number, reply: LinkReply): void {
    this.replies.set(token, reply);
    this.replyOrder.push(token);
  }
  onConnectionClosed(conn: number, reason: string): void {
    this.closed.push([conn, reason]);
  }
  onPubsubMessage(conn: number, channel: string, message: string): void {
    this.messages.push([conn, channel, message]);
  }
}

describe('LinkManager against a real redis-server', () => {
  let redis: Instance;
  let sink: RecordingSink;
  let links: LinkManager;

  beforeAll(async () => {
    redis = await startRedis({ args: ['--rename-command', 'CONFIG', 'cfg-renamed'] });
  });
  afterAll(async () => {
    await redis.kill9();
  });
  beforeEach(() => {
    sink = new RecordingSink();
    links = new LinkManager(sink, { connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
  });
  afterEach(() => {
    links.closeAll();
  });

  const connect = (conn: number, port = redis.port) =>
    links.execute({ kind: 'connect', conn, link: 1, channel: 'cmd', ip: '127.0.0.1', port });
  const send = (conn: number, token: number, ...command: string[]) =>
    links.execute({ kind: 'send', conn, token, command });

  it('sends commands queued right after connect, in order, once connected', async () => {
    expect(await inlineCommand(redis.port, 'CFG-RENAMED RESETSTAT')).toBe('+OK\r\n');
    connect(1);
    send(1, 10, 'CLIENT', 'SETNAME', 'sentinel-abcdef12-cmd');
    send(1, 11, 'PING');
    send(1, 12, 'CLIENT', 'GETNAME');
    await waitFor(() => sink.replies.size === 3, { timeoutMs: 5000, intervalMs: 10, what: 'three replies' });
    expect(sink.replyOrder).toEqual([10, 11, 12]);
    expect(sink.replies.get(10)).toEqual({ ok: true, value: 'OK' });
    expect(sink.replies.get(11)).toEqual({ ok: true, value: 'PONG' });
    expect(sink.replies.get(12)).toEqual({ ok: true, value: 'sentinel-abcdef12-cmd' });
    expect(sink.connected).toEqual([[1, '127.0.0.1']]);
    // Nothing else was sent on our behalf: no HELLO, CLIENT SETINFO, SELECT or ready-check INFO.
    const stats = await inlineCommand(redis.port, 'INFO commandstats');
    const called = [...stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(([, cmd, n]) => `${cmd}=${n}`);
    expect(called.sort()).toEqual(['client|getname=1', 'client|setname=1', 'config|resetstat=1', 'ping=1']);
    const list = await inlineCommand(redis.port, 'CLIENT LIST');
    expect(list.split('\n').find((l) => l.includes('name=sentinel-abcdef12-cmd'))).toMatch(/ resp=2\b/);
  });

  it('reports error replies as errors and string replies as strings', async () => {
    connect(1);
    send(1, 1, 'NOPE', 'x');
    send(1, 2, 'INFO', 'server');
    send(1, 3, 'CFG-RENAMED', 'GET', 'port');
    await waitFor(() => sink.replies.size === 3, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.replies.size === 3',
    });
    expect(sink.replies.get(1)).toEqual({
      ok: false,
      error: "ERR unknown command 'NOPE', with args beginning with: 'x' ",
    });
    const info = sink.replies.get(2);
    expect(info?.ok && typeof info.value === 'string' && info.value.startsWith('# Server\r\n')).toBe(true);
    expect(sink.replies.get(3)).toEqual({ ok: true, value: ['port', String(redis.port)] });
  });

  it('sends MULTI ... EXEC as plain commands', async () => {
    connect(1);
    send(1, 1, 'MULTI');
    send(1, 2, 'SET', 'k', 'v');
    send(1, 3, 'CLIENT', 'SETNAME', 'in-tx');
    send(1, 4, 'EXEC');
    await waitFor(() => sink.replies.size === 4, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.replies.size === 4',
    });
    expect(sink.replies.get(1)).toEqual({ ok: true, value: 'OK' });
    expect(sink.replies.get(2)).toEqual({ ok: true, value: 'QUEUED' });
    expect(sink.replies.get(3)).toEqual({ ok: true, value: 'QUEUED' });
    expect(sink.replies.get(4)).toEqual({ ok: true, value: ['OK', 'OK'] });
    // A queueing error aborts the transaction with Redis' own text.
    send(1, 5, 'MULTI');
    send(1, 6, 'SET', 'k');
    send(1, 7, 'EXEC');
    await waitFor(() => sink.replies.size === 7, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.replies.size === 7',
    });
    expect(sink.replies.get(6)).toEqual({
      ok: false,
      error: "ERR wrong number of arguments for 'set' command",
    });
    expect(sink.replies.get(7)).toEqual({
      ok: false,
      error: 'EXECABORT Transaction discarded because of previous errors.',
    });
  });

  it('delivers hello messages on a subscribed connection', async () => {
    links.execute({
      kind: 'connect',
      conn: 7,
      link: 1,
      channel: 'pubsub',
      ip: '127.0.0.1',
      port: redis.port,
    });
    send(7, 1, 'CLIENT', 'SETNAME', 'sentinel-abcdef12-pubsub');
    send(7, 2, 'SUBSCRIBE', '__sentinel__:hello');
    await waitFor(() => sink.replies.size === 2, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.replies.size === 2',
    });
    expect(sink.replies.get(2)).toEqual({ ok: true, value: 1 });
    connect(8);
    send(8, 3, 'PUBLISH', '__sentinel__:hello', '127.0.0.1,26379,abc,0,mymaster,127.0.0.1,6379,0');
    await waitFor(() => sink.messages.length === 1, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.messages.length === 1',
    });
    expect(sink.replies.get(3)).toEqual({ ok: true, value: 1 });
    expect(sink.messages).toEqual([
      [7, '__sentinel__:hello', '127.0.0.1,26379,abc,0,mymaster,127.0.0.1,6379,0'],
    ]);
  });

  it('reports a refused connect once and answers none of its commands', async () => {
    const deadPort = await freePort();
    connect(3, deadPort);
    send(3, 1, 'PING');
    await waitFor(() => sink.closed.length === 1, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.closed.length === 1',
    });
    await sleep(100);
    expect(sink.closed).toEqual([[3, `connect ECONNREFUSED 127.0.0.1:${deadPort}`]]);
    expect(sink.replies.size).toBe(0);
    expect(sink.connected).toEqual([]);
    expect(links.size()).toBe(0);
  });

  it('reports a connection the server drops exactly once', async () => {
    connect(4);
    send(4, 1, 'CLIENT', 'SETNAME', 'to-be-killed');
    await waitFor(() => sink.replies.size === 1, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.replies.size === 1',
    });
    expect(await inlineCommand(redis.port, 'CLIENT KILL TYPE normal SKIPME yes')).toMatch(/^:[1-9]/);
    await waitFor(() => sink.closed.length === 1, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.closed.length === 1',
    });
    await sleep(100);
    expect(sink.closed.map(([conn]) => conn)).toEqual([4]);
    expect(links.size()).toBe(0);
  });

  it('does not report a close the core asked for, nor replies after it', async () => {
    connect(5);
    send(5, 1, 'PING');
    await waitFor(() => sink.replies.size === 1, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.replies.size === 1',
    });
    send(5, 2, 'DEBUG', 'SLEEP', '0.2');
    links.execute({ kind: 'close', conn: 5 });
    send(5, 3, 'PING');
    await sleep(400);
    expect(sink.closed).toEqual([]);
    expect([...sink.replies.keys()]).toEqual([1]);
    expect(links.size()).toBe(0);
  });

  it('binds the source address when bind-source-addr is set', async () => {
    const bound = new LinkManager(sink, { connectTimeoutMs: 1000, bindSourceAddr: '127.0.0.1' });
    bound.execute({ kind: 'connect', conn: 1, link: 1, channel: 'cmd', ip: '127.0.0.1', port: redis.port });
    await waitFor(() => sink.connected.length === 1, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.connected.length === 1',
    });
    expect(sink.connected).toEqual([[1, '127.0.0.1']]);
    bound.closeAll();
    // An address that is not local cannot be bound: proof the option reaches the socket.
    const unbindable = new LinkManager(sink, { connectTimeoutMs: 1000, bindSourceAddr: '192.0.2.1' });
    unbindable.execute({
      kind: 'connect',
      conn: 2,
      link: 1,
      channel: 'cmd',
      ip: '127.0.0.1',
      port: redis.port,
    });
    await waitFor(() => sink.closed.length === 1, {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'sink.closed.length === 1',
    });
    expect(sink.closed[0]?.[0]).toBe(2);
    expect(sink.closed[0]?.[1]).toMatch(/EADDRNOTAVAIL/);
  });
});
