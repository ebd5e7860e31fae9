/** The docs a newcomer reads: short where they must be, and every link and path they name exists. */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../system/runtimes.ts";

const pages = [
  "README.md",
  "BENCHMARKS.md",
  ...readdirSync(join(ROOT, "docs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md") && !/^compare-/.test(f))
    .map((f) => `docs/${f}`),
];
const lines = (page: string) => readFileSync(join(ROOT, page), "utf8").split("\n").length;

describe("docs", () => {
  it("README.md fits a newcomer's five minutes (≤ 200 lines), BENCHMARKS.md holds current figures only (≤ 400)", () => {
    assert.ok(lines("README.md") <= 200, `README.md has ${lines("README.md")} lines`);
    assert.ok(lines("BENCHMARKS.md") <= 400, `BENCHMARKS.md has ${lines("BENCHMARKS.md")} lines`);
  });

  it("every relative link points at a file that exists", () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(ROOT, dirname(page), target))) broken.push(`${page}: ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it("every source path in backquotes names a file that exists", () => {
    const missing: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), "utf8");
      for (
        const [, path] of text.matchAll(/`((?:src|server|adapters|client|system|tools|bench|test)\/[\w./-]+\.ts)`/g)
      ) {
        if (!existsSync(join(ROOT, path))) missing.push(`${page}: ${path}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("speaks of the project as it is, not of how it got there", () => {
    const chronology =
      /\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|this|last|next|earlier|previous) session\b|\brun \d+\b/i;
    const found = pages.flatMap((page) =>
      readFileSync(join(ROOT, page), "utf8").split("\n").filter((l) => chronology.test(l)).map((l) => `${page}: ${l}`)
    );
    assert.deepEqual(found, []);
  });
});
