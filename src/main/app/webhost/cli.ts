import { main } from './main';

void main().catch((e: unknown) => {
  process.stderr.write(`maestro: ${(e as Error).message}\n`);
  process.exit(1);
});
