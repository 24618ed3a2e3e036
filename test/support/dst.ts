/**
 * 01:30 EST on the next night New York's clocks skip an hour (the second Sunday of March, 02:00
 * EST becomes 03:00 EDT at 07:00 UTC): always in the future and under a year ahead, so a blast or
 * an estimate may be scheduled then.
 */
export function nextNewYorkSpringForward(now: Date = new Date()): Date {
  for (let year = now.getUTCFullYear(); ; year++) {
    const firstSunday = 1 + ((7 - new Date(Date.UTC(year, 2, 1)).getUTCDay()) % 7);
    const at = new Date(Date.UTC(year, 2, firstSunday + 7, 6, 30));
    if (at.getTime() > now.getTime() + 3_600_000) return at;
  }
}
