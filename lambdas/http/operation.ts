import type { App } from '../core/app';
import type { Principal } from '../core/shared/principal';
import type { ApiEvent } from './middleware';

export interface OpRequest<B = unknown> {
  principal: Principal | undefined;
  params: Record<string, string>;
  body: B;
  /** The parsed query string, on routes that declare one. */
  query: any;
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

export type Operation = (req: OpRequest<any>, app: App) => Promise<OpResult>;
export type Operations = Record<string, Operation>;
