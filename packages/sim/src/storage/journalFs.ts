import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The file operations the journal needs, and nothing more, so tests can swap in
 * `MemoryJournalFileSystem` and cut power at any byte. `NodeJournalFileSystem` is the real one.
 * Paths are absolute; the journal only ever passes paths under its dbpath.
 */
export interface JournalFileSystem {
  ensureDir(dir: string): void;
  /** File names (not paths) in `dir`; empty when it does not exist. */
  list(dir: string): string[];
  /** The whole file. Throws when it does not exist. */
  readFile(file: string): Uint8Array;
  /** Open for appending at the end, creating it (and making its directory entry durable) when missing. */
  openAppend(file: string): AppendFile;
  /** Cut a file to `sizeBytes` and make that durable. */
  truncate(file: string, sizeBytes: number): void;
  /** Write a whole file durably: a temporary file, synced, renamed over `file`, the directory synced. */
  writeFileAtomic(file: string, chunks: readonly Uint8Array[]): Promise<void>;
  remove(file: string): void;
}

export interface AppendFile {
  readonly sizeBytes: number;
  /** Hand bytes to the operating system (survives the process's death, not the machine's). */
  write(bytes: Uint8Array): void;
  /** fdatasync off the event loop: resolves when everything written before the call is on disk. */
  sync(): Promise<void>;
  /** fdatasync now, blocking (for the rare records a member must not act before: term, vote, config). */
  syncNow(): void;
  close(): void;
}

/** The real file system (node:fs). Writes are synchronous and small; syncs run on libuv's pool. */
export class NodeJournalFileSystem implements JournalFileSystem {
  ensureDir(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
  }

  list(dir: string): string[] {
    try {
      return fs.readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  readFile(file: string): Uint8Array {
    return fs.readFileSync(file);
  }

  openAppend(file: string): AppendFile {
    const existed = fs.existsSync(file);
    const fd = fs.openSync(file, 'a');
    if (!existed) syncDir(path.dirname(file));
    let size = fs.fstatSync(fd).size;
    let closed = false;
    return {
      get sizeBytes() {
        return size;
      },
      write(bytes) {
        let offset = 0;
        while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
        size += bytes.length;
      },
      sync() {
        return new Promise((resolve, reject) => {
          if (closed) {
            resolve();
            return;
          }
          fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()));
        });
      },
      syncNow() {
        fs.fdatasyncSync(fd);
      },
      close() {
        if (closed) return;
        closed = true;
        fs.closeSync(fd);
      },
    };
  }

  truncate(file: string, sizeBytes: number): void {
    const fd = fs.openSync(file, 'r+');
    try {
      fs.ftruncateSync(fd, sizeBytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  async writeFileAtomic(file: string, chunks: readonly Uint8Array[]): Promise<void> {
    const temp = `${file}.tmp`;
    const handle = await fs.promises.open(temp, 'w');
    try {
      for (const chunk of chunks) {
        let offset = 0;
        while (offset < chunk.length) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, file);
    syncDir(path.dirname(file));
  }

  remove(file: string): void {
    fs.rmSync(file, { force: true });
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

interface MemoryFile {
  /** What the process wrote (the OS page cache). */
  written: Buffer;
  /** What reached the disk: survives `crash()`. */
  synced: Buffer;
}

/**
 * A file system in memory for tests: `crash()` loses what was written but not synced, keeping
 * `tornBytes` of it to model a write cut in the middle. Counts syncs so tests can see group commit.
 */
export class MemoryJournalFileSystem implements JournalFileSystem {
  private readonly files = new Map<string, MemoryFile>();
  private readonly dirs = new Set<string>();
  syncCount = 0;
  /** Set to make the next `sync()` hang until `releaseSyncs()` (to watch acknowledgements wait). */
  holdSyncs = false;
  private readonly heldSyncs: Array<() => void> = [];

  ensureDir(dir: string): void {
    this.dirs.add(path.resolve(dir));
  }

  list(dir: string): string[] {
    const base = path.resolve(dir);
    return [...this.files.keys()].filter((f) => path.dirname(f) === base).map((f) => path.basename(f));
  }

  readFile(file: string): Uint8Array {
    const f = this.files.get(path.resolve(file));
    if (!f) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return new Uint8Array(f.written);
  }

  exists(file: string): boolean {
    return this.files.has(path.resolve(file));
  }

  /** Replace a file's bytes as if they were on disk (for corruption tests). */
  setFile(file: string, bytes: Uint8Array): void {
    const data = Buffer.from(bytes);
    this.files.set(path.resolve(file), { written: data, synced: Buffer.from(data) });
  }

  openAppend(file: string): AppendFile {
    const key = path.resolve(file);
    let f = this.files.get(key);
    if (!f) {
      f = { written: Buffer.alloc(0), synced: Buffer.alloc(0) };
      this.files.set(key, f);
    }
    const entry = f;
    let closed = false;
    const doSync = (): void => {
      this.syncCount++;
      if (this.files.get(key) === entry) entry.synced = Buffer.from(entry.written);
    };
    return {
      get sizeBytes() {
        return entry.written.length;
      },
      write: (bytes) => {
        if (closed) throw new Error(`write to closed file ${file}`);
        entry.written = Buffer.concat([entry.written, bytes]);
      },
      sync: () => {
        const snapshot = Buffer.from(entry.written);
        const finish = (): void => {
          this.syncCount++;
          if (this.files.get(key) === entry && entry.synced.length < snapshot.length) entry.synced = snapshot;
        };
        if (!this.holdSyncs) {
          finish();
          return Promise.resolve();
        }
        return new Promise((resolve) => this.heldSyncs.push(() => (finish(), resolve())));
      },
      syncNow: () => doSync(),
      close: () => {
        closed = true;
      },
    };
  }

  releaseSyncs(): void {
    this.holdSyncs = false;
    for (const release of this.heldSyncs.splice(0)) release();
  }

  truncate(file: string, sizeBytes: number): void {
    const f = this.files.get(path.resolve(file));
    if (!f) throw new Error(`ENOENT: ${file}`);
    f.written = f.written.subarray(0, sizeBytes);
    f.synced = Buffer.from(f.written);
  }

  writeFileAtomic(file: string, chunks: readonly Uint8Array[]): Promise<void> {
    const data = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
    this.files.set(path.resolve(file), { written: data, synced: Buffer.from(data) });
    this.syncCount++;
    return Promise.resolve();
  }

  remove(file: string): void {
    this.files.delete(path.resolve(file));
  }

  /** The machine loses power: unsynced bytes are gone, except the first `tornBytes` of each file's unsynced part. */
  crash(tornBytes = 0): void {
    for (const f of this.files.values()) {
      const keep = Math.min(f.written.length, f.synced.length + tornBytes);
      const kept = Buffer.concat([f.synced, f.written.subarray(f.synced.length, keep)]);
      f.written = kept;
      f.synced = Buffer.from(kept);
    }
  }
}
