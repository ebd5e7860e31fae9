/**
 * The folders tell the architecture (README, "Layout"): imports point one way, no module imports
 * itself through a circle, and nothing outside test/ and bench/ imports them.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../system/runtimes.ts";

/** What each top-level folder may import from our own code. */
const MAY_IMPORT: Record<string, string[]> = {
  src: [],
  system: ["src"],
  server: ["src", "system"],
  adapters: ["src", "server"],
  client: ["src", "system"],
  tools: ["src", "system", "server", "client", "adapters"],
  bench: ["src", "system", "server", "client", "adapters", "tools"],
  test: ["src", "system", "server", "client", "adapters", "tools", "bench"],
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return name === "fixtures" ? [] : sources(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every module's relative imports, as paths from the root. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of Object.keys(MAY_IMPORT).flatMap(sources)) {
    const text = readFileSync(join(ROOT, file), "utf8");
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.\.?\/[^"]+)"/g)].map((m) => m[1]);
    graph.set(file, specs.map((s) => relative(ROOT, resolve(ROOT, dirname(file), s))));
  }
  return graph;
}

const top = (path: string) => path.split("/")[0];

describe("layout", () => {
  const graph = importGraph();

  it("has the folders the README names, and adapters/ holds four files and three private folders", () => {
    for (const dir of Object.keys(MAY_IMPORT)) assert.ok(statSync(join(ROOT, dir)).isDirectory(), dir);
    assert.deepEqual(readdirSync(join(ROOT, "adapters")).sort(), [
      "_bun",
      "_deno",
      "_node",
      "bun.ts",
      "deno.ts",
      "main.ts",
      "node.ts",
    ]);
  });

  it("imports point one way: each folder imports only the folders below it", () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const [from, to] = [top(file), top(target)];
        if (from !== to && !MAY_IMPORT[from].includes(to)) wrong.push(`${file} imports ${target}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("a runtime's private folder is imported only by that runtime's adapter and its own helpers", () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const m = target.match(/^adapters\/_(\w+)\//);
        if (!m || ["test", "bench", "tools"].includes(top(file))) continue;
        const own = file === `adapters/${m[1]}.ts` || file.startsWith(`adapters/_${m[1]}/`);
        if (!own) wrong.push(`${file} imports ${target}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("no module reaches itself through its imports", () => {
    const circles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        circles.push([...path.slice(path.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "open");
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(circles, []);
  });
});
