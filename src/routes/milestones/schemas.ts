import { z } from 'zod';

const MilestoneTypeEnum = z.enum(['instruction_sent', 'supplier_accepted', 'supplier_refused', 'handed_over', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned', 'cancelled']);

export const Milestone = z
  .object({
    id: z.string(),
    type: MilestoneTypeEnum,
    occurred_at: z.string().describe('When it happened, as the source says'),
    recorded_at: z.string(),
    source: z.enum(['pledge', 'supplier', 'easypost', 'shippo', 'shipengine', 'poll']),
    source_event_id: z.string(),
    effect: z.enum(['advanced', 'flagged', 'unchanged']).describe('What it did to the state: unchanged for duplicates in kind, late arrivals and anything after a terminal state'),
    details: z.record(z.string(), z.unknown()),
    hash: z.string().describe('Its hash in the tamper-evident milestone chain'),
  })
  .meta({ id: 'Milestone' });

export const OrderMilestones = z
  .object({
    order_id: z.string(),
    shipments: z.array(
      z.object({
        shipment_id: z.string(),
        carrier: z.string(),
        service: z.string(),
        tracking_number: z.string().nullable(),
        supplier_order_ref: z.string().nullable(),
        fulfillment_state: MilestoneTypeEnum.nullable().describe('Forward only; delivered, returned and cancelled are final'),
        fulfillment_state_at: z.string().nullable(),
        milestones: z.array(Milestone),
      }),
    ),
  })
  .meta({ id: 'OrderMilestones' });
