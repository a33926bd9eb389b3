import type { LabEvent } from '@rslab/protocol';
import type { ClientView, LabMark, LabView, PartitionView, ProcessView, ShellRecord } from './view';

/**
 * What came after a mark: the lines typed, events, kills, processes, clients and partitions that
 * are newer than it. Lesson checks ask `view.lesson` for what the lesson may build on and
 * `view.step` for what the learner must do in the step itself.
 */
export class Since {
  constructor(readonly mark: LabMark) {}

  record(record: ShellRecord): boolean {
    return record.seq >= this.mark.seq;
  }

  event(event: LabEvent): boolean {
    return event.id > this.mark.eventId;
  }

  partition(partition: PartitionView): boolean {
    return partition.seq >= this.mark.seq;
  }

  /** A process started after the mark. */
  started(process: ProcessView): boolean {
    return !this.mark.pids.has(process.pid);
  }

  /** A process killed (or exited) after the mark. */
  killed(process: ProcessView): boolean {
    return process.killed !== null && !this.mark.killedPids.has(process.pid);
  }

  /** A driver client opened after the mark. */
  client(client: ClientView): boolean {
    return !this.mark.clientIds.has(client.id);
  }
}

/**
 * The view a step's check reads: the lab as it is, with the lesson's start (the machine was
 * cleared for it, or its setup built) and the step's start (or the moment the learner made the
 * step's prediction) to tell the learner's doing in this step from what came before.
 */
export interface CheckView extends LabView {
  lesson: Since;
  step: Since;
}

export function checkView(view: LabView, lesson: LabMark, step: LabMark): CheckView {
  return Object.assign(Object.create(view) as LabView, { lesson: new Since(lesson), step: new Since(step) }) as CheckView;
}
