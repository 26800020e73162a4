/**
 * Finds and launches a Chromium for the browser tests, with nothing installed by hand:
 * `CHROMIUM_PATH`, then Debian's `/usr/bin/chromium` if present, then the binary that
 * `@sparticuz/chromium` ships inside its npm package (unpacked to the temp dir on first use).
 * A missing browser is a failure that says what to install, never a skipped test.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Flags for a closed network and a root user; the rest of Chromium's defaults stay (CSP, same-origin).
const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

export interface FoundBrowser {
  executablePath: string;
  args: string[];
  source: 'CHROMIUM_PATH' | '/usr/bin/chromium' | '@sparticuz/chromium';
}

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<FoundBrowser> {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist: point it at a Chromium binary, or unset it`);
    return { executablePath: fromEnv, args: BASE_ARGS, source: 'CHROMIUM_PATH' };
  }
  if (existsSync('/usr/bin/chromium')) return { executablePath: '/usr/bin/chromium', args: BASE_ARGS, source: '/usr/bin/chromium' };
  try {
    const packaged = (await import('@sparticuz/chromium')).default;
    const executablePath = await packaged.executablePath();
    // Not packaged.args: those are tuned for Lambda (--single-process ends the browser with its first
    // closed context) and weaken what the tests check (--disable-web-security, insecure content).
    return { executablePath, args: BASE_ARGS, source: '@sparticuz/chromium' };
  } catch (err) {
    throw new Error(
      'No Chromium for the browser tests. Run `npm ci` (it installs @sparticuz/chromium), ' +
        `or install Debian's chromium (apt-get install chromium), or set CHROMIUM_PATH. Cause: ${(err as Error).message}`,
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  const found = await findChromium();
  return chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true });
}
