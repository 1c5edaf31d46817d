// The newest server-countersigned audit checkpoint, kept where someone with write access to the data
// folder cannot silently replace it: the device's secret store (the OS keychain, else the passphrase
// vault), next to the server public key it verifies with. The database also keeps every checkpoint
// (audit_anchors), but a table in a file anyone with the at-rest key can edit is not evidence; this
// copy is what verification trusts (docs/security.md "What a local attacker can do").
import type { SecretStore } from '../keys/secret-store';
import { checkpointSigningBytes, type SignedCheckpoint } from '../../../shared/sync/protocol';
import { publicKeyFromRaw, verifyBase64 } from '../../../platform/ed25519';

export const SEALED_ANCHOR_SECRET = 'audit-anchor';

export interface SealedAnchor {
  checkpoint: SignedCheckpoint;
  /** the server's Ed25519 public key (raw, base64) pinned at enrollment */
  serverPublicKey: string;
}

/** What a sealed anchor vouches for: entry `seq` had hash `hash` when the server countersigned it at `time`. */
export interface AnchoredHead {
  seq: number;
  hash: string;
  time: string;
  treeSize: number | null;
  treeRoot: string | null;
}

/** null when the value is not a checkpoint for `device` signed by the key it carries. */
export function anchoredHeadOf(a: SealedAnchor, device: string | null): AnchoredHead | null {
  const c = a.checkpoint?.checkpoint;
  if (!c || (device !== null && c.device !== device)) return null;
  try {
    if (!verifyBase64(publicKeyFromRaw(a.serverPublicKey), checkpointSigningBytes(c), a.checkpoint.signature)) return null;
  } catch {
    return null;
  }
  return { seq: c.seq, hash: c.head, time: c.time, treeSize: c.treeSize ?? null, treeRoot: c.treeRoot ?? null };
}

export type SealedAnchorState = { kind: 'none' } | { kind: 'ok'; head: AnchoredHead } | { kind: 'invalid'; reason: string };

export class SealedAnchors {
  private cache: SealedAnchorState | null = null;

  constructor(
    private readonly secrets: () => Promise<SecretStore>,
    /** this device's id once enrolled (anchors of another device are refused) */
    private readonly device: () => string | null,
  ) {}

  /** The sealed anchor, its signature checked now. */
  async state(): Promise<SealedAnchorState> {
    if (this.cache) return this.cache;
    const store = await this.secrets();
    if (store.isLocked()) return { kind: 'none' };
    const raw = await store.get(SEALED_ANCHOR_SECRET);
    if (!raw) return (this.cache = { kind: 'none' });
    let parsed: SealedAnchor;
    try {
      parsed = JSON.parse(raw) as SealedAnchor;
    } catch {
      return (this.cache = { kind: 'invalid', reason: 'the sealed anchor is not readable' });
    }
    const head = anchoredHeadOf(parsed, this.device());
    this.cache = head ? { kind: 'ok', head } : { kind: 'invalid', reason: 'the sealed anchor does not verify with the server key it was sealed with' };
    return this.cache;
  }

  /** Seals a checkpoint the sync engine has verified, when it is newer than the one sealed. */
  async seal(a: SealedAnchor): Promise<void> {
    const head = anchoredHeadOf(a, this.device());
    if (!head) return;
    const cur = await this.state();
    if (cur.kind === 'ok' && cur.head.seq >= head.seq) return;
    await (await this.secrets()).set(SEALED_ANCHOR_SECRET, JSON.stringify(a));
    this.cache = { kind: 'ok', head };
  }
}
