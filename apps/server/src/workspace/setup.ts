import type { Document } from 'bson';
import type { LessonSetup } from '../lessons/model';
import type { Lab } from '../sandbox/lab';
import type { TerminalSession } from '../terminal/session';
import { typeLine } from '../terminal/typeLine';

/** How long a setup's set may take to elect a primary and bring its secondaries up, in sandbox time. */
const setupHealthyMillisMax = 90_000;
/** The sim engine's clock speed while a setup waits for its set. */
const setupSpeed = 10;
const setupLineTimeoutMillis = 30_000;

/** Our own error: a lesson's setup did not come up. */
export class LessonSetupError extends Error {
  override readonly name = 'LessonSetupError';
}

/** The mongod line a setup member is started with, as the learner would type it. */
export function setupMongodLine(setup: LessonSetup, index: number): string {
  const member = setup.members[index];
  if (!member) throw new RangeError(`setup has no member ${index}`);
  const oplogSize = setup.oplogSizeMB === undefined ? '' : ` --oplogSize ${setup.oplogSizeMB}`;
  return `mongod --port ${member.port} --dbpath ${member.dbpath} --replSet ${setup.replSetName}${oplogSize}`;
}

/** The config a setup initiates its set with. */
export function setupConfig(setup: LessonSetup, hostname: string): Document {
  return {
    _id: setup.replSetName,
    members: setup.members.map((m, i) => ({
      _id: i,
      host: `${hostname}:${m.port}`,
      ...(m.priority !== undefined ? { priority: m.priority } : {}),
      ...(m.votes !== undefined ? { votes: m.votes } : {}),
      ...(m.arbiterOnly ? { arbiterOnly: true } : {}),
      ...(m.hidden ? { hidden: true } : {}),
    })),
    ...(setup.settings ? { settings: setup.settings } : {}),
  };
}

/**
 * Build a lesson's starting set on a cleared lab: type each member's mongod line into the servers
 * shell (so `ps`, `logs` and the scrollback show them as if typed), initiate the set with its
 * config, and wait (time sped up on the sim engine) for one primary and every other data-bearing
 * member SECONDARY.
 */
export async function buildSetup(lab: Lab, setup: LessonSetup, servers: TerminalSession): Promise<void> {
  servers.notice(`# This lesson starts with replica set "${setup.replSetName}" running: the lab starts its members and initiates it for you.\n`);
  for (let i = 0; i < setup.members.length; i += 1) {
    const output = await typeLine(servers, setupMongodLine(setup, i), setupLineTimeoutMillis);
    if (!lab.engine.processes().some((p) => p.running && p.port === setup.members[i]?.port)) {
      throw new LessonSetupError(`the setup's member on port ${setup.members[i]?.port} did not start:\n${output}`);
    }
  }
  const first = `${lab.hostname}:${setup.members[0]?.port}`;
  const reply = await lab.engine.command(first, { replSetInitiate: setupConfig(setup, lab.hostname) });
  if (reply.ok !== 1) throw new LessonSetupError(`initiating the setup's set failed: ${String(reply.errmsg)}`);
  const clock = lab.engine.clock;
  const speedBefore = clock.speed;
  const wasPaused = clock.paused;
  if (lab.engine.kind === 'sim') clock.setSpeed(setupSpeed);
  if (wasPaused) clock.resume();
  try {
    const deadline = clock.now() + setupHealthyMillisMax;
    const dataBearing = setup.members.filter((m) => !m.arbiterOnly).length;
    // With one member above the rest in priority, the set is ready once that member has taken over.
    const byPriority = [...setup.members].sort((a, b) => (b.priority ?? 1) - (a.priority ?? 1));
    const preferred = byPriority[0] && (byPriority[0].priority ?? 1) > (byPriority[1]?.priority ?? 1) ? `${lab.hostname}:${byPriority[0].port}` : null;
    for (;;) {
      const snapshot = await lab.snapshot();
      const primaries = snapshot.members.filter((m) => m.state === 'PRIMARY').length;
      const secondaries = snapshot.members.filter((m) => m.state === 'SECONDARY').length;
      const primary = snapshot.members.find((m) => m.state === 'PRIMARY')?.host;
      if (primaries === 1 && secondaries === dataBearing - 1 && (preferred === null || primary === preferred)) break;
      if (clock.now() > deadline) throw new LessonSetupError(`the setup's set was not healthy after ${setupHealthyMillisMax / 1000} s: ${snapshot.members.map((m) => `${m.host} ${m.state}`).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    if (clock.speed !== speedBefore) clock.setSpeed(speedBefore);
    if (wasPaused) clock.pause();
  }
  servers.notice(`# Set "${setup.replSetName}" is up: ${setup.members.map((m) => `${lab.hostname}:${m.port}`).join(', ')}.\n`);
}
