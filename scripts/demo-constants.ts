// Shared by the demo seed scripts (scripts/demo.mjs repeats it: plain .mjs cannot import TypeScript).
export const DEMO_PASSPHRASE = 'maestro-demo-vault';
/** The passphrase of the demo backup of Dana's device (First run → Restore from a backup). */
export const DEMO_BACKUP_PASSPHRASE = 'maestro-demo-backup';
