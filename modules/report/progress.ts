/** The progress bar on stderr, drawn by cli-progress, only when stderr is a terminal (never in a CI log). */
import { SingleBar } from 'cli-progress';

/** Told of each account/region as it finishes. */
export interface Progress {
  regionDone(instances: number, failed: boolean): void;
  stop(): void;
}

const SILENT: Progress = { regionDone: () => undefined, stop: () => undefined };

/** A bar over `total` account/regions on `stream`, or nothing when `stream` is not a TTY. */
export function progressOn(stream: NodeJS.WriteStream, total: number): Progress {
  if (!stream.isTTY || total === 0) return SILENT;
  const bar = new SingleBar({
    stream,
    format: 'report |{bar}| {value}/{total} account-regions | {instances} instances | {failed} failed | {duration_formatted}',
    hideCursor: true,
    clearOnComplete: true,
  });
  let instances = 0;
  let failures = 0;
  bar.start(total, 0, { instances, failed: failures });
  return {
    regionDone(n, failed) {
      instances += n;
      if (failed) failures++;
      bar.increment(1, { instances, failed: failures });
    },
    stop: () => bar.stop(),
  };
}
