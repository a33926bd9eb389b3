import type { Document } from 'bson';
import type { MemberView } from '@rslab/protocol';
import type { CheckView } from './scope';
import type { ProcessView, ShellRecord } from './view';

type Api = 'Connection' | 'MongoClient' | 'mongosh';

/**
 * The kinds of check a lesson step can use, as data. Each judges the sandbox and, when it does not
 * pass, says in one sentence what is missing.
 *
 * What a check credits is scoped (see `CheckView`): the state a step asks for (members running,
 * a config, a primary) is judged as it is now, built during this lesson; what the learner must
 * *do* in the step (type a line, kill a member, read, step down, partition) counts only when it
 * happened after the step began, or after the step's prediction. So nothing done in an earlier
 * lesson, an earlier step or for another step passes a step.
 */
export type CheckSpec =
  | { kind: 'commandRan'; language: ShellRecord['language']; pattern: string; description: string }
  | { kind: 'membersRunning'; replSetName: string; ports: readonly number[] }
  | { kind: 'clientOpen'; api?: Api; direct: boolean; port?: number }
  | { kind: 'setInitiated'; members: number }
  | { kind: 'setHealthy'; secondaries: number }
  | { kind: 'clientDiscoveredSet'; members: number }
  | { kind: 'documentOnPrimary'; ns: string; field: string; value: unknown }
  | { kind: 'askedWhoIsPrimary'; afterFailover: boolean }
  | { kind: 'primaryKilled'; signal?: 'SIGKILL' | 'SIGTERM' }
  | { kind: 'errorAfterKill'; errorNames: readonly string[] }
  | { kind: 'newPrimaryElected' }
  | {
      kind: 'operationAfterFailover';
      operation: 'read' | 'write';
      api?: Api;
      withoutError?: boolean;
      /** Only operations through a client that was already connected when the primary was killed. */
      openedBeforeKill?: boolean;
    }
  | { kind: 'rolledBack'; ns: string; field: string; value: unknown }
  | { kind: 'documentSurvivedFailover'; ns: string; field: string; value: unknown }
  | { kind: 'primaryIs'; port: number }
  | { kind: 'steppedDownWhilePartitioned' }
  | { kind: 'readWithoutPrimary' }
  | { kind: 'clusterEvent'; eventKind: string; description: string; port?: number }
  | {
      kind: 'memberConfig';
      port: number;
      /** False: the member must not be in the set's config. */
      present?: boolean;
      priority?: number;
      votes?: number;
      hidden?: boolean;
      arbiterOnly?: boolean;
    }
  | { kind: 'votingMembers'; count: number }
  | { kind: 'reconfigured'; description: string }
  | {
      kind: 'operationServed';
      operation: 'read' | 'write' | 'command';
      /** The state the serving member was in, or its port. */
      by: 'PRIMARY' | 'SECONDARY' | number;
      api?: Api;
      /** A regular expression the typed line must match. */
      pattern?: string;
      /** Only through a client connected to the set (not `directConnection`). */
      viaSet?: boolean;
      description: string;
    }
  | { kind: 'errorSeen'; errorNames: readonly string[]; description: string }
  | { kind: 'noPrimaryFor'; seconds: number; running: number }
  | { kind: 'restartedAll'; ports: readonly number[] }
  | { kind: 'operationsOk'; api: Api; minimum: number }
  | { kind: 'noneKilled' }
  /** A client opened in the step from one seed that is a secondary, which wrote through to the primary. */
  | { kind: 'clientFromOneSecondary' }
  /** Members started in this step, now running. */
  | { kind: 'startedInStep'; count: number }
  /** The member with the highest priority (one alone) won an election in this step and is primary. */
  | { kind: 'priorityTakeover' }
  /**
   * Each member on `ports` was stopped in this step and runs again (started in this step), in
   * `state` when given, with `argv` on its command line when given.
   */
  | { kind: 'restartedMember'; ports: readonly number[]; state?: MemberView['state']; argv?: string }
  /** A partition made in this step has left the same primary in place for `seconds`. */
  | { kind: 'stablePrimaryFor'; seconds: number }
  /** In this step, a read with read concern "local" showed `text` and one with "majority" did not. */
  | { kind: 'readConcernCompared'; text: string }
  /**
   * The member on `port` is stopped (stopped in this lesson) and the oplog of every other running
   * data-bearing member now starts after that stop: none still holds the entries it would need to
   * catch up ("Replica Set Oplog", the oplog window).
   */
  | { kind: 'oplogRolledPast'; port: number }
  /** The member on `port` holds the documents of `ns` that the primary holds (by `_id`), and no others. */
  | { kind: 'sameDocuments'; port: number; ns: string }
  /** The member on `port` was started in this step and runs, in `state` when given. */
  | { kind: 'memberStarted'; port: number; state?: MemberView['state'] }
  | { kind: 'all'; checks: readonly CheckSpec[] };

