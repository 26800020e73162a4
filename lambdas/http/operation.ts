import type { App } from '../core/app';
import type { Principal } from '../core/shared/principal';
import type { ApiEvent } from './middleware';

export interface OpRequest<B = unknown> {
  principal: Principal | undefined;
  params: Record<string, string>;
  body: B;
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

// biome-ignore lint/suspicious/noExplicitAny: each operation's body type comes from its route schema, checked at run time.
export type Operation = (req: OpRequest<any>, app: App) => Promise<OpResult>;
export type Operations = Record<string, Operation>;
