// Public API of @rslab/sim for the server, the web's types and the benchmarks.

// Network and clock contracts
export { NetworkError, formatHostPort, type Duplex, type HostPort, type Listener, type Network } from './net/network';
export { VirtualNetwork, type VirtualNetworkOptions } from './net/virtual';
export { FaultModel, LINK_DELAY_MILLIS_MAX, type FaultSnapshot, type FaultListener } from './net/faults';
export type { Clock, TimerHandle } from './clock/clock';
export { VirtualClock, VIRTUAL_EPOCH_MILLIS, drainMicrotasks, type YieldFn } from './clock/virtual';
export { ClockWentBackError, RealClock, ScaledClock, SharedClockAnchor, virtualAt, type ClockReading, type ScaledClockOptions } from './clock/realClock';
export { yieldToEventLoop } from './clock/realYield';
export { Random } from './random/random';

// Commands
export type { CommandHandler, CommandRequest, ConnectionInfo } from './commands/handler';
export { electionIdForTerm, helloReply } from './commands/handshake';

// One mongod
export { Member, parseReplSetOption, type MemberOptions, type MemberEventListener, type LogEntry } from './member/member';
// A member's MemberOptions.machine: this process and machine, for hostInfo and serverStatus().mem.
export { processMachineFacts } from './cli/machine';
export type { MachineFacts, HostFacts } from './commands/machine';
export type { CrudCommands, CrudContext } from './commands/crud/context';
export type { ServerNode } from './commands/serverNode';
export { DirectPeerTransport, type PeerTransport, type DirectPeerTransportOptions } from './member/transport';

// The replica-set protocol
export {
  ReplCoordinator,
  DEFAULT_REPL_PARAMETERS,
  DEFAULT_OPLOG_BYTES_MAX,
  MIB_BYTES,
  newPersistedReplState,
  copyPersistedReplState,
  type PersistedReplState,
  type ReplParameters,
  type RollbackFile,
  type WriteConcern,
} from './repl/coordinator';
export type { MemberEvent, ReplEventBody, ReplEventType } from './repl/events';
export { MemberState, stateName, type MemberStateName } from './repl/state';
export { compareOpTime, formatOpTime, opTimeToBson, tsSecs, tsInc, NULL_OPTIME, type OpTime } from './base/optime';
export { DEFAULT_SETTINGS, configToDocument, replSetConfigCodec, type ReplSetConfig, type MemberConfig, type ReplSetSettings } from './repl/config';
export type { OplogEntry, OplogOp } from './storage/oplog';

// Harness and simulator
export { Cluster, CommandTimeoutError, type ClusterOptions, type MemberSnapshot } from './harness/cluster';
export { runScript, ScriptError, type ScriptResult } from './harness/script';
export { simulateRun, simulateMany, replayCommand, type SimulationRunResult, type SimulationSummary, type SimulationOptions } from './simulate/run';

// Wire protocol, logs and the mingo-backed storage, for hosts that serve members (the server's sandboxes, sim-mongod)
export { serveWire, WireConnectionStats, type ServeWireOptions, type WireListener } from './wire/server';
export { WireClient, WirePeerTransport } from './wire/client';
export { MongoLogger, formatLogLine, type Logger, type LogEntry as LogLineEntry } from './log/log';
export { LogIds, type LogIdName, type LogLine } from './log/ids';
export { Storage, type ReplStorage, type RolledBackDocument, type StorageLimits } from './storage/index';
export { newDurableReplState, type ConfigCodec, type DurableReplState, type ReplJournal } from './storage/replState';
export { createMemberCrudCommands } from './commands/crud';
export { TcpNetwork, type TcpNetworkOptions } from './net/tcp';
export {
  decodeMessage,
  encodeOpMsg,
  encodeOpQuery,
  encodeOpReply,
  opMsgCommand,
  opQueryCommand,
  MessageFramer,
  MalformedMessageError,
  type WireMessage,
  type OpMsgMessage,
  type OpQueryMessage,
  type OpReplyMessage,
  type DecodedCommand,
} from './wire/codec';
export { MemoryLogger } from './log/log';
export { Journal, JournalError, DEFAULT_JOURNAL_LIMITS, type JournalLimits, type JournalOptions } from './storage/journal';
export { MemoryJournalFileSystem, NodeJournalFileSystem, type JournalFileSystem } from './storage/journalFs';
export type { MemberJournal } from './member/member';
export type { PeerView, ReplPersistence } from './repl/coordinator';
export {
  RecordedCluster,
  RecordingFullError,
  MomentOutOfRangeError,
  defaultRecordingLimits,
  momentDigest,
  replayTo,
  type DbPathCopy,
  type InputBody,
  type RecordedInput,
  type Recording,
  type RecordingLimits,
  type RecordingShape,
  type Snapshot,
} from './recording/recording';