export type CheckResult = { passed: true } | { passed: false; reason: string };

const pass: CheckResult = { passed: true };
const fail = (reason: string): CheckResult => ({ passed: false, reason });

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

function membersIn(view: CheckView, state: MemberView['state']): MemberView[] {
  return view.cluster.members.filter((member) => member.state === state);
}

/** Lines typed since the step began (or since its prediction). */
function stepRecords(view: CheckView): ShellRecord[] {
  return view.shellHistory.filter((record) => view.step.record(record));
}

/** The latest kill of a primary in this lesson (`step`: in this step only). */
function lastPrimaryKill(view: CheckView, scope: 'lesson' | 'step' = 'lesson'): ProcessView | null {
  return lastKill(view, scope, 'PRIMARY');
}

/** The latest kill of a member (in `stateThen` when given) in this lesson (`step`: in this step only). */
function lastKill(view: CheckView, scope: 'lesson' | 'step', stateThen?: MemberView['state']): ProcessView | null {
  const since = scope === 'step' ? view.step : view.lesson;
  let latest: ProcessView | null = null;
  for (const process of view.processes) {
    if (!since.killed(process) || !process.killed || (stateThen !== undefined && process.killed.stateThen !== stateThen)) continue;
    if (!latest || process.killed.at > (latest.killed?.at ?? 0)) latest = process;
  }
  return latest;
}

/**
 * When no primary can be elected because too few voting members run, what to do about it; null
 * otherwise. A candidate needs the votes of a majority of the set's voting members ("Replica Set
 * Elections" in the MongoDB manual), and a stopped member votes for no one.
 */
function noMajority(view: CheckView): string | null {
  const voters = view.cluster.members.filter((m) => m.votes > 0);
  if (voters.length === 0 || membersIn(view, 'PRIMARY').length > 0) return null;
  const running = voters.filter((m) => m.process === 'running');
  const needed = Math.floor(voters.length / 2) + 1;
  if (running.length >= needed) return null;
  const down = voters.filter((m) => m.process !== 'running').map((m) => portOf(m.host));
  return (
    `Only ${running.length} of ${voters.length} voting members ${running.length === 1 ? 'is' : 'are'} running, and an election needs ${needed} votes: ` +
    `no member can become primary. Restart the one${down.length > 1 ? 's' : ''} on ${listPorts(down)} (${down.length > 1 ? 'restart on their cards, or their' : 'restart on its card, or its'} mongod line${down.length > 1 ? 's' : ''}).`
  );
}

/** The first primary in a term newer than the killed one's. */
function newPrimaryAfterKill(view: CheckView, scope: 'lesson' | 'step' = 'lesson'): MemberView | null {
  const killed = lastPrimaryKill(view, scope);
  if (!killed?.killed) return null;
  const termThen = killed.killed.termThen;
  return membersIn(view, 'PRIMARY').find((member) => member.term > termThen) ?? null;
}

/** The member that had become primary by `at`, from the timeline; undefined when it does not say. */
function primaryAt(view: CheckView, at: number): string | undefined {
  let member: string | undefined;
  for (const event of view.events) {
    if (event.at > at) break;
    if (event.kind === 'primaryWritable' || event.kind === 'electionWon') member = event.member ?? member;
    if ((event.kind === 'stepDown' || event.kind === 'processExited') && event.member === member) member = undefined;
  }
  return member;
}

