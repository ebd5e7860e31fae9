/**
 * The experiment's picture: the dashboard's charts over the whole run, one self-contained HTML
 * file beside the JSON report (its script and data inline: it opens from disk, offline).
 */
import type { Frame } from "../../server/dashboard/frame.ts";
import { dashboardPage } from "../../server/dashboard/page-html.ts";
import { dashboardAssets } from "../../server/dashboard-bundle.ts";
import type { Sample } from "./report.ts";

/** Frames from the samples; the workers' bars show the last reading (`workers`). */
export function framesOf(samples: Sample[], startedAt: number, workers: Frame["workers"]): Frame[] {
  return samples.map((s, i) => ({
    at: startedAt + s.t * 1000,
    open: s.open,
    accepted: s.accepted,
    messagesIn: s.messagesIn,
    messagesOut: s.messagesOut,
    rss: s.serverRss,
    heapUsed: s.serverHeap,
    restarts: s.restarts,
    staleMs: s.staleMs,
    workers: i === samples.length - 1 ? workers : [],
  }));
}

export async function reportPage(title: string, frames: Frame[]): Promise<string> {
  const { script, css } = await dashboardAssets();
  return dashboardPage({ title, css, script, frames });
}
