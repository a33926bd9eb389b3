import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers for tests that run `sim-mongod` as a real process. */

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/sim-mongod');

export interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startSimMongod(args: string[], children: ChildProcess[]): Running {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (running.stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (running.stderr += chunk.toString('utf8')));
  return running;
}

export async function waitForOutput(running: Running, text: string, timeoutMillis = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!running.stdout.toLowerCase().includes(text.toLowerCase())) {
    if (running.child.exitCode !== null) throw new Error(`sim-mongod exited ${running.child.exitCode} before "${text}":\n${running.stdout}\n${running.stderr}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMillis} ms:\n${running.stdout}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export function logLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Kill every child still running (SIGKILL), for afterEach. */
export function killAll(children: ChildProcess[]): void {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
