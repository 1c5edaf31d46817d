// Names of this device's keys in the secret store (`${name}:${deviceId}`), written at enrollment.
/** The device's X25519 private key (team sync); `${ENCRYPTION_KEY}-public` holds its public half. */
export const ENCRYPTION_KEY = 'device-encryption-key';
