import { describe, expect, it } from 'vitest';
import { findChromium } from './browser';

describe('finding a browser for the portal tests', () => {
  it('a CHROMIUM_PATH that does not exist fails with what to do, instead of skipping', async () => {
    await expect(findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).rejects.toThrow(
      /CHROMIUM_PATH=\/nonexistent\/chromium does not exist/,
    );
  });
  it('CHROMIUM_PATH wins over every other source', async () => {
    const found = await findChromium({ CHROMIUM_PATH: process.execPath });
    expect(found).toMatchObject({ executablePath: process.execPath, source: 'CHROMIUM_PATH' });
  });
  it('without CHROMIUM_PATH, a browser is found with nothing installed by hand', async () => {
    const found = await findChromium({});
    expect(['/usr/bin/chromium', '@sparticuz/chromium']).toContain(found.source);
    expect(found.args).not.toContain('--disable-web-security');
  });
});
