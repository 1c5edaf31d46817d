// Before any test: seal the app's built-in resources (policy, workflows, contracts) and the
// development policy overlay with the development keys, as `npm start` does. A no-op when the sealed
// copies are current.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sealResources } from '../src/main/features/bundles/seal';

export default async function setup(): Promise<void> {
  const resourcesDir = fileURLToPath(new URL('../resources', import.meta.url));
  await sealResources({ resourcesDir, outDir: join(resourcesDir, 'bundles'), devOutDir: join(resourcesDir, 'bundles-dev') });
}
