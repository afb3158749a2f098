/**
 * The commands that exist in sentinel mode (COMMAND COUNT = 15, COMMAND LIST = 72 names), with
 * the arity, flags, ACL categories, tips and documentation summary that redis-sentinel 7.0.15
 * reports through COMMAND INFO / COMMAND DOCS, and what the dispatcher needs beyond them. The
 * one place that names commands and gives their arities: handlers are attached by name in
 * commands/index.ts (typed against this table), config and SENTINEL take names from here.
 */

export interface CommandDoc {
  readonly summary: string;
  readonly since: string;
  readonly group: string;
  readonly complexity?: string;
  readonly deprecatedSince?: string;
  readonly replacedBy?: string;
}

/** Which arguments the ACL checks as channels: argv[first..last] (last -1: to the end). */
export interface ChannelArgSpec {
  readonly first: number;
  readonly last: number;
  /** PSUBSCRIBE's arguments are patterns, matched literally against the user's. */
  readonly patterns: boolean;
}

export interface CommandMeta {
  /** Lower-case name; for a subcommand, the part after `|`. */
  readonly name: string;
  /** Redis convention: positive = exact argc, negative = minimum argc. */
  readonly arity: number;
  /** What COMMAND INFO shows when we accept more than redis-sentinel 7.0 (its arity). */
  readonly shownArity?: number;
  readonly flags: readonly string[];
  /** ACL categories without the `@`. */
  readonly categories: readonly string[];
  readonly tips?: readonly string[];
  /** Redis's CMD_MAY_REPLICATE, hidden from COMMAND INFO: CLIENT PAUSE WRITE holds it back. */
  readonly mayReplicate?: boolean;
  /** Allowed to a RESP2 client in subscribed mode (Redis lists these handlers in processCommand). */
  readonly pubsubContext?: boolean;
  readonly channelArgs?: ChannelArgSpec;
  readonly doc: CommandDoc;
  readonly subcommands?: readonly CommandMeta[];
}

