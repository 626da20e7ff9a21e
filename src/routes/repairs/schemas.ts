import { z } from 'zod';

const RepairStep = z
  .object({
    name: z.enum(['requote', 'cancel_original', 'reserve_route', 'send_instruction', 'finish']),
    status: z.enum(['pending', 'running', 'done', 'failed', 'compensating', 'compensated', 'irreversible']),
    attempts: z.number().int(),
    output: z.unknown().describe('What later steps use: the chosen route, the replacement shipment'),
    undo: z.unknown().describe('Only what undoes the step (its compensate input)'),
    error: z.string().nullable(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    compensated_at: z.string().nullable(),
  })
  .meta({ id: 'RepairStep' });

export const RepairSaga = z
  .object({
    id: z.string(),
    breach_id: z.string(),
    shipment_id: z.string(),
    replacement_shipment_id: z.string().nullable(),
    status: z.enum(['running', 'completed', 'failed', 'compensating', 'compensated']),
    current_step: z.string().nullable(),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
    steps: z.array(RepairStep),
  })
  .meta({ id: 'RepairSaga', description: 'A re-routing of a failing shipment: re-quote, cancel the first instruction, reserve and send the new one' });

export const RepairSagaList = z.object({ data: z.array(RepairSaga) }).meta({ id: 'RepairSagaList' });

/** No query parameters: an unknown one is refused by name rather than ignored. */
export const RepairListQuery = z.strictObject({});
