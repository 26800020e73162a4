import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inventoryMarkdown } from '../../lambdas/core/policy/inventory';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the README', () => {
  it('shows the data inventory exactly as the inventory module defines it', () => {
    const section = /<!-- inventory:start -->\n([\s\S]*?)\n<!-- inventory:end -->/.exec(readme)?.[1];
    expect(section, 'README has the inventory markers').toBeDefined();
    expect(section).toBe(inventoryMarkdown());
  });

  it('opens with the two set-up commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toContain('npm ci && npm start');
    expect(firstBlock).toContain('npm test');
  });
});
