/**
 * The devkit: what the tests, the demo and the benchmarks start and watch Redis deployments with.
 * Free ports, waits with deadlines, a process registry that kills every child by pid, redis-server
 * and sentinel starters, a raw RESP client, a feed of sentinel events, a writer that reports its
 * acknowledged writes, and a lab of network namespaces for real partitions. Not part of the package.
 */
export * from './event-feed';
export * from './instance';
export * from './netns';
export * from './ports';
export * from './processes';
export * from './redis';
export * from './redis-cli';
export * from './repo';
export * from './resp';
export * from './resp-client';
export * from './sentinel-views';
export * from './sentinels';
export * from './tls';
export * from './wait';
export * from './writer';
export { EVENTS, FAILOVER_STEPS, MASTER_SWITCHED, isEventName } from '../src/core/events';
export * from './writers';
