/** Bundles the scenario served at /scenario into one self-contained ES module, with esbuild. */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { type ScenarioSource, scenarioSource } from "../src/scenario-source.ts";

export const DEFAULT_SCENARIO = fileURLToPath(new URL("../client/scenario.ts", import.meta.url));

export async function bundleScenario(file = DEFAULT_SCENARIO): Promise<ScenarioSource> {
  let result;
  try {
    result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: "esm",
      // neutral: the module runs in whichever runtime the client uses, so no Node built-ins.
      platform: "neutral",
      target: "es2022",
      logLevel: "silent",
    });
  } catch (err) {
    const errors = (err as { errors?: { text: string }[] }).errors;
    const why = errors?.map((e) => e.text).join("; ") ?? (err as Error).message;
    throw new Error(`cannot bundle scenario ${file}: ${why}`);
  }
  return scenarioSource(result.outputFiles[0].text);
}
