// Compiles contracts/Anchor.sol with solc-js (offline: the compiler ships inside the package) into
// contracts/Anchor.json, the only artifact the app loads. `check` fails when the committed JSON
// differs from a fresh compile (test/chain/contract.test.ts runs the same comparison).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SOURCE = new URL('../contracts/Anchor.sol', import.meta.url);
const TARGET = new URL('../contracts/Anchor.json', import.meta.url);
// Explicit, so the bytecode runs on chains that have not adopted solc's newer default (osaka).
export const EVM_VERSION = 'cancun';

export async function compileAnchor(): Promise<string> {
  const { default: solc } = await import('solc');
  const source = readFileSync(SOURCE, 'utf8');
  const input = {
    language: 'Solidity',
    sources: { 'Anchor.sol': { content: source } },
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { 'Anchor.sol': { Anchor: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e: { formattedMessage: string }) => e.formattedMessage).join('\n'));
  const contract = output.contracts['Anchor.sol'].Anchor;
  const artifact = {
    contractName: 'Anchor',
    source: 'contracts/Anchor.sol',
    sourceSha256: createHash('sha256').update(source).digest('hex'),
    compiler: `solc-js ${solc.version()}`,
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: 200 },
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
  };
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2] ?? 'write';
  const fresh = await compileAnchor();
  if (mode === 'check') {
    if (readFileSync(TARGET, 'utf8') !== fresh) {
      process.stderr.write('contracts/Anchor.json is stale: run npm run contract:compile\n');
      process.exit(1);
    }
    process.stdout.write('contracts/Anchor.json matches a fresh compile\n');
  } else {
    writeFileSync(TARGET, fresh);
    process.stdout.write('wrote contracts/Anchor.json\n');
  }
}
