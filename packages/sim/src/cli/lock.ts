import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * mongod's `mongod.lock` in the dbpath: holds the pid of the running mongod, emptied on clean
 * shutdown. A lock held by a live process refuses the start with mongod's DBPathInUse error.
 */

export const LOCK_FILE_NAME = 'mongod.lock';

/** Errors that end start-up with mongod's exit code 100 and an initAndListen error line. */
export class DbPathError extends Error {
  override readonly name = 'DbPathError';
  constructor(
    /** mongod's codeName: `NonExistentPath`, `DBPathInUse`, ... */
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }

  /** As mongod prints it in "DBException in initAndListen, terminating": `Code: message`. */
  get mongodText(): string {
    return `${this.codeName}: ${this.message}`;
  }
}

export function checkDbPath(dbpath: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dbpath);
  } catch (_error) {
    // Rethrown as mongod reports it: whatever stat says (ENOENT, EACCES), the data directory is not usable.
    throw new DbPathError(
      'NonExistentPath',
      `Data directory ${dbpath} not found. Create the missing directory or specify another path using (1) the --dbpath command line option, or (2) by adding the 'storage.dbPath' option in the configuration file.`,
    );
  }
  if (!stat.isDirectory()) throw new DbPathError('NonExistentPath', `Data directory ${dbpath} is not a directory`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DbPathLock {
  readonly path: string;
  /** Empty the lock file (clean shutdown). Safe to call twice. */
  release(): void;
}

/** Take the dbpath lock for this process, or throw DBPathInUse when a live process holds it. */
export function lockDbPath(dbpath: string, pid: number = process.pid): DbPathLock {
  const lockPath = path.join(dbpath, LOCK_FILE_NAME);
  const inUse = (): DbPathError =>
    new DbPathError(
      'DBPathInUse',
      `Unable to lock the lock file: ${lockPath} (Resource temporarily unavailable). Another mongod instance is already running on the ${dbpath} directory`,
    );
  let fd: number;
  try {
    fd = fs.openSync(lockPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new DbPathError('IllegalOperation', `Unable to create/open the lock file: ${lockPath} (${(error as Error).message}).`);
    }
    const holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    if (holder !== pid && isAlive(holder)) throw inUse();
    // Stale (unclean shutdown) or empty: take it over.
    fd = fs.openSync(lockPath, 'r+');
    fs.ftruncateSync(fd, 0);
  }
  fs.writeSync(fd, `${pid}\n`, 0);
  fs.fsyncSync(fd);
  // Re-read: if two processes raced through the stale branch, only one pid is in the file.
  const written = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
  if (written !== pid) {
    fs.closeSync(fd);
    throw inUse();
  }
  let released = false;
  return {
    path: lockPath,
    release() {
      if (released) return;
      released = true;
      try {
        fs.ftruncateSync(fd, 0);
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}
