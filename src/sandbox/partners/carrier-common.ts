import type { SandboxCore } from '../core.js';
import { createRng, deriveSeed, type Rng } from '../random.js';
import type { ServiceCode, UnderlyingCarrier } from '../rating.js';

/** Shared by the three aggregator simulators: tracking numbers, label files, ship dates. */

const DAY_MS = 86_400_000;

/** Six characters that stand for the account at UPS, stable whatever the seed. */
export function upsShipperNumber(accountId: string): string {
  const rng = createRng(deriveSeed(0, accountId, 'ups-shipper'));
  let out = '';
  for (let i = 0; i < 6; i++) out += '0123456789ABCDEFGHJKLMNPRSTUVWXYZ'[rng.int(0, 32)];
  return out;
}

const UPS_SERVICE_DIGITS: Partial<Record<ServiceCode, string>> = { ups_ground: '03', ups_2nd_day_air: '02', ups_expedited_intl: '08' };
const USPS_PREFIX: Partial<Record<ServiceCode, string>> = { usps_priority: '9405', usps_express: '9470', usps_priority_intl: '9405' };

/** In each carrier's own shape: USPS 22 digits, UPS "1Z" + 16, FedEx 12 digits. */
export function trackingNumber(rng: Rng, accountId: string, service: ServiceCode, carrier: UnderlyingCarrier): string {
  switch (carrier) {
    case 'USPS':
      return `${USPS_PREFIX[service] ?? '9400'}${rng.digits(18)}`;
    case 'UPS':
      return `1Z${upsShipperNumber(accountId)}${UPS_SERVICE_DIGITS[service] ?? '03'}${rng.digits(8)}`;
    case 'FedEx':
      return rng.digits(12);
  }
}

export function trackingUrl(carrier: UnderlyingCarrier, trackingNumber: string): string {
  switch (carrier) {
    case 'USPS':
      return `https://tools.usps.com/go/TrackConfirmAction?tLabels=${trackingNumber}`;
    case 'UPS':
      return `https://www.ups.com/track?tracknum=${trackingNumber}`;
    case 'FedEx':
      return `https://www.fedex.com/fedextrack/?trknbr=${trackingNumber}`;
  }
}

/** Registers a label file on the sandbox server and returns its URL. */
export function publishLabel(core: SandboxCore, accountId: string, fileId: string, trackingNumber: string, carrier: UnderlyingCarrier, service: string): string {
  core.labels.set(fileId, { trackingNumber, carrier, service, accountId });
  return `${core.baseUrl()}/labels/${fileId}.pdf`;
}

/** The requested ship date if it parses, else now; never in the past. */
export function shipDateFrom(now: Date, requested: string | null | undefined, advanceDays = 0): Date {
  const parsed = requested ? new Date(requested) : undefined;
  const base = parsed && !Number.isNaN(parsed.getTime()) ? parsed : new Date(now.getTime() + advanceDays * DAY_MS);
  return base.getTime() < now.getTime() ? now : base;
}

/** A minimal, valid one-page PDF naming the label, so a browser can open the label URL. */
export function labelPdf(lines: string[]): Buffer {
  const text = lines
    .map((line, i) => `BT /F1 ${i === 0 ? 18 : 12} Tf 36 ${360 - i * 28} Td (${line.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj ET`)
    .join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