function listPorts(ports: readonly number[]): string {
  return ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.slice(0, -1).join(', ')} and ${ports[ports.length - 1]}`;
}

function matches(document: Record<string, unknown>, field: string, value: unknown): boolean {
  return JSON.stringify(document[field]) === JSON.stringify(value);
}

function configMember(config: Document | null, port: number): Document | undefined {
  const members = (config?.members as Document[] | undefined) ?? [];
  return members.find((m) => portOf(String(m.host)) === port);
}

function clientApi(view: CheckView, record: ShellRecord): Api | undefined {
  const id = record.operation?.client;
  return id === undefined ? undefined : view.clients.find((client) => client.id === id)?.api;
}

export async function runCheck(spec: CheckSpec, view: CheckView): Promise<CheckResult> {
  switch (spec.kind) {
    case 'commandRan': {
      const pattern = new RegExp(spec.pattern);
      const ran = stepRecords(view).some((record) => record.language === spec.language && record.ok && pattern.test(record.input.trim()));
      return ran ? pass : fail(`Run ${spec.description}.`);
    }
    case 'membersRunning': {
      const running = view.processes.filter((p) => p.running && view.lesson.started(p) && p.replSetName === spec.replSetName);
      const missing = spec.ports.filter((port) => !running.some((p) => p.port === port));
      if (missing.length === 0) return pass;
      const wrongSet = view.processes.find((p) => p.running && missing.includes(p.port) && p.replSetName !== spec.replSetName);
      if (wrongSet) {
        return fail(
          `The mongod on port ${wrongSet.port} runs ${wrongSet.replSetName ? `set '${wrongSet.replSetName}'` : 'without --replSet'}; ` +
            `stop it and start it with --replSet ${spec.replSetName}.`,
        );
      }
      // A mongod started in this step on a port the step does not ask for is most likely a typo.
      const stray = view.processes.find((p) => p.running && view.step.started(p) && !spec.ports.includes(p.port));
      const strayNote = stray ? ` (the mongod you started listens on port ${stray.port}, which this step does not use)` : '';
      if (spec.ports.length === 1) return fail(`The member on port ${spec.ports[0]} is not running yet${strayNote}; start it.`);
      const up = spec.ports.length - missing.length;
      return fail(
        `${up} of ${spec.ports.length} members ${up === 1 ? 'is' : 'are'} running${strayNote}; start the one${missing.length > 1 ? 's' : ''} on ${listPorts(missing)}.`,
      );
    }
    case 'clientOpen': {
      const found = view.clients.some(
        (client) =>
          !client.closed &&
          view.step.client(client) &&
          (spec.api === undefined || client.api === spec.api) &&
          client.directConnection === spec.direct &&
          (spec.port === undefined || client.seeds.some((seed) => portOf(seed) === spec.port)),
      );
      if (found) return pass;
      const what = spec.direct ? `a direct connection${spec.port ? ` to the member on port ${spec.port}` : ''}` : 'a connection to the set';
      return fail(`Open ${what}${spec.api ? ` with ${spec.api}` : ''}.`);
    }
    case 'setInitiated': {
      if (view.cluster.setName === null) return fail('The set is not initiated yet: run replSetInitiate on one member.');
      if (!view.events.some((event) => event.kind === 'configChange' && view.lesson.event(event))) {
        return fail('This set was configured before this lesson began; initiate the members you started here.');
      }
      if (view.cluster.members.length < spec.members) {
        return fail(`The set's config has ${view.cluster.members.length} member(s); it should list all ${spec.members}.`);
      }
      const inSet = view.cluster.members.filter((m) => m.state !== 'STARTUP' && m.state !== 'DOWN' && m.state !== 'UNKNOWN' && m.state !== 'REMOVED');
      return inSet.length > 0 ? pass : fail('The set is initiated but no member has joined it yet.');
    }
    case 'setHealthy': {
      const primaries = membersIn(view, 'PRIMARY').length;
      const secondaries = membersIn(view, 'SECONDARY').length;
      if (primaries === 1 && secondaries >= spec.secondaries) return pass;
      if (primaries === 0) return fail(`No primary yet (${secondaries} ${secondaries === 1 ? 'secondary' : 'secondaries'}); the members are still electing one.`);
      return fail(`${secondaries} of ${spec.secondaries} secondaries are ready; the others are still syncing.`);
    }
    case 'clientDiscoveredSet': {
      const mine = view.clients.filter((c) => !c.closed && !c.directConnection && view.step.client(c));
      if (mine.some((c) => c.knownMembers.length >= spec.members && c.primary !== null)) return pass;
      const partial = mine[0];
      return partial
        ? fail(`Your client knows ${partial.knownMembers.length} of ${spec.members} members so far${partial.primary ? '' : ' and no primary'}.`)
        : fail('Connect to the set with a seed list, without slave_okay.');
    }
    case 'documentOnPrimary': {
      if (!stepRecords(view).some((r) => r.ok && r.operation?.kind === 'write')) return fail(`Save a document with ${spec.field}: ${JSON.stringify(spec.value)} in ${spec.ns}.`);
      const primary = membersIn(view, 'PRIMARY')[0];
      if (!primary) return fail('There is no primary to write to right now.');
      const docs = (await view.documents(primary.host, spec.ns)) ?? [];
      return docs.some((d) => matches(d, spec.field, spec.value))
        ? pass
        : fail(`Save a document with ${spec.field}: ${JSON.stringify(spec.value)} in ${spec.ns}.`);
    }
    case 'askedWhoIsPrimary': {
      const killedAt = lastPrimaryKill(view)?.killed?.at;
      const since = spec.afterFailover ? (newPrimaryAfterKill(view) && killedAt !== undefined ? killedAt : Infinity) : -Infinity;
      const primary = membersIn(view, 'PRIMARY')[0];
      // Asked a client (Python or mongosh, not a mongod command line) and got back the port of the
      // member that was primary when it answered.
      const asked = stepRecords(view).some((r) => {
        if (!r.ok || r.language === 'bash' || r.at < since) return false;
        if (!/\.(port|address|primary|host)\b|isMaster|hello|rs\.status/.test(r.input)) return false;
        const primaryThen = primaryAt(view, r.finishedAt) ?? primary?.host;
        return primaryThen === undefined || r.value === undefined || r.value.includes(String(portOf(primaryThen)));
      });
      if (asked) return pass;
      return fail(spec.afterFailover ? 'Ask the client again which member it uses now (its port).' : 'Ask the client which member it talks to (its host and port).');
    }
    case 'primaryKilled': {
      const killed = lastPrimaryKill(view, 'step');
      if (!killed?.killed) {
        const wrong = lastKill(view, 'step');
        const primary = membersIn(view, 'PRIMARY').find((m) => m.process === 'running');
        if (wrong?.killed && primary) {
          // Killing a secondary is a different lesson: say which member that was and where the primary is.
          const where = `the primary is on port ${portOf(primary.host)}${primary.pid !== null ? ` (PID ${primary.pid})` : ''}`;
          return fail(`That was the member on port ${wrong.port}, a ${wrong.killed.stateThen}; ${where}. Kill that one${spec.signal === 'SIGKILL' ? ' with kill -9' : ''}.`);
        }
        return fail(`Kill the primary${spec.signal === 'SIGKILL' ? ' with kill -9' : ''}: find its PID with ps, then kill it.`);
      }
      if (spec.signal && killed.killed.signal !== spec.signal) {
        return fail(`That was ${killed.killed.signal === 'SIGKILL' ? 'kill -9' : 'a clean kill'}; restart the member and kill the primary with ${spec.signal === 'SIGKILL' ? 'kill -9' : 'a plain kill'}.`);
      }
      return pass;
    }
    case 'errorAfterKill': {
      const killed = lastPrimaryKill(view);
      if (!killed?.killed) return fail('Kill the primary first.');
      const killedAt = killed.killed.at;
      const seen = stepRecords(view).some((r) => !r.ok && r.at >= killedAt && r.errorName !== undefined && spec.errorNames.includes(r.errorName));
      return seen ? pass : fail(`Read again right away: the client should raise ${spec.errorNames[0]}.`);
    }
    case 'newPrimaryElected': {
      if (!lastPrimaryKill(view)) return fail('Kill the primary first.');
      if (newPrimaryAfterKill(view)) return pass;
      return fail(noMajority(view) ?? 'No new primary yet: the secondaries wait out their election timeout first.');
    }
    case 'operationAfterFailover': {
      const killed = lastPrimaryKill(view);
      const elected = newPrimaryAfterKill(view);
      const verb = spec.operation === 'read' ? 'Read' : 'Write';
      if (!killed?.killed) return fail(`Kill the primary, then ${spec.operation} again.`);
      const killedAt = killed.killed.at;
      const clients = view.clients;
      const counts = (client: (typeof clients)[number] | undefined): boolean =>
        client !== undefined && (spec.api === undefined || client.api === spec.api) && (!spec.openedBeforeKill || client.createdAt < killedAt);
      if (spec.openedBeforeKill && !clients.some((client) => !client.closed && counts(client))) {
        return fail(`Kill the primary while ${spec.api ?? 'a client'} is connected, then ${spec.operation} through it: it should ride out the election.`);
      }
      const ops = stepRecords(view).filter((r) => r.operation?.kind === spec.operation && r.at >= killedAt && counts(clients.find((c) => c.id === r.operation?.client)));
      if (!elected) return fail(noMajority(view) ?? `${verb} again once there is a new primary.`);
      const succeeded = ops.some((r) => r.ok && r.operation?.servedBy === elected.host);
      if (!succeeded) return fail(`${verb} again${spec.api ? ` with ${spec.api}` : ''}: the new primary is ${elected.host}.`);
      if (spec.withoutError && ops.some((r) => !r.ok)) {
        return fail(`A ${spec.operation} failed on the way; with MongoClient it should wait for the new primary and succeed.`);
      }
      return pass;
    }
    case 'rolledBack': {
      if (!view.events.some((event) => event.kind === 'rollback' && view.step.event(event))) {
        return fail(`The write with ${spec.field}: ${JSON.stringify(spec.value)} has not been rolled back yet; heal the partition and let the old primary rejoin.`);
      }
      const found = view.cluster.members.some((m) =>
        view.rolledBack(m.host).some((entry) => entry.ns === spec.ns && matches(entry.document, spec.field, spec.value)),
      );
      return found ? pass : fail(`A rollback happened, but not of the write with ${spec.field}: ${JSON.stringify(spec.value)}; write it with w: 1 while the primary is cut off.`);
    }
    case 'documentSurvivedFailover': {
      const elected = newPrimaryAfterKill(view, 'step');
      if (!elected) return fail('Fail the primary over first: kill it and wait for the election.');
      const docs = (await view.documents(elected.host, spec.ns)) ?? [];
      return docs.some((d) => matches(d, spec.field, spec.value)) ? pass : fail(`The new primary ${elected.host} has no document with ${spec.field}: ${JSON.stringify(spec.value)}.`);
    }
    case 'primaryIs': {
      const primary = membersIn(view, 'PRIMARY')[0];
      if (primary && portOf(primary.host) === spec.port) return pass;
      return fail(primary ? `The primary is ${primary.host}, not the member on port ${spec.port} yet.` : 'There is no primary right now.');
    }
    case 'steppedDownWhilePartitioned': {
      const partition = view.partitions.filter((p) => view.step.partition(p)).at(-1);
      if (!partition || partition.healedAt !== null) return fail('Partition the primary away from the other members first.');
      const majority = [...partition.groups].sort((a, b) => b.length - a.length)[0] ?? [];
      const primaries = membersIn(view, 'PRIMARY');
      const stale = primaries.find((m) => !majority.includes(m.host));
      if (stale) {
        return fail(`${stale.host} still believes it is primary; it steps down once it has not heard from a majority for an election timeout.`);
      }
      const fresh = primaries.find((m) => majority.includes(m.host) && m.term > partition.termThen);
      return fresh ? pass : fail('No primary on the majority side yet: wait for the election.');
    }
    case 'readWithoutPrimary': {
      // A read that a member answered after the primary died (in this step) and before a new one was elected.
      const killedAt = lastPrimaryKill(view, 'step')?.killed?.at;
      if (killedAt === undefined) return fail('Kill the primary, then read at once through the client that allows secondaries.');
      const electedAt = view.events.find((e) => e.kind === 'electionWon' && e.at > killedAt)?.at ?? Infinity;
      const served = stepRecords(view).some(
        (r) => r.ok && r.operation?.kind === 'read' && r.operation.servedBy !== null && r.at >= killedAt && r.at < electedAt,
      );
      return served ? pass : fail('Read at once after the kill, before a new primary is elected, through the client that allows secondaries.');
    }
    case 'clusterEvent': {
      const seen = view.events.some((event) => view.step.event(event) && event.kind === spec.eventKind && (spec.port === undefined || (event.member !== undefined && portOf(event.member) === spec.port)));
      return seen ? pass : fail(`${spec.description}.`);
    }
    case 'memberConfig': {
      const config = await view.replSetConfig();
      if (!config) return fail('No member can say what the set\u2019s config is right now (is a member running?).');
      const found = configMember(config, spec.port);
      if (spec.present === false) return found ? fail(`The member on port ${spec.port} is still in the set's config; remove it.`) : pass;
      if (!found) return fail(`The set's config has no member on port ${spec.port} yet.`);
      const want: Array<[string, unknown, unknown]> = [];
      if (spec.priority !== undefined) want.push(['priority', found.priority ?? 1, spec.priority]);
      if (spec.votes !== undefined) want.push(['votes', found.votes ?? 1, spec.votes]);
      if (spec.hidden !== undefined) want.push(['hidden', found.hidden ?? false, spec.hidden]);
      if (spec.arbiterOnly !== undefined) want.push(['arbiterOnly', found.arbiterOnly ?? false, spec.arbiterOnly]);
      const wrong = want.find(([, have, should]) => Number(have) !== Number(should));
      if (wrong) return fail(`In rs.conf(), the member on port ${spec.port} has ${wrong[0]}: ${JSON.stringify(wrong[1])}; it should be ${JSON.stringify(wrong[2])}.`);
      return pass;
    }
    case 'votingMembers': {
      const config = await view.replSetConfig();
      const members = (config?.members as Document[] | undefined) ?? [];
      const voting = members.filter((m) => Number(m.votes ?? 1) > 0).length;
      return voting === spec.count ? pass : fail(`The set has ${voting} voting member(s); it should have ${spec.count}.`);
    }
    case 'reconfigured':
      return view.events.some((event) => event.kind === 'configChange' && view.step.event(event)) ? pass : fail(`${spec.description}.`);
    case 'operationServed': {
      const pattern = spec.pattern === undefined ? null : new RegExp(spec.pattern);
      const served = stepRecords(view).some((r) => {
        if (!r.ok || r.operation?.kind !== spec.operation || r.operation.servedBy === null) return false;
        if (pattern && !pattern.test(r.input)) return false;
        if (spec.api && clientApi(view, r) !== spec.api) return false;
        if (spec.viaSet && view.clients.find((c) => c.id === r.operation?.client)?.directConnection !== false) return false;
        const host = r.operation.servedBy;
        if (typeof spec.by === 'number') return portOf(host) === spec.by;
        const primaryThen = primaryAt(view, r.finishedAt);
        return spec.by === 'PRIMARY' ? primaryThen === host : primaryThen !== host && view.cluster.members.some((m) => m.host === host && m.state !== 'ARBITER');
      });
      return served ? pass : fail(`${spec.description}.`);
    }
    case 'errorSeen':
      // By the error's class name or the server error's codeName (mongosh says MongoServerError[WriteConcernFailed]).
      return stepRecords(view).some((r) => !r.ok && [r.errorName, r.codeName].some((name) => name !== undefined && spec.errorNames.includes(name)))
        ? pass
        : fail(`${spec.description}.`);
    case 'noPrimaryFor': {
      if (membersIn(view, 'PRIMARY').length > 0) return fail('There is a primary right now.');
      const running = view.processes.filter((p) => p.running).length;
      if (running < spec.running) return fail(`Only ${running} member(s) run; keep ${spec.running} running.`);
      // When the set last lost its primary, by something done in this step.
      const lost = view.events.filter((e) => view.step.event(e) && (e.kind === 'stepDown' || e.kind === 'processExited' || e.kind === 'partition')).at(-1);
      if (!lost) return fail('Do something in this step that leaves the set without a primary.');
      const since = view.now - lost.at;
      return since >= spec.seconds * 1000
        ? pass
        : fail(`No primary for ${(since / 1000).toFixed(0)} s so far; it should stay that way for ${spec.seconds} s.`);
    }
    case 'restartedAll': {
      const missing = spec.ports.filter((port) => {
        const onPort = view.processes.filter((p) => p.port === port && view.lesson.started(p)).sort((a, b) => a.pid - b.pid);
        return !(onPort.length >= 1 && onPort.at(-1)?.running === true && onPort.some((p) => view.lesson.killed(p)));
      });
      return missing.length === 0 ? pass : fail(`Restart the member${missing.length > 1 ? 's' : ''} on ${listPorts(missing)} (stop it, start it again with the same line).`);
    }
    case 'operationsOk': {
      const ops = view.shellHistory.filter((r) => view.lesson.record(r) && r.operation !== undefined && r.operation.kind !== 'command' && clientApi(view, r) === spec.api);
      const failed = ops.find((r) => !r.ok);
      if (failed) return fail(`\`${failed.input.trim()}\` failed with ${failed.errorName ?? 'an error'}; the application saw an error. Do it again so that none fails.`);
      const inStep = ops.filter((r) => view.step.record(r)).length;
      return inStep >= spec.minimum ? pass : fail(`Run the application's reads and writes (${spec.api}) between the restarts: ${inStep} of ${spec.minimum} so far.`);
    }
    case 'noneKilled': {
      const killed = view.processes.find((p) => view.step.killed(p));
      return killed ? fail(`The member on port ${killed.port} was stopped; do it without stopping anyone (restart it, then start over).`) : pass;
    }
    case 'clientFromOneSecondary': {
      const secondaries = new Set(membersIn(view, 'SECONDARY').map((m) => m.host));
      const clients = view.clients.filter((c) => !c.closed && !c.directConnection && view.step.client(c) && c.seeds.length === 1);
      if (clients.length === 0) return fail('Open a new client whose connection string names exactly one member (and not directConnection).');
      const fromSecondary = clients.filter((c) => secondaries.has(c.seeds[0] as string));
      if (fromSecondary.length === 0) return fail(`Your new client's one seed is ${clients[0]?.seeds[0]}, which is not a secondary right now; name a secondary.`);
      const ids = new Set(fromSecondary.map((c) => c.id));
      const wrote = stepRecords(view).some((r) => r.ok && r.operation?.kind === 'write' && ids.has(r.operation.client));
      return wrote ? pass : fail('Write through the client with the one seed.');
    }
    case 'priorityTakeover': {
      const config = await view.replSetConfig();
      const members = ((config?.members as Document[] | undefined) ?? []).map((m) => ({ host: String(m.host), priority: Number(m.priority ?? 1) }));
      const [top, second] = [...members].sort((a, b) => b.priority - a.priority);
      if (!top || (second && second.priority >= top.priority)) return fail('Give one member a higher priority than every other member (rs.conf(), then rs.reconfig()).');
      const won = view.events.some((event) => view.step.event(event) && event.kind === 'electionWon' && event.member === top.host);
      if (!won) return fail(`${top.host} has priority ${top.priority}, the highest; wait for it to take over (it must be a secondary that has caught up, and not one that stepped down or was frozen in the last seconds).`);
      const primary = membersIn(view, 'PRIMARY')[0];
      return primary?.host === top.host ? pass : fail(`${top.host} won an election but is not primary now.`);
    }
    case 'restartedMember': {
      for (const port of spec.ports) {
        const onPort = view.processes.filter((p) => p.port === port).sort((a, b) => a.pid - b.pid);
        const stopped = onPort.some((p) => view.step.killed(p));
        const latest = onPort.at(-1);
        if (!stopped) return fail(`Stop the member on port ${port} (kill its PID), then start it again.`);
        if (!latest?.running || !view.step.started(latest)) return fail(`Start the member on port ${port} again.`);
        if (spec.argv && !latest.argv.includes(spec.argv)) return fail(`The member on port ${port} runs without ${spec.argv}; stop it and start it with ${spec.argv} on its line.`);
        const state = view.cluster.members.find((m) => portOf(m.host) === port)?.state;
        if (spec.state && state !== spec.state) return fail(`The member on port ${port} is ${state ?? 'not in the set'}; wait until it is ${spec.state}.`);
      }
      return pass;
    }
    case 'stablePrimaryFor': {
      const partition = view.partitions.filter((p) => view.step.partition(p)).at(-1);
      if (!partition) return fail('Isolate a secondary first.');
      const primary = membersIn(view, 'PRIMARY')[0];
      if (!primary) return fail('There is no primary right now.');
      if (partition.groups.some((group) => group.length === 1 && group[0] === primary.host)) return fail('That isolated the primary; heal the network, try this step again and isolate a secondary.');
      const changed = view.events.find((e) => view.step.event(e) && e.at >= partition.at && (e.kind === 'stepDown' || e.kind === 'electionWon'));
      if (changed) return fail(`The primary changed (${changed.text}); try again.`);
      const since = view.now - partition.at;
      return since >= spec.seconds * 1000 ? pass : fail(`The primary has held for ${(since / 1000).toFixed(0)} of ${spec.seconds} s so far.`);
    }
    case 'readConcernCompared': {
      const reads = stepRecords(view).filter((r) => r.ok && r.language !== 'bash' && /readConcern/.test(r.input));
      const local = reads.find((r) => /["']?level["']?\s*:\s*["']local["']/.test(r.input) && r.value?.includes(spec.text));
      const majority = reads.find((r) => /["']?level["']?\s*:\s*["']majority["']/.test(r.input) && !r.value?.includes(spec.text));
      if (!local) return fail(`Read with readConcern {level: "local"} and see the document with ${spec.text}.`);
      if (!majority) return fail(`Read with readConcern {level: "majority"} on the same member and see that it does not return ${spec.text}.`);
      return pass;
    }
    case 'oplogRolledPast': {
      const stopped = view.processes.filter((p) => p.port === spec.port).sort((a, b) => a.pid - b.pid).at(-1);
      if (!stopped?.killed || stopped.running || !view.lesson.killed(stopped)) return fail(`Stop the member on port ${spec.port} first.`);
      const stoppedAt = stopped.killed.at;
      const others = view.cluster.members.filter((m) => m.process === 'running' && !m.arbiterOnly && portOf(m.host) !== spec.port);
      if (others.length === 0) return fail('No other member is running.');
      for (const other of others) {
        const first = ((await view.documents(other.host, 'local.oplog.rs')) ?? [])[0];
        const ts = first?.ts as { getHighBits?: () => number } | undefined;
        const firstSeconds = ts?.getHighBits?.();
        if (firstSeconds === undefined || firstSeconds * 1000 <= stoppedAt) {
          return fail(`${other.host}'s oplog still reaches back to before the member on port ${spec.port} stopped; write more (a few MB) until it rolls over.`);
        }
      }
      return pass;
    }
    case 'sameDocuments': {
      const primary = membersIn(view, 'PRIMARY')[0];
      if (!primary) return fail('There is no primary right now.');
      const host = view.cluster.members.find((m) => portOf(m.host) === spec.port)?.host;
      const theirs = host === undefined ? null : await view.documents(host, spec.ns);
      if (theirs === null) return fail(`The member on port ${spec.port} is not running.`);
      const ids = (docs: Document[]) => new Set(docs.map((d) => JSON.stringify(d._id)));
      const [want, have] = [ids((await view.documents(primary.host, spec.ns)) ?? []), ids(theirs)];
      const missing = [...want].filter((id) => !have.has(id)).length;
      const extra = [...have].filter((id) => !want.has(id)).length;
      if (missing === 0 && extra === 0) return pass;
      return fail(`The member on port ${spec.port} has ${have.size} of the primary's ${want.size} documents in ${spec.ns}${extra > 0 ? ` (and ${extra} the primary does not have)` : ''}.`);
    }
    case 'memberStarted': {
      const latest = view.processes.filter((p) => p.port === spec.port).sort((a, b) => a.pid - b.pid).at(-1);
      if (!latest?.running || !view.step.started(latest)) return fail(`Start the member on port ${spec.port}${latest ? ' again' : ''}.`);
      const state = view.cluster.members.find((m) => portOf(m.host) === spec.port)?.state;
      if (spec.state && state !== spec.state) return fail(`The member on port ${spec.port} is ${state ?? 'not in the set'}; wait until it is ${spec.state}.`);
      return pass;
    }
    case 'startedInStep': {
      const started = view.processes.filter((p) => p.running && view.step.started(p)).length;
      return started >= spec.count ? pass : fail(`${started} of ${spec.count} members started again so far.`);
    }
    case 'all': {
      for (const check of spec.checks) {
        const result = await runCheck(check, view);
        if (!result.passed) return result;
      }
      return pass;
    }
  }
}
