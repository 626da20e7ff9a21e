import type { CarrierManifest } from '../contract.js';

export const shippoManifest = {
  id: 'shippo',
  name: 'Shippo',
  capabilities: ['rates', 'buy_label', 'void_label', 'tracking_webhook'],
  defaultBaseUrl: 'https://api.goshippo.com',
  credentialFields: ['api_key'],
} as const satisfies CarrierManifest;
