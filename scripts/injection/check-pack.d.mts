export declare const INTENTS: readonly string[];
export declare const MIN: { intent: number; hard_negative: number; benign: number; carriers: number };
export declare function checkPack(p: unknown): { errors: string[]; counts: Record<string, number> };