export const SENTINEL_COMMANDS = [
  {
    name: 'shutdown',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
    categories: ['admin', 'slow', 'dangerous'],
    doc: {
      summary: 'Synchronously save the dataset to disk and then shut down the server',
      since: '1.0.0',
      group: 'server',
      complexity:
        'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
    },
  },
  {
    name: 'info',
    arity: -1,
    flags: ['loading', 'stale'],
    categories: ['slow', 'dangerous'],
    tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
    doc: {
      summary: 'Get information and statistics about the server',
      since: '1.0.0',
      group: 'server',
      complexity: 'O(1)',
    },
  },
  {
    name: 'auth',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    categories: ['fast', 'connection'],
    doc: {
      summary: 'Authenticate to the server',
      since: '1.0.0',
      group: 'connection',
      complexity: 'O(N) where N is the number of passwords defined for the user',
    },
  },
  {
    name: 'role',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast'],
    categories: ['admin', 'fast', 'dangerous'],
    doc: {
      summary: 'Return the role of the instance in the context of replication',
      since: '2.8.12',
      group: 'server',
      complexity: 'O(1)',
    },
  },
  {
    name: 'command',
    arity: -1,
    flags: ['loading', 'stale'],
    categories: ['slow', 'connection'],
    tips: ['nondeterministic_output_order'],
    doc: {
      summary: 'Get array of Redis command details',
      since: '2.8.13',
      group: 'server',
      complexity: 'O(N) where N is the total number of Redis commands',
    },
    subcommands: [
      {
        name: 'getkeys',
        arity: -4,
        flags: ['loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Extract keys given a full Redis command',
          since: '2.8.13',
          group: 'server',
          complexity: 'O(N) where N is the number of arguments to the command',
        },
      },
      {
        name: 'list',
        arity: -2,
        flags: ['loading', 'stale'],
        categories: ['slow', 'connection'],
        tips: ['nondeterministic_output_order'],
        doc: {
          summary: 'Get an array of Redis command names',
          since: '7.0.0',
          group: 'server',
          complexity: 'O(N) where N is the total number of Redis commands',
        },
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Show helpful text about the different subcommands',
          since: '5.0.0',
          group: 'server',
          complexity: 'O(1)',
        },
      },
      {
        name: 'info',
        arity: -2,
        flags: ['loading', 'stale'],
        categories: ['slow', 'connection'],
        tips: ['nondeterministic_output_order'],
        doc: {
          summary: 'Get array of specific Redis command details, or all when no argument is given.',
          since: '2.8.13',
          group: 'server',
          complexity: 'O(N) where N is the number of commands to look up',
        },
      },
      {
        name: 'getkeysandflags',
        arity: -4,
        flags: ['loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Extract keys and access flags given a full Redis command',
          since: '7.0.0',
          group: 'server',
          complexity: 'O(N) where N is the number of arguments to the command',
        },
      },
      {
        name: 'count',
        arity: 2,
        flags: ['loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Get total number of Redis commands',
          since: '2.8.13',
          group: 'server',
          complexity: 'O(1)',
        },
      },
      {
        name: 'docs',
        arity: -2,
        flags: ['loading', 'stale'],
        categories: ['slow', 'connection'],
        tips: ['nondeterministic_output_order'],
        doc: {
          summary: 'Get array of specific Redis command documentation',
          since: '7.0.0',
          group: 'server',
          complexity: 'O(N) where N is the number of commands to look up',
        },
      },
    ],
  },
  {
    name: 'client',
    arity: -2,
    flags: [],
    categories: ['slow'],
    doc: {
      summary: 'A container for client connection commands',
      since: '2.4.0',
      group: 'connection',
      complexity: 'Depends on subcommand.',
    },
    subcommands: [
      {
        name: 'trackinginfo',
        arity: 2,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Return information about server assisted client side caching for the current connection',
          since: '6.2.0',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Show helpful text about the different subcommands',
          since: '5.0.0',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'list',
        arity: -2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous', 'connection'],
        tips: ['nondeterministic_output'],
        doc: {
          summary: 'Get the list of client connections',
          since: '2.4.0',
          group: 'connection',
          complexity: 'O(N) where N is the number of client connections',
        },
      },
      {
        name: 'info',
        arity: 2,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow', 'connection'],
        tips: ['nondeterministic_output'],
        doc: {
          summary: 'Returns information about the current client connection.',
          since: '6.2.0',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'no-evict',
        arity: 3,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous', 'connection'],
        doc: {
          summary: 'Set client eviction mode for the current connection',
          since: '7.0.0',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'id',
        arity: 2,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Returns the client ID for the current connection',
          since: '5.0.0',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'unpause',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous', 'connection'],
        doc: {
          summary: 'Resume processing of clients that were paused',
          since: '6.2.0',
          group: 'connection',
          complexity: 'O(N) Where N is the number of paused clients',
        },
      },
      {
        name: 'getredir',
        arity: 2,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Get tracking notifications redirection client ID if any',
          since: '6.0.0',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'setname',
        arity: 3,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Set the current connection name',
          since: '2.6.9',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'reply',
        arity: 3,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Instruct the server whether to reply to commands',
          since: '3.2.0',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'pause',
        arity: -3,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous', 'connection'],
        doc: {
          summary: 'Stop processing commands from clients for some time',
          since: '2.9.50',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'caching',
        arity: 3,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Instruct the server about tracking or not keys in the next request',
          since: '6.0.0',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
      {
        name: 'unblock',
        arity: -3,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous', 'connection'],
        doc: {
          summary: 'Unblock a client blocked in a blocking command from a different connection',
          since: '5.0.0',
          group: 'connection',
          complexity: 'O(log N) where N is the number of client connections',
        },
      },
      {
        name: 'tracking',
        arity: -3,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Enable or disable server assisted client side caching support',
          since: '6.0.0',
          group: 'connection',
          complexity: 'O(1). Some options may introduce additional complexity.',
        },
      },
      {
        name: 'kill',
        arity: -3,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous', 'connection'],
        doc: {
          summary: 'Kill the connection of a client',
          since: '2.4.0',
          group: 'connection',
          complexity: 'O(N) where N is the number of client connections',
        },
      },
      {
        name: 'getname',
        arity: 2,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow', 'connection'],
        doc: {
          summary: 'Get the current connection name',
          since: '2.6.9',
          group: 'connection',
          complexity: 'O(1)',
        },
      },
    ],
  },
  {
    name: 'unsubscribe',
    arity: -1,
    flags: ['pubsub', 'noscript', 'loading', 'stale'],
    categories: ['pubsub', 'slow'],
    pubsubContext: true,
    doc: {
      summary: 'Stop listening for messages posted to the given channels',
      since: '2.0.0',
      group: 'pubsub',
      complexity: 'O(N) where N is the number of clients already subscribed to a channel.',
    },
  },
  {
    name: 'hello',
    arity: -1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    categories: ['fast', 'connection'],
    doc: {
      summary: 'Handshake with Redis',
      since: '6.0.0',
      group: 'connection',
      complexity: 'O(1)',
    },
  },
  {
    name: 'punsubscribe',
    arity: -1,
    flags: ['pubsub', 'noscript', 'loading', 'stale'],
    categories: ['pubsub', 'slow'],
    pubsubContext: true,
    doc: {
      summary: 'Stop listening for messages posted to channels matching the given patterns',
      since: '2.0.0',
      group: 'pubsub',
      complexity:
        'O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).',
    },
  },
  {
    name: 'subscribe',
    arity: -2,
    flags: ['pubsub', 'noscript', 'loading', 'stale'],
    categories: ['pubsub', 'slow'],
    pubsubContext: true,
    channelArgs: { first: 1, last: -1, patterns: false },
    doc: {
      summary: 'Listen for messages published to the given channels',
      since: '2.0.0',
      group: 'pubsub',
      complexity: 'O(N) where N is the number of channels to subscribe to.',
    },
  },
  {
    name: 'publish',
    arity: 3,
    flags: ['pubsub', 'loading', 'stale', 'fast'],
    categories: ['pubsub', 'fast'],
    mayReplicate: true,
    channelArgs: { first: 1, last: 1, patterns: false },
    doc: {
      summary: 'Post a message to a channel',
      since: '2.0.0',
      group: 'pubsub',
      complexity:
        'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
    },
  },
  {
    name: 'psubscribe',
    arity: -2,
    flags: ['pubsub', 'noscript', 'loading', 'stale'],
    categories: ['pubsub', 'slow'],
    pubsubContext: true,
    channelArgs: { first: 1, last: -1, patterns: true },
    doc: {
      summary: 'Listen for messages published to channels matching the given patterns',
      since: '2.0.0',
      group: 'pubsub',
      complexity: 'O(N) where N is the number of patterns the client is already subscribed to.',
    },
  },
  {
    name: 'sentinel',
    arity: -2,
    flags: ['admin'],
    categories: ['admin', 'slow', 'dangerous'],
    doc: {
      summary: 'A container for Sentinel commands',
      since: '2.8.4',
      group: 'sentinel',
      complexity: 'Depends on subcommand.',
    },
    subcommands: [
      {
        name: 'monitor',
        arity: 6,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Start monitoring',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
      {
        name: 'myid',
        arity: 2,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Get the Sentinel instance ID',
          since: '6.2.0',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
      {
        name: 'is-master-down-by-addr',
        arity: 6,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Check if a master is down',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
      {
        name: 'masters',
        arity: 2,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'List the monitored masters',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(N) where N is the number of masters',
        },
      },
      {
        name: 'remove',
        arity: 3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Stop monitoring',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
      {
        name: 'replicas',
        arity: 3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'List the monitored replicas',
          since: '5.0.0',
          group: 'sentinel',
          complexity: 'O(N) where N is the number of replicas',
        },
      },
      {
        name: 'info-cache',
        arity: -3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Get cached INFO from the instances in the deployment',
          since: '3.2.0',
          group: 'sentinel',
          complexity: 'O(N) where N is the number of instances',
        },
      },
      {
        name: 'debug',
        arity: -2,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'List or update the current configurable parameters',
          since: '7.0.0',
          group: 'sentinel',
          complexity: 'O(N) where N is the number of configurable parameters',
        },
      },
      {
        name: 'get-master-addr-by-name',
        arity: 3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Get port and address of a master',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
      {
        name: 'config',
        arity: -3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Configure Sentinel',
          since: '6.2.0',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
      {
        name: 'pending-scripts',
        arity: 2,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Get information about pending scripts',
          since: '2.8.4',
          group: 'sentinel',
        },
      },
      {
        name: 'reset',
        arity: 3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Reset masters by name pattern',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(N) where N is the number of monitored masters',
        },
      },
      {
        name: 'simulate-failure',
        arity: -3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Simulate failover scenarios',
          since: '3.2.0',
          group: 'sentinel',
        },
      },
      {
        name: 'failover',
        // COORDINATED [FORCE] may follow the name (Valkey 9 takes COORDINATED too).
        arity: -3,
        shownArity: 3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Force a failover',
          since: '2.8.4',
          group: 'sentinel',
        },
      },
      {
        name: 'flushconfig',
        arity: 2,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Rewrite configuration file',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
      {
        name: 'set',
        arity: -5,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Change the configuration of a monitored master',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
      {
        name: 'sentinels',
        arity: 3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'List the Sentinel instances',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(N) where N is the number of Sentinels',
        },
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        categories: ['slow'],
        doc: {
          summary: 'Show helpful text about the different subcommands',
          since: '6.2.0',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
      {
        name: 'ckquorum',
        arity: 3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Check for a Sentinel quorum',
          since: '2.8.4',
          group: 'sentinel',
        },
      },
      {
        name: 'slaves',
        arity: 3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'List the monitored slaves',
          since: '2.8.0',
          group: 'sentinel',
          complexity: 'O(N) where N is the number of slaves',
          deprecatedSince: '5.0.0',
          replacedBy: '`SENTINEL REPLICAS`',
        },
      },
      {
        name: 'master',
        arity: 3,
        flags: ['admin'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Shows the state of a master',
          since: '2.8.4',
          group: 'sentinel',
          complexity: 'O(1)',
        },
      },
    ],
  },
  {
    name: 'ping',
    arity: -1,
    flags: ['fast'],
    categories: ['fast', 'connection'],
    pubsubContext: true,
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    doc: {
      summary: 'Ping the server',
      since: '1.0.0',
      group: 'connection',
      complexity: 'O(1)',
    },
  },
  {
    name: 'acl',
    arity: -2,
    flags: [],
    categories: ['slow'],
    doc: {
      summary: 'A container for Access List Control commands ',
      since: '6.0.0',
      group: 'server',
      complexity: 'Depends on subcommand.',
    },
    subcommands: [
      {
        name: 'load',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Reload the ACLs from the configured ACL file',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(N). Where N is the number of configured users.',
        },
      },
      {
        name: 'deluser',
        arity: -3,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Remove the specified ACL users and the associated rules',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(1) amortized time considering the typical user.',
        },
      },
      {
        name: 'genpass',
        arity: -2,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow'],
        doc: {
          summary: 'Generate a pseudorandom secure password to use for ACL users',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(1)',
        },
      },
      {
        name: 'dryrun',
        arity: -4,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Returns whether the user can execute the given command without executing the command.',
          since: '7.0.0',
          group: 'server',
          complexity: 'O(1).',
        },
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        categories: ['slow'],
        doc: {
          summary: 'Show helpful text about the different subcommands',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(1)',
        },
      },
      {
        name: 'list',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'List the current ACL rules in ACL config file format',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(N). Where N is the number of configured users.',
        },
      },
      {
        name: 'cat',
        arity: -2,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow'],
        doc: {
          summary: 'List the ACL categories or the commands inside a category',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(1) since the categories and commands are a fixed set.',
        },
      },
      {
        name: 'log',
        arity: -2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'List latest events denied because of ACLs in place',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(N) with N being the number of entries shown.',
        },
      },
      {
        name: 'save',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Save the current ACL rules in the configured ACL file',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(N). Where N is the number of configured users.',
        },
      },
      {
        name: 'users',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'List the username of all the configured ACL rules',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(N). Where N is the number of configured users.',
        },
      },
      {
        name: 'getuser',
        arity: 3,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Get the rules for a specific ACL user',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(N). Where N is the number of password, command and pattern rules that the user has.',
        },
      },
      {
        name: 'setuser',
        arity: -3,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        categories: ['admin', 'slow', 'dangerous'],
        doc: {
          summary: 'Modify or create the rules for a specific ACL user',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(N). Where N is the number of rules provided.',
        },
      },
      {
        name: 'whoami',
        arity: 2,
        flags: ['noscript', 'loading', 'stale'],
        categories: ['slow'],
        doc: {
          summary: 'Return the name of the user associated to the current connection',
          since: '6.0.0',
          group: 'server',
          complexity: 'O(1)',
        },
      },
    ],
  },
] as const satisfies readonly CommandMeta[];

/** A top-level command's name. */
export type CommandName = (typeof SENTINEL_COMMANDS)[number]['name'];

/** The callable commands before any rename-command: the only valid rename-command sources. */
export const COMMAND_NAMES: readonly CommandName[] = SENTINEL_COMMANDS.map((c) => c.name);

type SentinelContainer = Extract<(typeof SENTINEL_COMMANDS)[number], { readonly name: 'sentinel' }>;

/** A SENTINEL subcommand's name (`masters`, `get-master-addr-by-name`, ...). */
export type SentinelSubcommand = SentinelContainer['subcommands'][number]['name'];

/** SENTINEL's subcommands in table order; the dispatcher has checked arity before SENTINEL runs. */
export const SENTINEL_SUBCOMMAND_NAMES: readonly SentinelSubcommand[] = (
  SENTINEL_COMMANDS.find((c) => c.name === 'sentinel') as SentinelContainer
).subcommands.map((s) => s.name);
