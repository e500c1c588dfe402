/**
 * Findings on disk while the sources run, one JSON line each, so memory follows the summary and not
 * the fleet; every renderer then reads them back in order.
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { once } from 'node:events';
import type { Finding } from './model';

/** An append-only file of findings. */
export class FindingSpool {
  private readonly stream: fs.WriteStream;
  private count = 0;

  constructor(readonly file: string) {
    this.stream = fs.createWriteStream(file, { flags: 'wx' });
  }

  /** Findings written so far. */
  get size(): number {
    return this.count;
  }

  /** Appends one finding; resolves when the stream can take more (back-pressure). */
  async write(finding: Finding): Promise<void> {
    this.count++;
    if (!this.stream.write(`${JSON.stringify(finding)}\n`)) await once(this.stream, 'drain');
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.stream.closed) return;
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  /** Every finding, in the order written. */
  async *read(): AsyncGenerator<Finding> {
    const lines = readline.createInterface({ input: fs.createReadStream(this.file), crlfDelay: Infinity });
    for await (const line of lines) if (line !== '') yield JSON.parse(line) as Finding;
  }
}

/** A file written in pieces, waiting when the disk is slower than the writer. */
export class FileWriter {
  private readonly stream: fs.WriteStream;

  constructor(file: string) {
    this.stream = fs.createWriteStream(file, { flags: 'wx' });
  }

  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** Something text is written to: a file, or a string in tests. */
export interface TextSink {
  write(text: string): Promise<void> | void;
}
