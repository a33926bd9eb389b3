/**
 * mongod's log ids for the lines the simulator prints. Tools match on `msg` (mongodb-memory-server
 * waits for "Waiting for connections" and "transition to primary complete; database writes are now
 * permitted"), people grep for `id`; both are mongod 7.0's.
 */
export const LogIds = {
  // CONTROL
  mongodStarting: 4615611, // "MongoDB starting"
  buildInfo: 23403, // "Build Info"
  operatingSystem: 51765, // "Operating System"
  optionsSet: 21951, // "Options set by command line"
  dbExceptionInInitAndListen: 20557, // "DBException in initAndListen, terminating"
  errorSettingUpListener: 20568, // "Error setting up listener"
  receivedSignal: 23377, // "Received signal"
  terminateAfterCurrentCmd: 23381, // "will terminate after current cmd ends"
  nowExiting: 20565, // "Now exiting"
  shuttingDown: 23138, // "Shutting down"
  startupWarning: 22120, // access control is not enabled (startup warning)
  removedOption: 20880, // our note for options mongod removed (e.g. --rest)
  // NETWORK
  listeningOn: 23015, // "Listening on"
  waitingForConnections: 23016, // "Waiting for connections"
  failedToSetUpListener: 23024, // "Failed to set up listener"
  connectionAccepted: 22943, // "Connection accepted"
  connectionEnded: 22944, // "Connection ended"
  connectionRefusedTooMany: 22942, // "Connection refused because there are too many open connections"
  clientMetadata: 51800, // "client metadata"
  errorReceivingRequest: 22989, // "Error receiving request from client. Ending connection from remote"
  invalidMessage: 22988, // "Error receiving request from client" (bad message)
  unsupportedOpCode: 22992, // "Unsupported opcode"
  // COMMAND
  assertionWhileExecutingCommand: 21962, // "Assertion while executing command"
  // REPL
  stateTransition: 21358, // "Replica set state transition"
  transitionToPrimaryComplete: 21331, // "Transition to primary complete; database writes are now permitted"
} as const;

export type LogIdName = keyof typeof LogIds;
