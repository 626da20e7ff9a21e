/** A postal address as Pledge stores it (snake_case in the API, camelCase here). */
export type Address = {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  phone?: string | null;
  email?: string | null;
};

/** A ship-to as the API takes it and orders store it (snake_case, optional parts omitted). */
export type ShipToWire = { name: string; line1: string; line2?: string | null; city: string; region?: string | null; postal_code: string; country: string; phone?: string | null; email?: string | null };

export const addressFromShipTo = (s: ShipToWire): Address => ({
  name: s.name,
  line1: s.line1,
  line2: s.line2 ?? null,
  city: s.city,
  region: s.region ?? null,
  postalCode: s.postal_code,
  country: s.country,
  phone: s.phone ?? null,
  email: s.email ?? null,
});
