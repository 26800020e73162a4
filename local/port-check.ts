/**
 * Whether `npm start` can listen where it is told to, asked before anything is written to the data
 * directory: a taken port must not leave a token and a master key behind, nor end in a stack trace.
 */
import { createServer } from 'node:net';

/** One line saying what is wrong with the listening address and which setting changes it; undefined: not ours to explain. */
export function describeListenError(e: unknown, port: number, host: string): string | undefined {
  switch ((e as NodeJS.ErrnoException)?.code) {
    case 'EADDRINUSE':
      return (
        `Port ${port} on ${host} is already in use: stop what is using it, ` +
        `or set PORT to another port (e.g. PORT=${port === 65535 ? 3001 : port + 1} npm start).`
      );
    case 'EACCES':
      return `Port ${port} needs privileges this user does not have: set PORT to a port above 1023.`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `HOST ${host} is not an address of this machine: set HOST to one (default 127.0.0.1).`;
    default:
      return undefined;
  }
}

/** Binds `port` on `host` for a moment; rejects with the one-line explanation when that fails. */
export async function checkCanListen(port: number, host: string): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (e) => {
      reject(new Error(describeListenError(e, port, host) ?? `Cannot listen on ${host}:${port}: ${(e as Error).message}`));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
