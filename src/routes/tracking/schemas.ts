import { z } from 'zod';

const MilestoneTypeEnum = z.enum(['instruction_sent', 'supplier_accepted', 'supplier_refused', 'handed_over', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned', 'cancelled']);

export const IngestResult = z
  .object({
    outcome: z.enum(['recorded', 'duplicate', 'ignored']).describe('duplicate: this event id was recorded before; ignored: well-formed but not a milestone'),
    shipment_id: z.string().nullable(),
    milestone_id: z.string().nullable(),
    type: MilestoneTypeEnum.nullable(),
    fulfillment_state: MilestoneTypeEnum.nullable().describe("The shipment's state after this event (forward only)"),
    reason: z.string().optional(),
  })
  .meta({ id: 'MilestoneIngestResult' });

export const SupplierEventParams = z.strictObject({ supplierId: z.string().min(1).max(100) });
export const CarrierWebhookParams = z.strictObject({ carrierAccountId: z.string().min(1).max(100) });

export const SupplierCallbackSecret = z
  .object({
    supplier_id: z.string(),
    callback_secret: z.string().describe('Shown once: the supplier signs its status callbacks with it'),
    previous_secret_valid_until: z.string().nullable().describe('The replaced secret keeps verifying until then'),
    callback_path: z.string(),
    signature_header: z.string(),
  })
  .meta({ id: 'SupplierCallbackSecret' });

export const WebhookSecretInput = z
  .strictObject({
    secret: z.string().min(16).max(256).optional().describe('Your own secret (e.g. the EasyPost webhook_secret); Pledge generates one when omitted'),
  })
  .meta({ id: 'CarrierWebhookSecretUpdate' });

export const CarrierWebhookSecret = z
  .object({
    carrier_account_id: z.string(),
    carrier: z.string(),
    webhook_secret: z.string().describe('Shown once'),
    verification: z.enum(['hmac_signature', 'url_token', 'header_token']),
    webhook_path: z.string().describe('Append to the public origin of Pledge and register at the carrier'),
    instructions: z.string(),
  })
  .meta({ id: 'CarrierWebhookSecret' });

export const TrackingModeInput = z
  .strictObject({ mode: z.enum(['webhook', 'poll']).describe('poll: Pledge asks the carrier (EasyPost only); webhook: the carrier tells Pledge') })
  .meta({ id: 'TrackingModeUpdate' });

export const TrackingMode = z
  .object({ carrier_account_id: z.string(), carrier: z.string(), tracking_mode: z.enum(['webhook', 'poll']) })
  .meta({ id: 'TrackingMode' });
