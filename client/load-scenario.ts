/**
 * Gets the scenario to run: the server's (`GET /scenario`) or a local file (`--scenario`);
 * hashes it, refuses it if it is not the pinned one (`--scenario-sha256`), imports it.
 */
import { Buffer } from "node:buffer";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { sha256Hex } from "../src/scenario-source.ts";
import type { Scenario } from "./scenario-contract.ts";

export interface LoadedScenario {
  /** Where it came from: the server's URL, or the local file's path. */
  url: string;
  sha256: string;
  run: Scenario;
}

export interface ScenarioSource {
  /** The server, http(s)://host:port. */
  base: string;
  file?: string;
  sha256?: string;
}

export class ScenarioError extends Error {}

async function fetchCode(url: string): Promise<string> {
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
  return await response.text();
}

async function readCode(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new ScenarioError(`--scenario: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

export async function loadScenario({ base, file, sha256: pinned }: ScenarioSource): Promise<LoadedScenario> {
  const url = file === undefined ? `${base}/scenario` : resolve(file);
  const code = file === undefined ? await fetchCode(url) : await readCode(url);
  const sha256 = await sha256Hex(code);
  if (pinned !== undefined && sha256 !== pinned) {
    throw new ScenarioError(
      `scenario from ${url} has sha256 ${sha256}, not ${pinned} (--scenario-sha256); refusing to run it`,
    );
  }
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
