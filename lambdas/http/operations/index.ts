/** Every operation by operationId; a test checks each route has exactly one. */
import type { Operations } from '../operation';
import { customerOperations } from './customers';
import { metaOperations } from './meta';

export const OPERATIONS: Operations = { ...metaOperations, ...customerOperations };
