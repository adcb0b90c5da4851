// Test helpers: a transform chain from connector keys, or the problems those keys give.
import { readTransforms, TransformChain } from '../../src/transforms/chain.js';

export function chainOf(cfg: Record<string, unknown>): TransformChain {
  const problems: string[] = [];
  const t = readTransforms(new Map(Object.entries(cfg)), problems);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return new TransformChain(t!);
}

export function problemsOf(cfg: Record<string, unknown>): string[] {
  const problems: string[] = [];
  try {
    readTransforms(new Map(Object.entries(cfg)), problems);
  } catch (err) {
    problems.push(`threw: ${(err as Error).message}`);
  }
  return problems;
}
