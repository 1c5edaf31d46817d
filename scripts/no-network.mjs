// Preloaded (node --import) into tools that would otherwise reach the internet (electronegativity
// fetches translations and Electron's release list): every socket to a host other than loopback is
// refused before it is opened, so a check run sends nothing off this machine.
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const o = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  const host = o.host ?? o.hostname;
  if (o.path === undefined && host && !LOOPBACK.has(host)) {
    process.nextTick(() => this.destroy(Object.assign(new Error(`network refused: ${host} (checks run offline)`), { code: 'ENETUNREACH' })));
    return this;
  }
  return connect.apply(this, args);
};
