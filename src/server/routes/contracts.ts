// GET /v1/contracts: the current version of every contract the server accepts, so a device can
// tell before syncing whether it must update its forms. GET /v1/contracts/:ref (name@x.y.z): that
// version's document, so a device installs a newer minor without an app update.
import { Hono } from 'hono';
import { ApiError } from '../../shared/errors';
import { parseContractRef } from '../../shared/sync/protocol';
import type { ContractsResponse } from '../../shared/server-api';
import type { ServerDeps } from '../deps';
import type { AppEnv } from '../http';

export function createContractsRouter(deps: Pick<ServerDeps, 'contracts'>): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.get('/', (c) => {
    const res: ContractsResponse = { contracts: deps.contracts.map() };
    return c.json(res);
  });
  router.get('/:ref', (c) => {
    const ref = c.req.param('ref');
    const doc = parseContractRef(ref) ? deps.contracts.document(ref) : undefined;
    if (doc === undefined) throw new ApiError('NOT_FOUND', `No contract document for ${ref}`, { reason: 'contract' });
    return c.json({ contract: ref, document: doc });
  });
  return router;
}
