/**
 * Autoplay of a lesson for a presenter: types each command of the current step at a readable
 * pace, waits for its prompt, then waits for the step's check to pass before going on to the
 * next step. Pausable at any moment (between two characters); resumes where it stopped.
 */
export interface AutoplayStep {
  id: string;
  title: string;
  commands: string[];
}

export interface AutoplayPorts {
  /** The step the lesson is on now, or null when the lesson is finished. */
  currentStep(): AutoplayStep | null;
  /** Make sure the shell `command` belongs in is open; false when it cannot be. */
  openShell(command: string): Promise<boolean>;
  /** True when typing `command` is not needed (`python` in a shell that already runs Python). */
  alreadyDone(command: string): boolean;
  /** Put one character into the right shell for `command`. */
  typeCharacter(command: string, character: string): void;
  /** Press Enter after `command`; resolves when its shell shows a prompt again. */
  submit(command: string): Promise<void>;
  /** Resolves when the step `stepId` is no longer the current one (its check passed). */
  stepDone(stepId: string, timeoutMillis: number): Promise<boolean>;
  /** Fill placeholders (the primary's PID) just before typing. */
  prepare(command: string): string;
  sleep(millis: number): Promise<void>;
  onState(state: 'playing' | 'paused' | 'off', note: string | null): void;
}

export interface AutoplayPace {
  characterMillis: number;
  /** Pause after a command's prompt comes back, so the class can read the output. */
  afterCommandMillis: number;
  /** Longest wait for a step's check before autoplay stops and says so. */
  checkTimeoutMillis: number;
}

export const readablePace: AutoplayPace = { characterMillis: 45, afterCommandMillis: 1200, checkTimeoutMillis: 45_000 };

export class Autoplay {
  private running = false;
  private paused = false;
  private resumeWaiters: Array<() => void> = [];
  /** Steps to play before stopping by itself (null: to the end of the lesson). */
  private stepsLeft: number | null = null;

  constructor(
    private readonly ports: AutoplayPorts,
    private readonly pace: AutoplayPace = readablePace,
  ) {}

  get state(): 'playing' | 'paused' | 'off' {
    return !this.running ? 'off' : this.paused ? 'paused' : 'playing';
  }

  /** Play the current step only (the presenter's "run step"), then stop. */
  runStep(): void {
    if (this.running) return;
    this.stepsLeft = 1;
    this.play();
  }

  /** Start, or resume when paused. */
  play(): void {
    if (this.running) {
      this.paused = false;
      for (const wake of this.resumeWaiters.splice(0)) wake();
      this.ports.onState('playing', null);
      return;
    }
    this.running = true;
    this.paused = false;
    this.ports.onState('playing', null);
    this.loop().catch((error: unknown) => this.stop(`stopped: ${error instanceof Error ? error.message : String(error)}`));
  }

  pause(): void {
    if (!this.running || this.paused) return;
    this.paused = true;
    this.ports.onState('paused', 'paused: press play to go on');
  }

  toggle(): void {
    if (this.state === 'playing') this.pause();
    else this.play();
  }

  stop(note: string | null = null): void {
    this.running = false;
    this.stepsLeft = null;
    this.paused = false;
    for (const wake of this.resumeWaiters.splice(0)) wake();
    this.ports.onState('off', note);
  }

  private async gate(): Promise<boolean> {
    while (this.running && this.paused) await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
    return this.running;
  }

  private async loop(): Promise<void> {
    const stepsMax = 100;
    for (let guard = 0; guard < stepsMax; guard += 1) {
      if (!(await this.gate())) return;
      const step = this.ports.currentStep();
      if (!step) {
        this.stop('the lesson is finished');
        return;
      }
      for (const raw of step.commands) {
        if (!(await this.gate())) return;
        if (!(await this.ports.openShell(raw))) {
          this.stop(`stopped: no shell to type "${raw}" in`);
          return;
        }
        if (this.ports.alreadyDone(raw)) continue;
        const command = this.ports.prepare(raw);
        for (const character of command) {
          if (!(await this.gate())) return;
          this.ports.typeCharacter(raw, character);
          await this.ports.sleep(this.pace.characterMillis);
        }
        if (!(await this.gate())) return;
        await this.ports.submit(raw);
        await this.ports.sleep(this.pace.afterCommandMillis);
      }
      if (!(await this.gate())) return;
      const passed = await this.ports.stepDone(step.id, this.pace.checkTimeoutMillis);
      if (!passed) {
        this.stop(`stopped: "${step.title}" did not pass its check within ${Math.round(this.pace.checkTimeoutMillis / 1000)} s`);
        return;
      }
      if (this.stepsLeft !== null) {
        this.stepsLeft -= 1;
        if (this.stepsLeft <= 0) {
          this.stop(`ran "${step.title}"`);
          return;
        }
      }
    }
    this.stop(`stopped after ${stepsMax} steps`);
  }
}
