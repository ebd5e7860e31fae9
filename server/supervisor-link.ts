/**
 * A worker's way to what the supervisor knows for all workers, over its control port: the
 * totals for `/stats`, `/metrics`, the dashboard's page, script and frames. The page and the
 * script never change: fetched once, then kept. The totals are fetched, the freshest there are;
 * when the supervisor is slow to answer, or this worker's own loop runs late, the last it pushed
 * (server/totals-push.ts) answer instead, their `staleMs` grown by their age.
 */
import type { SupervisorLink } from "../src/app.ts";
import { PEER_HEADER } from "../src/runs/runs-routes.ts";
import type { ClusterStatsSnapshot } from "../src/stats.ts";
import { aged, type PushedTotals } from "./totals-push.ts";
import { loopDelay } from "./loop-delay.ts";

const TIMEOUT_MS = 10_000;
const RUNS_TIMEOUT_MS = 50_000;
/**
 * The totals wait less: an idle supervisor answers in a millisecond, and past this the pushed
 * ones answer, at most ~2 s old. Before the first push there is nothing else: the wait is longer,
 * still well inside a caller's own timeout (the experiment's and the slow-day test's are 10 s).
 */
const TOTALS_TIMEOUT_MS = 300;
const FIRST_TOTALS_TIMEOUT_MS = 2_000;

export function supervisorLink(
  controlUrl: string,
  pushed: PushedTotals,
  loop: { late(): boolean } = loopDelay(),
): SupervisorLink {
  const get = async (path: string, ms = TIMEOUT_MS) => {
    const res = await fetch(`${controlUrl}${path}`, { signal: AbortSignal.timeout(ms) });
    if (!res.ok) throw new Error(`supervisor answered ${res.status}: ${(await res.text()).trim()}`);
    return res;
  };
  let fetched: { s: ClusterStatsSnapshot; at: number } | null = null;
  /**
   * The newer of the last fetched and the last pushed, by the supervisor's own clock: answering
   * with whichever came last could send the totals backwards, a fetch's then an older push's.
   */
  const newest = (): ClusterStatsSnapshot | null => {
    const p = pushed.totals();
    if (!fetched) return p;
    if (p && p.uptimeSeconds >= fetched.s.uptimeSeconds) return p;
    return aged(fetched.s, fetched.at, Date.now());
  };
  const kept = new Map<string, Promise<string>>();
  const once = (path: string) => {
    let text = kept.get(path);
    if (!text) {
      text = get(path).then((res) => res.text());
      kept.set(path, text);
      text.catch(() => kept.delete(path));
    }
    return text;
  };
  return {
    totals: async () => {
      // A supervisor starved past the timeout (a CPU quota did it) is no reason to fail /stats:
      // the newest totals known here say what is known and how old it is. A worker whose loop
      // runs late answers with them at once: a request of its own would cost it more of its slow
      // turns (bench/stats-under-load.ts measures a public /stats at half a CPU).
      const known = newest();
      if (known && loop.late()) return known;
      try {
        const s = await (await get("/stats", known ? TOTALS_TIMEOUT_MS : FIRST_TOTALS_TIMEOUT_MS))
          .json() as ClusterStatsSnapshot;
        fetched = { s, at: Date.now() };
        return s;
      } catch (err) {
        const last = newest();
        if (!last) throw err;
        return last;
      }
    },
    metrics: async () => {
      const res = await get("/metrics");
      return { body: await res.text(), contentType: res.headers.get("content-type") ?? "text/plain" };
    },
    dashboard: (file) => once(file === "page" ? "/dashboard" : "/dashboard.js"),
    frame: async () => await (await get("/frame")).text(),
    runs: async (request, peer) => {
      const url = new URL(request.url);
      const headers = new Headers({ [PEER_HEADER]: peer });
      for (const name of ["content-type", "authorization"]) {
        const value = request.headers.get(name);
        if (value !== null) headers.set(name, value);
      }
      // Refusals (400, 401, 404, 409) are the supervisor's answers: passed on as they are. A
      // client's report waits up to 60 s for its answer; a supervisor short of CPU gets most of it.
      const res = await fetch(`${controlUrl}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body: request.method === "POST" ? await request.arrayBuffer() : undefined,
        signal: AbortSignal.timeout(RUNS_TIMEOUT_MS),
      });
      const answer = new Headers({ "content-type": res.headers.get("content-type") ?? "application/json" });
      const challenge = res.headers.get("www-authenticate");
      if (challenge !== null) answer.set("www-authenticate", challenge);
      return new Response(await res.arrayBuffer(), { status: res.status, headers: answer });
    },
  };
}
