import type { ServerMessage } from '@rslab/protocol';
import type { TestClient } from './wsClient';

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;

/** The walkthrough's first three steps, typed in the servers shell: the lesson moves to `connect-one`. */
export const linesToConnectOne = [
  'hostname',
  'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest',
  'mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest',
  'mongod --port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017 --rest',
];

/** On a rooms page: follow with the resume token, "Try it myself", and type the first three steps in the copy. */
export async function forkAndReachConnectOne(page: TestClient, code: string, token: string, forkMillisMax: number): Promise<Welcome> {
  page.send({ type: 'room.follow', code, attendee: token });
  await page.waitFor((m) => m.type === 'welcome');
  page.send({ type: 'room.fork' });
  const fork = await page.waitFor((m): m is Welcome => m.type === 'welcome' && m.room?.mode === 'fork', forkMillisMax);
  const tab = fork.tabs[0]!.tab;
  for (const line of linesToConnectOne) page.send({ type: 'input', tab, line });
  return fork;
}
