import type { LabEvent } from '@rslab/protocol';
import type { CheckView } from './scope';

/**
 * What a prediction is about, as data: how to read from the lab what really happened after the
 * learner predicted, and which of the step's choices that was. Observed once the step is done
 * (and again at later checks while it cannot tell yet).
 */
export type ObservationSpec =
  /** Which member won the first election after the prediction; choices are ports ("27018"). */
  | { kind: 'newPrimary' }
  /** Which member is primary once the step is done; choices are ports. */
  | { kind: 'primaryNow' }
  /**
   * How long the set had no writable primary: from the first kill of a primary, step-down or
   * partition after the prediction to the next primary accepting writes. The first choice whose
   * bound is at least that long is the one that happened.
   */
  | { kind: 'failoverSeconds'; buckets: ReadonlyArray<{ choice: string; upToSeconds: number }> }
  /** Whether a document is on the primary once the step is done: `kept` or `lost`. */
  | { kind: 'documentKept'; ns: string; field: string; value: unknown }
  /**
   * How the last read or write typed after the prediction ended: `ok`, or the choice its error names
   * (by the error's class or code name), or `otherError`.
   */
  | { kind: 'operationOutcome'; operation: 'read' | 'write'; errors: Readonly<Record<string, string>>; ok: string; otherError: string }
  /** The votes an election needs in the config now (`votes`), or how many voters may fail (`tolerance`); choices are numbers. */
  | { kind: 'majority'; answer: 'votes' | 'tolerance' }
  /** Seconds from a partition made after the prediction to a member of its smaller side stepping down. */
  | { kind: 'stepDownAfterPartition'; buckets: ReadonlyArray<{ choice: string; upToSeconds: number }> }
  /** Whether a read after the prediction was answered while there was no primary. */
  | { kind: 'readWithoutPrimary'; yes: string; no: string }
  /** Whether the output of the last line matching `pattern` after the prediction mentions `text`. */
  | { kind: 'readShows'; pattern: string; text: string; yes: string; no: string }
  /** Whether the member with the highest priority won an election after the prediction. */
  | { kind: 'priorityTakeover'; yes: string; no: string }
  /**
   * Who won the election after a secondary was frozen (the member that answered the last
   * `rs.freeze`) and the primary stepped down: `frozen`, `other`, or `nobody` while none has.
   */
  | { kind: 'electionAfterFreeze' }
  /** Whether an event of this kind happened after the prediction; `unseen` says so in words when it did not. */
  | { kind: 'eventSeen'; event: string; yes: string; no: string; unseen?: string }
  /**
   * The state of the member on `port` once the step is done, as the choice `states` names for it
   * (null while it is in none of them), told by its last state change after the prediction.
   */
  | { kind: 'memberState'; port: number; states: Readonly<Partial<Record<string, string>>> };

export interface Observation {
  /** The choice that matches what happened, or null when none does. */
  choiceId: string | null;
  /** What happened, in words. */
  text: string;
}

function portOf(address: string): string {
  return address.slice(address.lastIndexOf(':') + 1);
}

function eventsSince(view: CheckView): LabEvent[] {
  return view.events.filter((event) => view.step.event(event));
}

