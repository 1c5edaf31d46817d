// npm run start:web [-- --host ADDR --port N --data-dir DIR]: build, then serve the app on loopback.
import { build, startWebHost } from './lib.mjs';

if (!process.argv.includes('--no-build')) build();
const child = startWebHost(process.argv.slice(2).filter((a) => a !== '--no-build'));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
