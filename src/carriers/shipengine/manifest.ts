import type { CarrierManifest } from '../contract.js';

/** `carrier_ids` (comma separated) is optional: it narrows rating to those connected carriers. */
export const shipengineManifest = {
  id: 'shipengine',
  name: 'ShipEngine',
  capabilities: ['rates', 'buy_label', 'void_label', 'tracking_webhook'],
  defaultBaseUrl: 'https://api.shipengine.com',
  credentialFields: ['api_key'],
} as const satisfies CarrierManifest;
