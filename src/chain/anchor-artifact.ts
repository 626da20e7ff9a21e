import { readFileSync } from 'node:fs';

/** contracts/Anchor.json, produced from contracts/Anchor.sol by scripts/compile-contract.ts (src/ and dist/ are both two levels down). */
export type AnchorArtifact = { abi: readonly unknown[]; bytecode: string; deployedBytecode: string; evmVersion: string; compiler: string };

let cached: AnchorArtifact | undefined;
export function anchorArtifact(): AnchorArtifact {
  cached ??= JSON.parse(readFileSync(new URL('../../contracts/Anchor.json', import.meta.url), 'utf8')) as AnchorArtifact;
  return cached;
}
