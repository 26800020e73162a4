/** Every operation by operationId; a test checks each route has exactly one. */
import type { Operations } from '../operation';
import { categoryOperations } from './categories';
import { customerOperations } from './customers';
import { erasureOperations } from './erasure';
import { metaOperations } from './meta';
import { portalOperations } from './portal';

export const OPERATIONS: Operations = {
  ...metaOperations,
  ...customerOperations,
  ...categoryOperations,
  ...portalOperations,
  ...erasureOperations,
};
