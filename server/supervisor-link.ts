/**
 * A worker's way to what the supervisor knows for all workers, over its control port: the
 * totals for `/stats`, `/metrics`, the dashboard's page, script and frames. The page and the
 * script never change: fetched once, then kept; the totals, when the supervisor does not answer,
 * are the last it gave, their `staleMs` grown by the wait.
 */
import type { SupervisorLink } from "../src/app.ts";
import { PEER_HEADER } from "../src/runs/runs-routes.ts";

const TIMEOUT_MS = 10_000;
const RUNS_TIMEOUT_MS = 50_000;
/**
 * The totals wait less: past this, the last ones (aged) answer, well inside a caller's own
 * timeout (the experiment's and the slow-day test's are 10 s, which the full wait equalled).
 */
const TOTALS_TIMEOUT_MS = 2_000;

export function supervisorLink(controlUrl: string): SupervisorLink {
  const get = async (path: string, ms = TIMEOUT_MS) => {
    const res = await fetch(`${controlUrl}${path}`, { signal: AbortSignal.timeout(ms) });
    if (!res.ok) throw new Error(`supervisor answered ${res.status}: ${(await res.text()).trim()}`);
    return res;
  };
  const kept = new Map<string, Promise<string>>();
  let last: { s: { staleMs: number }; at: number } | null = null;
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
      // the last totals it gave, aged by the wait, say what is known and how old it is.
      try {
        const s = await (await get("/stats", TOTALS_TIMEOUT_MS)).json() as { staleMs: number };
        last = { s, at: Date.now() };
        return s;
      } catch (err) {
        if (!last) throw err;
        return { ...last.s, staleMs: last.s.staleMs + Date.now() - last.at };
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
