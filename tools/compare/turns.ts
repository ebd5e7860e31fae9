/**
 * Every server of a compare measured `runs` times, in turns (a, b, a, b…). One server's failure
 * does not end the compare: at 512,000 sockets a compare takes over half an hour, and one
 * server's failure twice threw away every figure already taken (raw Deno late for its memory
 * sample; raw Node's 33 workers slow to start, after Node's Hono server had been measured). That
 * server is reported as not measured, with why, and is not measured again; the others go on.
 */
export interface Turns<P, F> {
  /** The plans that measured every run, with each run's figures. */
  measured: { plan: P; runs: F[] }[];
  /** The plans that failed, with the first line of why. */
  failed: { plan: P; reason: string }[];
}

export async function measureInTurns<P, F>(
  plans: P[],
  runs: number,
  measure: (plan: P, run: number) => Promise<F>,
  { nameOf, log }: { nameOf: (plan: P) => string; log: (line: string) => void },
): Promise<Turns<P, F>> {
  const figures: F[][] = plans.map(() => []);
  const reasons = new Map<number, string>();
  for (let run = 1; run <= runs; run++) {
    for (const [i, plan] of plans.entries()) {
      if (reasons.has(i)) continue;
      try {
        figures[i].push(await measure(plan, run));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        // The whole message (it may carry the server's last output) goes to the log; the report
        // keeps its first line.
        log(`${nameOf(plan)} not measured (turn ${run} of ${runs}): ${message}`);
        reasons.set(i, `${runs > 1 ? `turn ${run} of ${runs}: ` : ""}${message.split("\n")[0]}`);
      }
    }
  }
  return {
    measured: plans.flatMap((plan, i) => reasons.has(i) ? [] : [{ plan, runs: figures[i] }]),
    failed: [...reasons].sort(([a], [b]) => a - b).map(([i, reason]) => ({ plan: plans[i], reason })),
  };
}
