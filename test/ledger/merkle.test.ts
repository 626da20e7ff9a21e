import { createHash } from 'node:crypto';
import t from 'tap';
import { buildLevels, hashPair, merkleProof, merkleRoot, normalize, rootFromProof, verifyMerkleProof } from '../../src/ledger/merkle.js';

const h = (s: string) => createHash('sha256').update(s).digest('hex');
const leaves = (n: number) => Array.from({ length: n }, (_, i) => h(`leaf ${i}`));
// An independent statement of the node rule, to check the implementation against.
const node = (a: string, b: string) => {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return createHash('sha256').update(Buffer.concat([Buffer.from([1]), Buffer.from(lo, 'hex'), Buffer.from(hi, 'hex')])).digest('hex');
};

t.test('roots match the documented construction', async (t) => {
  const [a, b, c, d, e] = leaves(5) as [string, string, string, string, string];
  const table: [string, string[], string][] = [
    ['one leaf is its own root', [a], a],
    ['two leaves', [a, b], node(a, b)],
    ['three: the odd leaf is carried up, not doubled', [a, b, c], node(node(a, b), c)],
    ['four', [a, b, c, d], node(node(a, b), node(c, d))],
    ['five', [a, b, c, d, e], node(node(node(a, b), node(c, d)), e)],
  ];
  for (const [name, input, expected] of table) t.equal(merkleRoot(input), expected, name);
});

t.test('pairs are sorted, so sibling order does not matter', async (t) => {
  const [a, b] = leaves(2) as [string, string];
  t.equal(hashPair(a, b), hashPair(b, a));
  t.not(hashPair(a, b), hashPair(a, a));
});

t.test('every leaf of every tree size has a proof that verifies, and only for its own leaf and root', async (t) => {
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 1000]) {
    const list = leaves(n);
    const root = merkleRoot(list);
    const levels = buildLevels(list);
    t.equal(levels.at(-1)!.length, 1);
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const path = merkleProof(list, i);
      if (path.length > Math.ceil(Math.log2(n))) bad++;
      if (!verifyMerkleProof(list[i]!, path, root)) bad++;
      if (n > 1 && verifyMerkleProof(list[(i + 1) % n]!, path, root)) bad++; // another leaf of the same tree
      if (verifyMerkleProof(h('not in the tree'), path, root)) bad++;
    }
    t.equal(bad, 0, `n=${n}`);
  }
});

t.test('a changed leaf, sibling or root fails verification', async (t) => {
  const list = leaves(9);
  const root = merkleRoot(list);
  const path = merkleProof(list, 4);
  t.ok(verifyMerkleProof(list[4]!, path, root));
  t.notOk(verifyMerkleProof(list[4]!, [h('x'), ...path.slice(1)], root), 'sibling swapped');
  t.notOk(verifyMerkleProof(list[4]!, path.slice(1), root), 'step missing');
  t.notOk(verifyMerkleProof(list[4]!, path, h('other root')), 'wrong root');
  t.notOk(verifyMerkleProof('zz', path, root), 'malformed leaf is false, not a throw');
  const changed = [...list];
  changed[8] = h('edited');
  t.not(merkleRoot(changed), root);
});

t.test('hashes are accepted with 0x or upper case, and anything not 32 bytes is refused', async (t) => {
  const list = leaves(3);
  const path = merkleProof(list, 0).map((p) => `0x${p.toUpperCase()}`);
  t.equal(rootFromProof(`0x${list[0]}`, path), merkleRoot(list));
  t.throws(() => normalize('abc'), /32-byte/);
  t.throws(() => merkleRoot([]), /at least one leaf/);
  t.throws(() => merkleProof(list, 3), /out of range/);
});
