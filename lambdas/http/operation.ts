import type { App } from '../core/app';
import type { Principal } from '../core/shared/principal';
import type { ApiEvent } from './middleware';

export interface OpRequest<B = unknown, Q = unknown> {
  principal: Principal | undefined;
  params: Record<string, string>;
  body: B;
  /** The parsed query string, on routes that declare one. */
  query: Q;
  headers: Record<string, string>;
  event: ApiEvent;
}

export interface OpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Non-JSON responses (HTML, JS, CSS, attachments). */
  raw?: { contentType: string; body: string };
}

// biome-ignore lint/suspicious/noExplicitAny: each operation's body and query types come from its route schemas, checked at run time.
export type Operation = (req: OpRequest<any, any>, app: App) => Promise<OpResult>;
export type Operations = Record<string, Operation>;
