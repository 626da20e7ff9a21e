/**
 * A background worker's loop: `tick` runs `intervalMs` after start and after each idle tick, and again at
 * once while it reports work (a count above 0, or true), so a backlog drains without waiting. Never two
 * ticks at a time; a failing tick is reported to `onError` and the loop goes on; `stop` waits for the
 * tick in flight, so a caller closing its database next does not cut it off.
 */
export function createPollingLoop(tick: () => Promise<number | boolean>, onError: (err: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<number | boolean> | undefined;
  let stopped = true;
  return {
    start(intervalMs: number): void {
      stopped = false;
      const loop = async () => {
        if (stopped) return;
        inFlight = tick().catch((err) => {
          onError(err);
          return 0;
        });
        const worked = await inFlight;
        if (!stopped) timer = setTimeout(loop, worked ? 0 : intervalMs);
      };
      timer = setTimeout(loop, intervalMs);
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
