/**
 * A worker's way to what the supervisor knows for all workers, over its control port: the
 * totals for `/stats`, `/metrics`, the dashboard's page, script and frames. The page and the
 * script never change: fetched once, then kept.
 */
import type { SupervisorLink } from "../src/app.ts";

const TIMEOUT_MS = 10_000;

export function supervisorLink(controlUrl: string): SupervisorLink {
  const get = async (path: string) => {
    const res = await fetch(`${controlUrl}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`supervisor answered ${res.status}: ${(await res.text()).trim()}`);
    return res;
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
    totals: async () => await (await get("/stats")).json(),
    metrics: async () => {
      const res = await get("/metrics");
      return { body: await res.text(), contentType: res.headers.get("content-type") ?? "text/plain" };
    },
    dashboard: (file) => once(file === "page" ? "/dashboard" : "/dashboard.js"),
    frame: async () => await (await get("/frame")).text(),
  };
}
