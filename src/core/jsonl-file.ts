/**
 * An append-only JSON-lines file, fsynced after every record: the local durability of a node while its
 * store may be unreachable (the incident journal, the outbox spool). Opening it reads every record back.
 * Only the last line can be torn (a crash mid-write, before its fsync returned, so nothing written in it
 * was promised to anyone): it is dropped on read and cut off before the next append. Any other line that
 * is not JSON is an error naming the file and the line.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class JsonlFile<T> {
  private fd: number | null = null;
  /** Length in bytes of the file's complete records, when it ends in a torn one. */
  private tornAt: number | null = null;
  /** Bytes this instance has read or written: more on disk means another process appended. */
  private knownSize = 0;

  /** Reads the existing records into `onRecord`, in file order. `what` names the file in errors. */
  constructor(
    readonly path: string,
    what: string,
    onRecord: (record: T) => void,
  ) {
    if (!existsSync(path)) return;
    const text = readFileSync(path, 'utf8');
    this.knownSize = Buffer.byteLength(text);
    if (text.length > 0 && !text.endsWith('\n')) this.tornAt = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      let record: T;
      try {
        record = JSON.parse(line) as T;
      } catch (err) {
        if (i < lines.length - 2) throw new Error(`${what} ${path} line ${i + 1} is not JSON: ${(err as Error).message}`, { cause: err });
        continue;
      }
      onRecord(record);
    }
  }

  /** Writes one record and fsyncs it (and, for a new file, its directory entry) before returning. */
  append(record: T): void {
    if (this.fd === null) {
      const created = !existsSync(this.path);
      mkdirSync(dirname(this.path), { recursive: true });
      if (this.tornAt !== null) {
        truncateSync(this.path, this.tornAt);
        this.knownSize = this.tornAt;
        this.tornAt = null;
      }
      this.fd = openSync(this.path, 'a', 0o600);
      if (created) fsyncDir(dirname(this.path));
    }
    const line = JSON.stringify(record) + '\n';
    writeSync(this.fd, line);
    this.knownSize += Buffer.byteLength(line);
    fsyncSync(this.fd);
  }

  /** Empties the file, unless another process sharing it appended records this instance has not read
   * (nodes without a configured nodeId on one machine). Returns whether it did. */
  truncate(): boolean {
    if (this.fd === null || fstatSync(this.fd).size !== this.knownSize) return false;
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.knownSize = 0;
    return true;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Makes a new file's directory entry durable too. */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
