// GET /v1/contracts: the current version of every contract the server accepts, so a device can
// tell before syncing whether it must update its forms.
import { Hono } from 'hono';
import type { ContractsResponse } from '../../shared/server-api';
import type { ServerDeps } from '../app';
import type { AppEnv } from '../http';

export function createContractsRouter(deps: Pick<ServerDeps, 'contracts'>): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.get('/', (c) => {
    const res: ContractsResponse = { contracts: deps.contracts.map() };
    return c.json(res);
  });
  return router;
}
