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
