import type { Document } from 'bson';
import { serverError } from '../base/errors';
import type { ReplSetConfig } from './config';
import { LogIds } from '../log/ids';
import { isVoter, votingMajority } from './config';
import type { ReplContext } from './context';
import { errorMessage } from './context';
import { implicitDefaultWriteConcern } from './writeConcern';

/**
 * replSetInitiate and replSetReconfig: the topology core checks the new config, the quorum check
 * asks the proposed members over the wire (every one for initiate, a majority of voters for a
 * reconfig; a forced reconfig asks no one), then the core takes the config into use (mongod's
 * ReplicationCoordinatorImpl::processReplSetInitiate/Reconfig with its QuorumChecker).
 */

/** replSetInitiate, with a config document or (undefined) self plus seeds. */
export async function initiate(ctx: ReplContext, configDoc: Document | undefined): Promise<Document> {
  const { topology } = ctx;
  const { config, defaultConfig } = topology.prepareInitiate(configDoc);
  await quorumCheck(ctx, config, true);
  topology.commitInitiate(config);
  // mongod puts its notes before `ok` when it made the config itself.
  return defaultConfig ? { info2: 'no configuration specified. Using a default configuration for the set', me: topology.self, ok: 1 } : { ok: 1 };
}

/**
 * replSetReconfig: the core's checks, the quorum check (none when forced), the config taken into
 * use; then, unless forced, wait until it is committed (replset_commands.cpp CmdReplSetReconfig →
 * ReplicationCoordinatorImpl::awaitConfigCommitment: a majority of voters have it and the previous
 * config's commit point is committed in it) — up to `maxTimeMS` (MaxTimeMSExpired), else as long
 * as this member stays primary (PrimarySteppedDown).
 */
export async function reconfig(ctx: ReplContext, configDoc: Document, force: boolean, maxTimeMS: number | undefined, installed: () => void): Promise<Document> {
  const { topology, timers } = ctx;
  const started = timers.now();
  const current = topology.config;
  const config = topology.prepareReconfig(configDoc, force);
  // _doReplSetReconfig: a config that changes the implicit default write concern (w:1 versus
  // w:"majority", repl/writeConcern.ts) is refused, forced or not, unless a cluster-wide default is set.
  if (current !== undefined && implicitDefaultWriteConcern(current).w !== implicitDefaultWriteConcern(config).w && ctx.ports.customDefaultWriteConcernSet?.() !== true) {
    throw serverError(
      'NewReplicaSetConfigurationIncompatible',
      'Reconfig attempted to install a config that would change the implicit default write concern. Use the setDefaultRWConcern command to set a cluster-wide write concern and try the reconfig again.',
    );
  }
  if (!force) await quorumCheck(ctx, config, false);
  topology.commitReconfig(config, force);
  installed();
  if (force) return { ok: 1 };
  for (;;) {
    if (ctx.stopped()) throw serverError('InterruptedAtShutdown', 'interrupted at shutdown');
    if (!topology.isWritablePrimary) {
      throw serverError('PrimarySteppedDown', `replSetReconfig should only be run on a writable PRIMARY. Current state ${topology.state};`);
    }
    const missing = topology.configNotCommitted(true);
    if (missing === undefined) return { ok: 1 };
    const left = maxTimeMS === undefined ? CONFIG_COMMITMENT_POLL_MILLIS : started + maxTimeMS - timers.now();
    if (left <= 0) throw serverError('MaxTimeMSExpired', `${missing} :: caused by :: operation exceeded time limit`);
    await timers.sleep(Math.min(CONFIG_COMMITMENT_POLL_MILLIS, left));
  }
}

/**
 * The automatic reconfig that removes a member's `newlyAdded` mark (replication_coordinator_impl.cpp
 * _reconfigToRemoveNewlyAddedField): a safe reconfig of the config the heartbeat saw, version + 1,
 * with its quorum check; it does not wait for the new config to be committed. A failure is only
 * logged (4634503): the next heartbeat from the member schedules another attempt.
 */
export async function removeNewlyAdded(ctx: ReplContext, memberId: number, version: number, configTerm: number): Promise<void> {
  const { topology, ports } = ctx;
  ports.log('I', 'REPL', LogIds.newlyAddedRemovalBeginning, { memberId });
  try {
    const config = topology.prepareNewlyAddedRemoval(memberId, version, configTerm);
    await quorumCheck(ctx, config, false);
    topology.commitReconfig(config, false);
  } catch (e) {
    ports.log('D1', 'REPL', LogIds.newlyAddedRemovalFailed, { memberId, error: errorMessage(e) });
    return;
  }
  ports.log('I', 'REPL', LogIds.newlyAddedRemoved, { memberId });
}

/** How often a reconfig waiting for its config to be committed looks again (heartbeats bring the news). */
const CONFIG_COMMITMENT_POLL_MILLIS = 100;

/** Every proposed member must answer (initiate) or a majority of voters (reconfig). */
async function quorumCheck(ctx: ReplContext, config: ReplSetConfig, all: boolean): Promise<void> {
  const { topology, ports } = ctx;
  const others = config.members.filter((m) => !topology.isSelf(m.host));
  const results = await Promise.all(
    others.map(async (m) => {
      try {
        const reply = await ports.send(
          m.host,
          'admin',
          { replSetHeartbeat: config._id, configVersion: config.version, configTerm: config.term, hbv: 1, from: topology.self, fromId: -1, term: topology.term, checkEmpty: all },
          config.settings.heartbeatTimeoutSecs * 1000,
        );
        if (reply.ok !== 1) return `${m.host} failed with ${String(reply.errmsg)}`;
        if (all && reply.set && reply.set !== config._id) return `${m.host} failed with is already a member of replica set ${String(reply.set)}`;
        if (all && typeof reply.configVersion === 'number' && reply.configVersion > 0 && reply.set === config._id) {
          return `${m.host} failed with Our replica set config is invalid or we are not a member of it`;
        }
        return null;
      } catch (e) {
        return `${m.host} failed with ${errorMessage(e)}`;
      }
    }),
  );
  const failures = results.filter((r): r is string => r !== null);
  if (all && failures.length > 0) {
    throw serverError(
      'NodeNotFound',
      `replSetInitiate quorum check failed because not all proposed set members responded affirmatively: ${failures.join(', ')}`,
    );
  }
  if (!all) {
    const responded = config.members.filter((m) => topology.isSelf(m.host) || !results[others.indexOf(m)]);
    const votes = responded.filter(isVoter).length;
    if (votes < votingMajority(config)) {
      throw serverError(
        'NodeNotFound',
        `Quorum check failed because not enough voting nodes responded; required ${votingMajority(config)} but only the following ${votes} voting nodes responded: ${responded.map((m) => m.host).join(', ')}; the following nodes did not respond affirmatively: ${failures.join(', ')}`,
      );
    }
  }
}
