// The renderer's only door into the main process: one typed function per channel of the API table
// (no generic invoke), and a subscription per push event.
import { contextBridge, ipcRenderer } from 'electron';
import { channelNames, eventNames } from '../shared/api/index';
import type { MaestroBridge } from './bridge';

const api = Object.fromEntries(channelNames.map((ch) => [ch, (input: unknown) => ipcRenderer.invoke(ch, input ?? {})])) as MaestroBridge['api'];

const bridge: MaestroBridge = {
  api,
  on(name, cb) {
    if (!eventNames.includes(name)) throw new Error(`unknown event ${String(name)}`);
    const listener = (_e: unknown, payload: unknown) => cb(payload as never);
    ipcRenderer.on(`event:${name}`, listener);
    return () => ipcRenderer.removeListener(`event:${name}`, listener);
  },
};

contextBridge.exposeInMainWorld('maestro', bridge);
