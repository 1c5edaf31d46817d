// npm start: build and launch the Electron app; without an Electron binary, the web host instead.
import { spawn } from 'node:child_process';
import { build, electronBinary, root, startWebHost } from './lib.mjs';

build();
const bin = electronBinary();
let child;
if (bin) {
  child = spawn(bin, ['.'], { cwd: root, stdio: 'inherit' });
} else {
  console.log('Electron binary is not installed and cannot be downloaded here: starting the Maestro web host instead.');
  child = startWebHost(process.argv.slice(2));
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
