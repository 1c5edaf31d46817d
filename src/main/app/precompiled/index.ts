// The build's precompiled validators (decision 0042), handed to the validation cache: the first
// screen's at start (before anything compiles), the rest after the first screen. In the source (tests,
// scripts, the server under tsx) the tables are empty and every schema compiles on first use.
import { usePrecompiled } from '../../../shared/validation';
import { fixedSchemas } from './schemas';
import { table as first } from './first';

/** The first screen's validators; returns how many were taken (0 when running from the source). */
export function usePrecompiledFirst(): number {
  return first ? usePrecompiled(first, fixedSchemas('first')) : 0;
}

/** Every other channel's validators, from a chunk of their own (loaded on this call). */
export async function usePrecompiledRest(): Promise<number> {
  const { table } = await import('./rest');
  return table ? usePrecompiled(table, fixedSchemas('rest')) : 0;
}
