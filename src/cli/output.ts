/**
 * The CLI's standard output. A reader that stops early (`tourniquet audit list | head`) closes the
 * pipe: the next write fails with EPIPE. That is the reader's choice, not a failure of the command,
 * so the process ends quietly with success instead of crashing with a stack trace.
 */
let guarded = false;

export function out(s: string): void {
  if (!guarded) {
    guarded = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  process.stdout.write(s + '\n');
}

/** `out` for long outputs: waits while the reader is behind, so a million lines are not buffered. */
export async function outPaced(s: string): Promise<void> {
  out(s);
  if (process.stdout.writableNeedDrain) {
    await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
}
