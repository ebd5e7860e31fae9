/** Fetches the server's scenario, hashes it, and imports it as an ES module. */
import { Buffer } from "node:buffer";
import { sha256Hex } from "../src/scenario-source.ts";
import type { Scenario } from "../src/scenario-contract.ts";

export interface LoadedScenario {
  url: string;
  sha256: string;
  run: Scenario;
}

export class ScenarioError extends Error {}

export async function loadScenario(base: string): Promise<LoadedScenario> {
  const url = `${base}/scenario`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new ScenarioError(`cannot reach ${url}: ${why}; is the server running?`);
  }
  if (!response.ok) {
    throw new ScenarioError(`GET ${url} answered ${response.status} ${response.statusText}; is it a c512k server?`);
  }
  const code = await response.text();
  const sha256 = await sha256Hex(code);
  let module: { default?: unknown };
  try {
    // A data: URL imports on Node, Deno and Bun with no temporary file. Base64, because Bun
    // 1.4 reads a percent-encoded module of this size as CommonJS with a string default export.
    module = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
  } catch (err) {
    throw new ScenarioError(`scenario from ${url} (sha256 ${sha256}) failed to load: ${(err as Error).message}`);
  }
  if (typeof module.default !== "function") {
    throw new ScenarioError(`scenario from ${url} (sha256 ${sha256}) has no default export function`);
  }
  return { url, sha256, run: module.default as Scenario };
}
