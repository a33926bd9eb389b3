/**
 * Every log line the simulator writes, as `{id, msg}`: the one table of log ids, one message per id
 * (checked when this module loads). Log calls take an entry from here, never a bare number or
 * their own text; what varies goes in `attr`, as in mongod's structured log.
 *
 * Where the line is one mongod writes, the id and message are mongod 7.0's own (its `LOGV2(id,
 * "...")` call sites), so tools that wait for a message (mongodb-memory-server waits for "Waiting
 * for connections" and "Transition to primary complete; database writes are now permitted") and
 * people who grep for an id find them. Lines mongod has no counterpart for — the simulator's own —
 * use ids 19000–19999, which mongod does not use.
 */
export interface LogLine {
  readonly id: number;
  readonly msg: string;
}

export const LogIds = {
  // ---- CONTROL (mongod)
  mongodStarting: { id: 4615611, msg: 'MongoDB starting' },
  buildInfo: { id: 23403, msg: 'Build Info' },
  operatingSystem: { id: 51765, msg: 'Operating System' },
  optionsSet: { id: 21951, msg: 'Options set by command line' },
  dbExceptionInInitAndListen: { id: 20557, msg: 'DBException in initAndListen, terminating' },
  errorSettingUpListener: { id: 20568, msg: 'Error setting up listener' },
  receivedSignal: { id: 23377, msg: 'Received signal' },
  terminateAfterCurrentCmd: { id: 23381, msg: 'will terminate after current cmd ends' },
  nowExiting: { id: 20565, msg: 'Now exiting' },
  shuttingDown: { id: 23138, msg: 'Shutting down' },
  accessControlNotEnabled: { id: 22120, msg: 'Access control is not enabled for the database. Read and write access to data and configuration is unrestricted' },
  writingFatalMessage: { id: 4757800, msg: 'Writing fatal message' },
  // ---- NETWORK (mongod)
  listeningOn: { id: 23015, msg: 'Listening on' },
  waitingForConnections: { id: 23016, msg: 'Waiting for connections' },
  failedToSetUpListener: { id: 23024, msg: 'Failed to set up listener' },
  closingListeningSockets: { id: 20562, msg: 'Shutdown: going to close listening sockets' },
  connectionAccepted: { id: 22943, msg: 'Connection accepted' },
  connectionEnded: { id: 22944, msg: 'Connection ended' },
  connectionRefusedTooMany: { id: 22942, msg: 'Connection refused because there are too many open connections' },
  clientMetadata: { id: 51800, msg: 'client metadata' },
  errorReceivingRequest: { id: 22989, msg: 'Error receiving request from client. Ending connection from remote' },
  unsupportedOpCode: { id: 22992, msg: 'Unsupported opcode, ending connection' },
  // ---- COMMAND (mongod)
  assertionWhileExecutingCommand: { id: 21962, msg: 'Assertion while executing command' },
  // ---- STORAGE (mongod)
  replSetResizeOplogSuccess: { id: 20497, msg: 'replSetResizeOplog success' },
  // ---- REPL (mongod)
  noLocalConfigAtStartup: { id: 21313, msg: 'Did not find local replica set configuration document at startup' },
  stateTransition: { id: 21358, msg: 'Replica set state transition' },
  newConfigInUse: { id: 21392, msg: 'New replica set config in use' },
  newlyAddedAppended: {
    id: 4634400,
    msg: "Appended the 'newlyAdded' field to a node in the new config. Nodes with the 'newlyAdded' field will be considered to have 'votes:0'. Upon transition to SECONDARY, this field will be automatically removed.",
  },
  newlyAddedProvided: { id: 4634900, msg: "Initializing 'newlyAdded' field to member has failed with bad status." },
  newlyAddedRemovalScheduled: { id: 4634501, msg: "Scheduled automatic reconfig to remove 'newlyAdded' field." },
  newlyAddedRemovalBeginning: { id: 4634505, msg: "Beginning automatic reconfig to remove 'newlyAdded' config field" },
  newlyAddedRemovalFailed: { id: 4634503, msg: "Failed to remove 'newlyAdded' config field" },
  newlyAddedRemoved: { id: 4634504, msg: "Removed 'newlyAdded' config field" },
  initiateWithDefaultConfig: { id: 21357, msg: 'replSetInitiate admin command received from client; no configuration specified. Using a default configuration for the set' },
  memberInNewState: { id: 21215, msg: 'Member is in new state' },
  memberDown: { id: 21216, msg: 'Member is now in state DOWN' },
  invalidConfigFromHeartbeat: { id: 21489, msg: 'Not installing an invalid config from a heartbeat' },
  invalidConfigInHeartbeatReply: { id: 21490, msg: 'Received an invalid config in a heartbeat' },
  enteringCatchUp: { id: 21359, msg: 'Entering primary catch-up mode' },
  exitedCatchUp: { id: 21363, msg: 'Exited primary catch-up mode' },
  transitionToPrimaryComplete: { id: 21331, msg: 'Transition to primary complete; database writes are now permitted' },
  cannotSeeMajority: { id: 21809, msg: "Can't see a majority of the set, relinquishing primary" },
  steppingDown: { id: 21402, msg: 'Stepping down from primary' },
  handingOffElection: { id: 21335, msg: 'Handing off election to a caught-up secondary' },
  updatePositionFailed: { id: 21797, msg: 'replSetUpdatePosition failed' },
  syncSourceChosen: { id: 21799, msg: 'Sync source candidate chosen' },
  syncSourceNotInConfig: { id: 21831, msg: 'Choosing new sync source because current sync source is not in our config' },
  syncSourceLagging: { id: 21834, msg: 'Choosing new sync source because the most recent OpTime of our sync source is more than maxSyncSourceLagSecs behind another member' },
  syncSourceCycleInCatchUp: {
    id: 5898800,
    msg: 'Choosing new sync source because we are in primary catchup but our current sync source is also syncing from us but is not ahead of us',
  },
  syncSourceNotPrimaryWithoutSource: {
    id: 21832,
    msg: 'Choosing new sync source. Our current sync source is not primary and does not have a sync source, so we require that it is ahead of us',
  },
  syncSourceUserRequested: { id: 21829, msg: 'Choosing new sync source because the user has requested a sync source' },
  syncSourceByRequest: { id: 21782, msg: 'Choosing sync source candidate by request' },
  syncSourceChainingNewPrimary: { id: 3962100, msg: 'Choosing new sync source because chaining is disabled and we are aware of a new primary' },
  syncSourceNotPreferred: { id: 5929000, msg: 'Choosing new sync source because our current sync source does not satisfy our strict criteria for candidates, but there is another member which does satisfy these criteria' },
  syncSourceMuchCloser: {
    id: 4744901,
    msg: 'Choosing new sync source because we have found another potential sync source that is significantly closer than our current sync source',
  },
  syncFromBehind: { id: 21837, msg: 'Attempting to sync from sync source, but it is more than 10 seconds behind us' },
  stopReplProducer: { id: 21079, msg: 'bgsync - stopReplProducer fail point enabled. Blocking until fail point is disabled.' },
  initialSyncDone: { id: 21192, msg: 'Initial sync done' },
  initialSyncAttemptFailed: { id: 21200, msg: 'Initial sync attempt failed' },
  initialSyncRetriesExhausted: { id: 21202, msg: 'The maximum number of retries have been exhausted for initial sync' },
  initialSyncCloneStarted: { id: 19051, msg: 'Initial sync: cloning the sync source from its last oplog entry' },
  initialSyncCloneDone: { id: 19052, msg: 'Initial sync: clone done; applying the oplog from the clone start' },
  rollbackBeforeInitialData: { id: 19053, msg: 'Rollback refused: the common point is before the point initial sync made the data consistent; this member needs a resync' },
  // ---- ELECTION (mongod)
  electionTimeout: { id: 4615652, msg: "Starting an election, since we've seen no PRIMARY in election timeout period" },
  priorityTakeover: { id: 4615660, msg: 'Starting an election for a priority takeover' },
  catchUpTakeover: { id: 4615662, msg: 'Starting an election for a catchup takeover' },
  catchUpTakeoverScheduled: { id: 4615648, msg: 'Scheduling catchup takeover' },
  catchUpTakeoverCanceled: { id: 21485, msg: 'Canceling catchup takeover callback' },
  catchUpTakeoverNotElectable: { id: 4615658, msg: 'Not starting an election for a catchup takeover, since we are not electable' },
  dryRunElection: { id: 21438, msg: 'Conducting a dry run election to see if we could be elected' },
  dryRunSucceeded: { id: 21444, msg: 'Dry election run succeeded, running for election' },
  electionSucceeded: { id: 21450, msg: 'Election succeeded, assuming primary role' },
  votingForCandidate: { id: 5972100, msg: 'Voting for candidate' },
  // ---- ROLLBACK (mongod)
  transitionToRollback: { id: 21593, msg: 'Transition to ROLLBACK' },
  rollbackSummary: { id: 21612, msg: 'Rollback summary' },
  rollbackCommonPoint: { id: 21607, msg: 'Rollback common point' },
  invariantFailure: { id: 23079, msg: 'Invariant failure' },
  abortingAfterInvariantFailure: { id: 23080, msg: '\n\n***aborting after invariant() failure\n\n' },
  // ---- the simulator's own (19000–19999)
  removedOption: { id: 19000, msg: 'Option accepted for compatibility and ignored by sim-mongod' },
  restRemoved: { id: 19001, msg: 'The REST interface (--rest) was removed in MongoDB 3.6; the option is accepted and ignored' },
  keyFileIgnored: { id: 19002, msg: 'keyFile accepted and ignored: sim-mongod does not authenticate members' },
  setParameterIgnored: { id: 19003, msg: 'setParameter accepted and ignored by sim-mongod' },
  memberStopFailed: { id: 19004, msg: 'Error while stopping the member' },
  shutdownFailed: { id: 19005, msg: 'Error during shutdown' },
  memberStartFailed: { id: 19006, msg: 'Member failed to start' },
  internalCommandError: { id: 19010, msg: 'Command failed with an internal error' },
  connectionClosedHandlerFailed: { id: 19011, msg: 'connectionClosed handler failed' },
  requestProcessingFailed: { id: 19012, msg: 'Error processing request, ending connection' },
  fireAndForgetOnNonPrimary: { id: 19013, msg: 'Closing connection after a fire-and-forget write on a non-primary' },
  replySerializationFailed: { id: 19014, msg: 'Could not serialize reply' },
  invalidMessage: { id: 19015, msg: 'Invalid message from client, ending connection' },
  foundLocalConfigAtStartup: { id: 19020, msg: 'Found local replica set configuration document at startup' },
  steppedDownToSecondary: { id: 19021, msg: 'transition to SECONDARY from PRIMARY' },
  updatingTerm: { id: 19022, msg: 'Updating term' },
  listedUnderAlias: { id: 19023, msg: 'This node is in the config under another of its names' },
  notBecomingPrimary: { id: 19024, msg: 'Not becoming primary' },
  oplogFetcherFailed: { id: 19025, msg: 'Oplog fetcher failed' },
  denylistingSyncSource: { id: 19026, msg: 'Denylisting sync source' },
  tooStaleForSyncSource: { id: 19027, msg: 'We are too stale to use the sync source; this member needs a resync' },
  rollbackNoCommonPoint: { id: 19028, msg: 'Rollback failed: no common point with the sync source; this member needs a resync' },
  heartbeatFailed: { id: 19030, msg: 'Heartbeat failed' },
  stepUpRequestFailed: { id: 19031, msg: 'replSetStepUp to the hand-off target failed' },
  configFetchFailed: { id: 19032, msg: 'Fetching a newer config from a member failed' },
  forcedShutdownStepDownFailed: { id: 19033, msg: 'Step-down before a forced shutdown failed; shutting down anyway' },
  journalTornTail: { id: 19040, msg: 'Journal ends in a torn or corrupt record: cutting it off' },
  journalRemovedAfterTornRecord: { id: 19041, msg: 'Removing a journal that follows a torn record' },
  journalRecoveryDone: { id: 19042, msg: 'Journal recovery done' },
  journalWriteFailed: { id: 19043, msg: 'Journal write failed: durability can no longer be promised' },
  checkpointWritten: { id: 19044, msg: 'Checkpoint written' },
  failPointSet: { id: 23829, msg: 'Set failpoint' },
  goingToKillOp: { id: 20482, msg: 'Going to kill op' },
  failCommandClosingConnection: { id: 19050, msg: "Failing command via 'failCommand' failpoint: closing connection" },
} as const satisfies Record<string, LogLine>;

export type LogIdName = keyof typeof LogIds;

// One message per id: a second entry with the same id is a mistake in the table.
(() => {
  const seen = new Map<number, string>();
  for (const [name, line] of Object.entries(LogIds) as [string, LogLine][]) {
    const other = seen.get(line.id);
    if (other !== undefined) throw new Error(`LogIds: id ${line.id} is listed twice (${other}, ${name})`);
    seen.set(line.id, name);
  }
})();
