import { Long } from 'bson';
import type { Document } from 'bson';
import { NULL_OPTIME, compareOpTime, formatOpTime, opTimeFromBson } from '../../base/optime';
import { LogIds } from '../../log/ids';
import type { MemberConfig } from '../config';
import { compareConfigVersion, memberPriority } from '../config';
import { MemberState } from '../state';
import type { TopologyState } from './core';
import { emit, lastApplied, log, primaryHost, requireConfig, requireReplSet, resetElectionTimer, term } from './core';
import { latestKnownOpTime } from './election';
import { participantVoted } from './metrics';
import { updateTerm } from './stepDown';

/**
 * The voter side of an election: answering replSetRequestVotes. One vote per term, made durable
 * before the answer; refused to a candidate with an older config, an older term, another set,
 * staler data, in a term already voted in, or (an arbiter) while a primary of equal or greater
 * priority is up (mongod's TopologyCoordinator::processReplSetRequestVotes).
 */

function candidateOf(s: TopologyState, cmd: Document): { index: number; host: string } {
  const index = Number(cmd.candidateIndex);
  return { index, host: s.persisted.config?.members[index]?.host ?? `#${index}` };
}

/** First step: a real (not dry-run) request with a newer term makes this member adopt it. */
export function voteRequestTerm(s: TopologyState, cmd: Document): void {
  requireReplSet(s);
  requireConfig(s);
  const theirTerm = Number(cmd.term);
  if (cmd.dryRun !== true && theirTerm > term(s)) updateTerm(s, theirTerm, `vote request from ${candidateOf(s, cmd).host}`);
}

function primaryOfEqualOrGreaterPriority(s: TopologyState, candidate: MemberConfig | undefined): boolean {
  if (!candidate) return false;
  for (const m of s.members.values()) {
    if (m.health === 1 && m.state === MemberState.PRIMARY && m.term === term(s) && memberPriority(m.config) >= memberPriority(candidate)) return true;
  }
  return false;
}

/** Second step: grant or refuse, with mongod's reason; the reply. */
export function castVote(s: TopologyState, cmd: Document): Document {
  const config = requireConfig(s);
  const voteTerm = Number(cmd.term);
  const dryRun = cmd.dryRun === true;
  const { index: candidateIndex, host: candidate } = candidateOf(s, cmd);
  const theirOpTime = cmd.lastAppliedOpTime ? opTimeFromBson(cmd.lastAppliedOpTime) : NULL_OPTIME;
  const mine = lastApplied(s);
  // topology_coordinator.cpp processReplSetRequestVotes, its checks in its order. One vote per
  // term: a real request for a term already voted in is refused whoever asks, the same candidate
  // again included; a dry run records nothing.
  const configOrder = compareConfigVersion(Number(cmd.configVersion), Number(cmd.configTerm ?? -1), config.version, config.term);
  const votedThisTerm = !dryRun && s.persisted.lastVote.term === voteTerm;
  // The injected bug grants a second candidate a vote in a term already voted in.
  const bugGrantsAnother = s.params.injectedBugs.includes('double-vote') && s.persisted.lastVote.candidateIndex !== candidateIndex;
  let reason = '';
  if (configOrder < 0) {
    reason = `candidate's config with {version: ${String(cmd.configVersion)}, term: ${String(cmd.configTerm)}} is older than mine with {version: ${config.version}, term: ${config.term}}`;
  } else if (voteTerm < term(s)) {
    reason = `candidate's term (${voteTerm}) is lower than mine (${term(s)})`;
  } else if (cmd.setName !== config._id) {
    reason = `candidate's set name (${String(cmd.setName)}) differs from mine (${config._id})`;
  } else if (compareOpTime(mine, theirOpTime) > 0) {
    reason = `candidate's data is staler than mine. candidate's last applied OpTime: ${formatOpTime(theirOpTime)}, my last applied OpTime: ${formatOpTime(mine)}`;
  } else if (votedThisTerm && !bugGrantsAnother) {
    const votedFor = config.members[s.persisted.lastVote.candidateIndex]?.host ?? '?';
    reason = `already voted for another candidate (${votedFor}) this term (${voteTerm})`;
  } else if (configOrder === 0 && s.stateCode === MemberState.ARBITER && primaryOfEqualOrGreaterPriority(s, config.members[candidateIndex])) {
    reason = `can see a healthy primary (${primaryHost(s) ?? '?'}) of equal or greater priority`;
  }
  const granted = reason === '';
  if (granted && !dryRun) {
    s.persisted.lastVote = { term: voteTerm, candidateIndex };
    s.out.push({ kind: 'persistReplState', what: 'vote' });
    resetElectionTimer(s);
  }
  if (!dryRun) {
    // replication_coordinator_impl.cpp processReplSetRequestVotes: every real request answered,
    // granted or not; maxAppliedOpTimeInSet is latestKnownOpTime().
    participantVoted(s, granted, voteTerm, config.members[candidateIndex]?._id ?? -1, reason, mine, latestKnownOpTime(s));
  }
  emit(s, { type: 'voteCast', candidate, term: voteTerm, dryRun, granted, reason });
  log(s, 'I', 'ELECTION', LogIds.votingForCandidate, { candidate, term: voteTerm, dryRun, granted, reason });
  return { term: Long.fromNumber(term(s)), voteGranted: granted, reason, ok: 1 };
}
