/** Warehouse pickup calendar. Pure: a fixed local cut-off on weekdays, departure a fixed time later. */
export type PickupSite = {
  utcOffsetMinutes: number;
  cutoffLocalMinutes: number;
  departAfterMinutes: number;
};

export type Pickup = { cutoffAt: Date; departsAt: Date };

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Pickups whose cut-off falls in [from, from + days), ascending; Saturdays and Sundays have none. */
export function pickupsBetween(site: PickupSite, from: Date, days: number): Pickup[] {
  const offsetMs = site.utcOffsetMinutes * MINUTE_MS;
  const fromMs = from.getTime();
  const untilMs = fromMs + days * DAY_MS;
  // Midnight of `from`'s local date, expressed on the shifted (local-as-UTC) clock.
  const firstLocalDay = Math.floor((fromMs + offsetMs) / DAY_MS) * DAY_MS;
  const pickups: Pickup[] = [];
  for (let localDay = firstLocalDay; localDay - offsetMs < untilMs; localDay += DAY_MS) {
    const weekday = new Date(localDay).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    const cutoffMs = localDay + site.cutoffLocalMinutes * MINUTE_MS - offsetMs;
    if (cutoffMs < fromMs || cutoffMs >= untilMs) continue;
    pickups.push({ cutoffAt: new Date(cutoffMs), departsAt: new Date(cutoffMs + site.departAfterMinutes * MINUTE_MS) });
  }
  return pickups;
}

/** The pickup goods ready at `readyAt` leave with. */
export function firstPickupAfter(site: PickupSite, readyAt: Date): Pickup | undefined {
  return pickupsBetween(site, readyAt, 7)[0];
}
