import { z } from 'zod';
import { MilestoneProof as ProofShape } from '../../ledger/proof-format.js';

export const MilestoneProof = ProofShape.meta({
  id: 'MilestoneProof',
  description:
    'One milestone, its salted leaf, the Merkle path to its batch root, and where that root is anchored on chain. Check it offline with `pledge verify proof.json --rpc URL`.',
});

export const VoucherCodeParams = z.strictObject({ code: z.string().regex(/^PV-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/, 'not a voucher code') });
export const TrackedProofParams = VoucherCodeParams.extend({ id: z.string().min(1).max(100) });
