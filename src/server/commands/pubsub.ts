/**
 * SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE and the sentinel's PUBLISH, which only
 * accepts hello messages and never relays them to local subscribers.
 */
import { reply, type Reply } from '../../protocol/reply';
import type { ClientSession } from '../client';
import { errorReply } from '../replies';
import type { CommandCall } from '../types';

export const HELLO_CHANNEL = '__sentinel__:hello';

/** Subscription confirmations travel like messages: pushes that CLIENT REPLY OFF does not hide. */
function notify(client: ClientSession, kind: string, name: string | null): void {
  const target: Reply = name === null ? reply.null : reply.bulk(Buffer.from(name, 'latin1'));
  client.pushMessage(reply.push([reply.bulk(kind), target, reply.int(client.subscriptionCount())]));
}

export function subscribe(call: CommandCall): void {
  const { client, host } = call;
  for (const a of call.argv.slice(1)) {
    const ch = a.toString('latin1');
    if (!client.channels.has(ch)) {
      client.channels.add(ch);
      host.pubsub.subscribe(client, ch);
    }
    notify(client, 'subscribe', ch);
  }
}

export function psubscribe(call: CommandCall): void {
  const { client, host } = call;
  for (const a of call.argv.slice(1)) {
    const p = a.toString('latin1');
    if (!client.patterns.has(p)) {
      client.patterns.add(p);
      host.pubsub.psubscribe(client, p);
    }
    notify(client, 'psubscribe', p);
  }
}

export function unsubscribe(call: CommandCall): void {
  const { client, host } = call;
  const names =
    call.argv.length > 1 ? call.argv.slice(1).map((a) => a.toString('latin1')) : [...client.channels];
  for (const ch of names) {
    if (client.channels.delete(ch)) host.pubsub.unsubscribe(client, ch);
    notify(client, 'unsubscribe', ch);
  }
  if (names.length === 0) notify(client, 'unsubscribe', null);
}

export function punsubscribe(call: CommandCall): void {
  const { client, host } = call;
  const names =
    call.argv.length > 1 ? call.argv.slice(1).map((a) => a.toString('latin1')) : [...client.patterns];
  for (const p of names) {
    if (client.patterns.delete(p)) host.pubsub.punsubscribe(client, p);
    notify(client, 'punsubscribe', p);
  }
  if (names.length === 0) notify(client, 'punsubscribe', null);
}

export function publish(call: CommandCall): void {
  if (!(call.argv[1] as Buffer).equals(Buffer.from(HELLO_CHANNEL))) {
    call.reply(errorReply('SNT_ERR_PUBLISH_NOT_HELLO'));
    return;
  }
  call.host.ctx.onHelloPublish(call.str(2));
  call.reply(reply.int(1));
}
