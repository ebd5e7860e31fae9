/** The scenario module served at `GET /scenario`: built once at start-up, never per request. */

export interface ScenarioSource {
  /** The self-contained ES module the client imports. */
  code: string;
  /** Hex sha256 of `code`: the ETag, and what the client prints before running it. */
  sha256: string;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function scenarioSource(code: string): Promise<ScenarioSource> {
  return { code, sha256: await sha256Hex(code) };
}
