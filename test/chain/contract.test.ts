import { readFileSync } from 'node:fs';
import t from 'tap';
import { compileAnchor, EVM_VERSION } from '../../scripts/compile-contract.js';

t.test('contracts/Anchor.json is what a fresh compile of contracts/Anchor.sol produces', async (t) => {
  const committed = readFileSync(new URL('../../contracts/Anchor.json', import.meta.url), 'utf8');
  t.equal(committed, await compileAnchor(), 'stale artifact: run npm run contract:compile');
  const artifact = JSON.parse(committed);
  t.equal(artifact.evmVersion, EVM_VERSION);
  t.equal(EVM_VERSION, 'cancun', 'pinned, not the compiler default');
  t.ok(artifact.abi.some((f: { type: string; name: string }) => f.type === 'event' && f.name === 'Anchored'));
});
