import type { CarrierManifest } from '../contract.js';

export const easypostManifest = {
  id: 'easypost',
  name: 'EasyPost',
  capabilities: ['rates', 'buy_label', 'void_label', 'tracking_webhook', 'tracking_poll'],
  defaultBaseUrl: 'https://api.easypost.com',
  credentialFields: ['api_key'],
} as const satisfies CarrierManifest;
