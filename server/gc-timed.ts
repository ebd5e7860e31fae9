/**
 * A full GC asked for by `npm run compare`, and what it cost: the compare subtracts that CPU
 * from the ramp's, since the ramp is what it measures and the GCs are its own doing.
 */
import process from "node:process";

export function gcTimed(collect: () => void): { gcSeconds: number } {
  const before = process.cpuUsage();
  collect();
  const used = process.cpuUsage(before);
  return { gcSeconds: (used.user + used.system) / 1e6 };
}
