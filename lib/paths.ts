import { fileURLToPath } from 'node:url';

/** The repository root, whatever directory `cdk` or the tests run from. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
