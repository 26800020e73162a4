/** Captures everything the process prints to stdout and stderr, whatever prints it, while still printing it. */
import { afterAll, beforeAll } from 'vitest';

export function capturePrinted(printed: string[] = []): { printed: string[]; restore(): void } {
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const capture = (orig: typeof process.stdout.write) =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (orig as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof process.stdout.write;
  process.stdout.write = capture(writes.out);
  process.stderr.write = capture(writes.err);
  return {
    printed,
    restore() {
      process.stdout.write = writes.out;
      process.stderr.write = writes.err;
    },
  };
}

/** What the process prints from the test file's first beforeAll to its last afterAll (call it before the file's own hooks). */
export function capturePrintedInFile(): string[] {
  const printed: string[] = [];
  let capture: { restore(): void } | undefined;
  beforeAll(() => {
    capture = capturePrinted(printed);
  });
  afterAll(() => capture?.restore());
  return printed;
}
