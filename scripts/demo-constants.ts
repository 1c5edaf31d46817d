// Shared by the demo seed scripts (scripts/demo.mjs repeats it: plain .mjs cannot import TypeScript).
export const DEMO_PASSPHRASE = 'maestro-demo-vault';
