// HTTP layer: the Hono environment type shared by the app and every route module.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../../shared/domain/identity/types.ts';

export interface AppVariables {
  requestId: string;
  /** Set by the auth middleware on every authenticated route; absent on the public ones. */
  principal: Principal | undefined;
}

export interface AppEnv {
  Variables: AppVariables;
}

export type PouchApp = OpenAPIHono<AppEnv>;
