// Former home of the channel types; they are derived from the TypeBox tables now (./index.ts,
// one ./<feature>.ts per feature). Import from 'src/shared/api' in new code.
export * from './index';
