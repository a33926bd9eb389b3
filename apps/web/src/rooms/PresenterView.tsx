import { useEffect, useMemo } from 'react';
import type { ServerMessage } from '@rslab/protocol';
import type { LabClient } from '../app/labClient';
import { ClusterPane } from '../components/ClusterPane';
import { TerminalPane } from '../components/TerminalPane';
import { alreadyInInterpreter, fillPid, roleIndex, shellForCommand } from '../lesson/shells';
import { selectCluster, selectLesson, useLab } from '../store/lab';
import { Autoplay, type AutoplayPace, type AutoplayStep } from './autoplay';
import type { RoomSocket } from './roomSocket';
import { displayCode } from './route';
import { selectAutoplay, selectAutoplayNote, selectRefusal, selectWelcome, useRoom } from './store';

let requestId = 1;

function currentStep(): AutoplayStep | null {
  const lesson = useLab.getState().lesson;
  const step = lesson?.steps[lesson.stepIndex];
  return step ? { id: step.id, title: step.title, commands: step.commands ?? [] } : null;
}

function primaryPid(): number | null {
  return useLab.getState().cluster?.members.find((m) => m.state === 'PRIMARY' && m.process === 'running')?.pid ?? null;
}

/** The controller of the shell a lesson command belongs in, opening tabs up to it if need be. */
function controllerFor(client: LabClient, command: string) {
  const index = roleIndex(shellForCommand(command));
  const tab = useLab.getState().tabs[index];
  if (!tab) return null;
  client.activate(tab.id);
  return client.controllers.get(tab.id) ?? null;
}

function waitFor(socket: RoomSocket, predicate: (m: ServerMessage) => boolean, timeoutMillis: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve(false);
    }, timeoutMillis);
    const unsubscribe = socket.subscribe((message) => {
      if (!predicate(message)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(true);
    });
  });
}

const runStepPace: AutoplayPace = { characterMillis: 8, afterCommandMillis: 300, checkTimeoutMillis: 45_000 };

export function makeAutoplay(client: LabClient, socket: RoomSocket, pace?: AutoplayPace): Autoplay {
  return new Autoplay({
    currentStep,
    prepare: (command) => fillPid(command, primaryPid()),
    openShell: async (command) => {
      const index = roleIndex(shellForCommand(command));
      // Open one tab at a time and wait until the page has it (not just the message) before the next.
      for (let attempt = 0; attempt < 3 && !useLab.getState().tabs[index]; attempt += 1) {
        const count = useLab.getState().tabs.length;
        client.openTab();
        for (let waited = 0; waited < 5000 && useLab.getState().tabs.length === count; waited += 25) {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
      return controllerFor(client, command) !== null;
    },
    alreadyDone: (command) => {
      const controller = controllerFor(client, command);
      return controller !== null && alreadyInInterpreter(command, controller.promptShown);
    },
    typeCharacter: (command, character) => controllerFor(client, command)?.typeLine(character, false),
    submit: async (command) => {
      const controller = controllerFor(client, command);
      if (!controller) return;
      const index = roleIndex(shellForCommand(command));
      const tab = useLab.getState().tabs[index]?.id;
      const prompted = waitFor(socket, (m) => m.type === 'prompt' && m.tab === tab, 30_000);
      controller.typeLine('', true);
      await prompted;
    },
    stepDone: async (stepId, timeoutMillis) => {
      if (currentStep()?.id !== stepId) return true;
      return waitFor(socket, (m) => m.type === 'lesson' && m.progress.steps[m.progress.stepIndex]?.id !== stepId, timeoutMillis);
    },
    sleep: (millis) => new Promise((resolve) => setTimeout(resolve, millis)),
    onState: (state, note) => useRoom.setState({ autoplay: state, autoplayNote: note }),
  }, pace);
}

/**
 * The presenter view: terminal and cluster only, in large type, for a projector. Shortcuts work
 * everywhere on the page (with Alt inside the terminal): N next step, R run this step, P pause or
 * resume time, K kill the primary, A autoplay on/pause.
 */
export function PresenterView({ client, socket }: { client: LabClient; socket: RoomSocket }) {
  const welcome = useRoom(selectWelcome);
  const refusal = useRoom(selectRefusal);
  const autoplayState = useRoom(selectAutoplay);
  const autoplayNote = useRoom(selectAutoplayNote);
  const lesson = useLab(selectLesson);
  const cluster = useLab(selectCluster);
  const autoplay = useMemo(() => makeAutoplay(client, socket), [client, socket]);
  // "Run step" types the step's commands quickly and stops when its check passes.
  const runner = useMemo(() => makeAutoplay(client, socket, runStepPace), [client, socket]);
  const step = lesson?.steps[lesson.stepIndex];

  useEffect(() => {
    client.setPresenterZoom(true);
    const actions: Record<string, () => void> = {
      n: () => socket.send({ type: 'lesson.skip', requestId: requestId++ }),
      r: () => runner.runStep(),
      p: () => client.control(useLab.getState().cluster?.paused ? 'resume' : 'pause'),
      k: () => client.control('kill', { target: 'primary' }),
      a: () => autoplay.toggle(),
    };
    const onKey = (event: KeyboardEvent) => {
      const inTerminal = event.target instanceof HTMLElement && event.target.closest('.terminal-host') !== null;
      if (event.ctrlKey || event.metaKey || (inTerminal && !event.altKey)) return;
      const action = actions[event.key.toLowerCase()];
      if (!action) return;
      event.preventDefault();
      event.stopPropagation();
      action();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => {
      window.removeEventListener('keydown', onKey, { capture: true });
      autoplay.stop();
      runner.stop();
    };
  }, [client, socket, autoplay, runner]);

  return (
    <div className="app presenter rooms-presenter">
      <header className="app-header presenter-header">
        <span className="room-code" aria-label="Join code">
          {welcome ? displayCode(welcome.code) : '…'}
        </span>
        <span className="presenter-step" aria-label="Current step">
          {step ? `${lesson ? lesson.stepIndex + 1 : ''}. ${step.title}` : 'Lesson finished'}
        </span>
        <span className="presenter-autoplay" role="status">
          autoplay {autoplayState}
          {autoplayNote ? ` · ${autoplayNote}` : ''}
          {cluster?.paused ? ' · time paused' : ''}
        </span>
        <span className="presenter-keys muted">
          <kbd>N</kbd> next step <kbd>R</kbd> run step <kbd>P</kbd> pause time <kbd>K</kbd> kill primary <kbd>A</kbd> autoplay (Alt+ in the terminal)
        </span>
      </header>
      {refusal && (
        <div className="notice" role="alert">
          {refusal.message}
        </div>
      )}
      <main className="presenter-layout">
        <TerminalPane client={client} />
        <ClusterPane client={client} />
      </main>
    </div>
  );
}