/** What happened after the prediction, or null while the lab cannot tell yet. */
export async function observe(spec: ObservationSpec, view: CheckView): Promise<Observation | null> {
  switch (spec.kind) {
    case 'newPrimary': {
      const won = eventsSince(view).find((event) => event.kind === 'electionWon' && event.member !== undefined);
      if (!won?.member) return null;
      return { choiceId: portOf(won.member), text: `${won.member} won the election (${clock(won.at)}).` };
    }
    case 'primaryNow': {
      const primary = view.cluster.members.find((member) => member.state === 'PRIMARY');
      if (!primary) return null;
      return { choiceId: portOf(primary.host), text: `${primary.host} is primary, in term ${primary.term}.` };
    }
    case 'failoverSeconds': {
      const disruptions: number[] = [];
      for (const process of view.processes) {
        if (view.step.killed(process) && process.killed?.stateThen === 'PRIMARY') disruptions.push(process.killed.at);
      }
      for (const partition of view.partitions) if (view.step.partition(partition)) disruptions.push(partition.at);
      for (const event of eventsSince(view)) if (event.kind === 'stepDown') disruptions.push(event.at);
      if (disruptions.length === 0) return null;
      const from = Math.min(...disruptions);
      const writable = eventsSince(view).find((event) => event.kind === 'primaryWritable' && event.at >= from);
      if (!writable) return null;
      const seconds = (writable.at - from) / 1000;
      const bucket = spec.buckets.find((b) => seconds <= b.upToSeconds) ?? spec.buckets.at(-1);
      return {
        choiceId: bucket?.choice ?? null,
        text: `${seconds.toFixed(1)} s of sandbox time passed without a writable primary; then ${writable.member ?? 'a member'} took writes.`,
      };
    }
    case 'documentKept': {
      const primary = view.cluster.members.find((member) => member.state === 'PRIMARY');
      if (!primary) return null;
      const docs = (await view.documents(primary.host, spec.ns)) ?? [];
      const kept = docs.some((doc) => JSON.stringify(doc[spec.field]) === JSON.stringify(spec.value));
      const what = `{${spec.field}: ${JSON.stringify(spec.value)}}`;
      return kept
        ? { choiceId: 'kept', text: `The primary, ${primary.host}, has ${what}: the write survived.` }
        : { choiceId: 'lost', text: `The primary, ${primary.host}, has no ${what}: the write is gone from the set.` };
    }
    case 'priorityTakeover': {
      const config = await view.replSetConfig();
      const members = ((config?.members as Array<Record<string, unknown>> | undefined) ?? []).map((m) => ({ host: String(m.host), priority: Number(m.priority ?? 1) }));
      const top = [...members].sort((a, b) => b.priority - a.priority)[0];
      if (!top) return null;
      const won = eventsSince(view).some((event) => event.kind === 'electionWon' && event.member === top.host);
      return won
        ? { choiceId: spec.yes, text: `${top.host} (priority ${top.priority}) called an election and took over as primary.` }
        : { choiceId: spec.no, text: `${top.host} (priority ${top.priority}) has not won an election since.` };
    }
    case 'electionAfterFreeze': {
      const freeze = view.shellHistory.filter((r) => view.step.record(r) && r.ok && /freeze/.test(r.input) && r.operation?.servedBy).at(-1);
      const stepDown = eventsSince(view).find((event) => event.kind === 'stepDown');
      if (!freeze?.operation?.servedBy || !stepDown) return null;
      const frozen = freeze.operation.servedBy;
      const won = eventsSince(view).find((event) => event.kind === 'electionWon' && event.at >= stepDown.at);
      if (!won?.member) return { choiceId: 'nobody', text: `No member has won an election since ${stepDown.member ?? 'the primary'} stepped down.` };
      return won.member === frozen
        ? { choiceId: 'frozen', text: `${won.member}, the frozen member, won the election.` }
        : { choiceId: 'other', text: `${won.member} won the election; ${frozen} was frozen and did not stand.` };
    }
    case 'eventSeen': {
      const seen = eventsSince(view).find((event) => event.kind === spec.event);
      return seen ? { choiceId: spec.yes, text: seen.text } : { choiceId: spec.no, text: spec.unseen ?? `No ${spec.event} happened.` };
    }
    case 'operationOutcome': {
      const last = view.shellHistory.filter((record) => view.step.record(record) && record.operation?.kind === spec.operation).at(-1);
      if (!last) return null;
      if (last.ok) return { choiceId: spec.ok, text: `\`${last.input.trim()}\` succeeded.` };
      const choice = (last.codeName && spec.errors[last.codeName]) || (last.errorName && spec.errors[last.errorName]) || spec.otherError;
      const named = last.codeName ? `${last.errorName ?? 'an error'} (${last.codeName})` : (last.errorName ?? 'an error');
      return { choiceId: choice, text: `\`${last.input.trim()}\` failed with ${named}.` };
    }
    case 'majority': {
      const config = await view.replSetConfig();
      const voters = ((config?.members as Array<Record<string, unknown>> | undefined) ?? []).filter((m) => Number(m.votes ?? 1) > 0).length;
      if (voters === 0) return null;
      const majority = Math.floor(voters / 2) + 1;
      return spec.answer === 'votes'
        ? { choiceId: String(majority), text: `${voters} voting members: an election needs ${majority} votes.` }
        : { choiceId: String(voters - majority), text: `${voters} voting members need ${majority} for a majority, so ${voters - majority} may fail.` };
    }
    case 'stepDownAfterPartition': {
      const partition = view.partitions.filter((p) => view.step.partition(p)).at(-1);
      if (!partition) return null;
      const minority = new Set([...partition.groups].sort((a, b) => a.length - b.length)[0] ?? []);
      const stepDown = eventsSince(view).find((e) => e.kind === 'stepDown' && e.at >= partition.at && e.member !== undefined && minority.has(e.member));
      if (!stepDown) return null;
      const seconds = (stepDown.at - partition.at) / 1000;
      const bucket = spec.buckets.find((b) => seconds <= b.upToSeconds) ?? spec.buckets.at(-1);
      return { choiceId: bucket?.choice ?? null, text: `${stepDown.member} stepped down ${seconds.toFixed(1)} s after it was cut off.` };
    }
    case 'readWithoutPrimary': {
      const reads = view.shellHistory.filter((r) => view.step.record(r) && r.operation?.kind === 'read');
      const lost = eventsSince(view).find((e) => e.kind === 'processExited' || e.kind === 'stepDown');
      if (!lost) return null;
      const elected = eventsSince(view).find((e) => e.kind === 'electionWon' && e.at >= lost.at);
      const during = reads.find((r) => r.at >= lost.at && (elected === undefined || r.at < elected.at));
      if (!during) return null;
      return during.ok
        ? { choiceId: spec.yes, text: `${during.operation?.servedBy ?? 'A member'} answered while there was no primary.` }
        : { choiceId: spec.no, text: `The read failed with ${during.errorName ?? 'an error'}.` };
    }
    case 'memberState': {
      const member = view.cluster.members.find((m) => Number(portOf(m.host)) === spec.port);
      const choiceId = member ? spec.states[member.state] : undefined;
      if (!member || choiceId === undefined) return null;
      const change = eventsSince(view).filter((event) => event.kind === 'stateChange' && event.member === member.host).at(-1);
      return { choiceId, text: change?.text ?? `${member.host} is ${member.state}.` };
    }
    case 'readShows': {
      const pattern = new RegExp(spec.pattern);
      const last = view.shellHistory.filter((r) => view.step.record(r) && r.ok && pattern.test(r.input)).at(-1);
      if (!last) return null;
      return last.value?.includes(spec.text)
        ? { choiceId: spec.yes, text: 'The read returned the document.' }
        : { choiceId: spec.no, text: 'The read returned nothing: a majority did not have the document.' };
    }
  }
}

function clock(millis: number): string {
  return `at ${(millis / 1000).toFixed(1)} s`;
}
