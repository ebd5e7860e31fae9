// Bundles with esbuild: `node scripts/build.mjs [server|client]...` (both when none is named).
// Plain JS so that Node 20, which cannot strip types, runs it before anything is built.
import { build } from "esbuild";

const targets = {
  // Node runs the bundle (it cannot run .ts); Deno and Bun run adapters/main.ts directly.
  server: {
    entryPoints: ["adapters/main.ts"],
    outfile: "dist/server.js",
    packages: "external",
  },
  // `c512k doctor`, one file like the client, so it runs wherever the client does.
  doctor: {
    entryPoints: ["tools/doctor/main.ts"],
    outfile: "dist/doctor.js",
  },
  // `npm run experiment`: the orchestrator; it starts the server and client through bin/c512k,
  // from this checkout, so its packages stay in node_modules (esbuild draws its charts page).
  experiment: {
    entryPoints: ["tools/experiment/main.ts"],
    outfile: "dist/experiment.js",
    packages: "external",
  },
  // One file with ws and every library inside, to copy to load machines.
  client: {
    entryPoints: ["client/main.ts"],
    outfile: "dist/client.js",
    // Bundled CommonJS (ws) calls require(); an ES module has none until we make one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  },
};

const names = process.argv.slice(2);
for (const name of names.length ? names : Object.keys(targets)) {
  if (!targets[name]) {
    console.error(`build: unknown target "${name}"; targets: ${Object.keys(targets).join(", ")}`);
    process.exit(2);
  }
  await build({
    bundle: true,
    platform: "node",
    format: "esm",
    target: "es2022",
    logLevel: "warning",
    ...targets[name],
  });
}
