import type { MaestroBridge } from './bridge';

declare global {
  interface Window {
    maestro?: MaestroBridge;
  }
}
export {};
