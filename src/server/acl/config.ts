/** The ACL as the config declares it at start-up: requirepass, `user` lines, the aclfile. */
import type { ServerConfig } from '../../config/types';
import type { AclCommand } from './commands';
import { loadAclFile } from './file';
import { RULE_ERRORS } from './rules';
import { AclStore } from './store';
import { fromBinary, toBinary } from './user';

/** Thrown at start-up for ACL configuration Redis refuses to start with. */
export class AclConfigError extends Error {
  readonly code = 'SNT_ERR_ACL_CONFIG';
}

/** requirepass, then `user` lines, then the aclfile: the order Redis loads them in. */
export function aclStoreFromConfig(server: ServerConfig, commands: readonly AclCommand[]): AclStore {
  const store = new AclStore(commands);
  if (server.requirepass !== undefined) store.setDefaultPassword(toBinary(server.requirepass));
  if (server.aclfile !== undefined && server.users.length > 0) {
    throw new AclConfigError(
      'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
    );
  }
  for (const [utf8Name, ...utf8Rules] of server.users) {
    if (utf8Name === undefined) continue;
    const failed = store.defineUser(toBinary(utf8Name), utf8Rules.map(toBinary));
    if (failed !== null) {
      throw new AclConfigError(
        `Error loading ACL rule '${fromBinary(failed.rule)}' for the user named '${utf8Name}': ${RULE_ERRORS[failed.error]}`,
      );
    }
  }
  if (server.aclfile !== undefined) {
    const errors = loadAclFile(store, server.aclfile);
    if (errors !== null) throw new AclConfigError(`Aborting Redis startup because of ACL errors: ${errors}`);
  }
  return store;
}
