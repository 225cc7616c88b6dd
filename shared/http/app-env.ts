// HTTP layer: the Hono environment type shared by the app and every route module.
import type { OpenAPIHono } from '@hono/zod-openapi';

export interface AppVariables {
  requestId: string;
}

export interface AppEnv {
  Variables: AppVariables;
}

export type PouchApp = OpenAPIHono<AppEnv>;
