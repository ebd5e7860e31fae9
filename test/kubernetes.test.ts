/**
 * deploy/kubernetes, checked offline (no cluster here): every manifest against the Kubernetes API
 * schemas (kubernetes-models), and the Job's client command against the one `npm run fleet` runs.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { ROOT } from "../system/runtimes.ts";
import { parseFleetOptions } from "../tools/fleet/options.ts";
import { fleetClientCommand } from "../tools/fleet/client-command.ts";

const DIR = `${ROOT}deploy/kubernetes/`;
// deno-lint-ignore no-explicit-any -- a manifest is any object until its schema says otherwise
type Manifest = any;
const MODELS: Record<string, new (m: Manifest) => { validate(): void }> = {
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
};

function manifests(): { file: string; doc: Manifest }[] {
  return readdirSync(DIR).filter((f) => f.endsWith(".yaml")).flatMap((file) =>
    parseAllDocuments(readFileSync(`${DIR}${file}`, "utf8")).map((d) => {
      assert.deepEqual(d.errors, [], `${file}: YAML errors`);
      return { file, doc: d.toJS() };
    })
  );
}

const byKind = (kind: string) => manifests().find((m) => m.doc.kind === kind)!.doc;

describe("deploy/kubernetes", () => {
  it("every manifest is valid against the Kubernetes API schemas", () => {
    const all = manifests();
    assert.deepEqual(all.map((m) => m.doc.kind).sort(), ["Deployment", "Job", "Secret", "Service"]);
    for (const { file, doc } of all) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      assert.ok(Model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
      assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`);
    }
  });

  it("the validator can fail: a misspelt value and a wrong type are refused (unknown fields are not: the API schemas allow them)", () => {
    const job = byKind("Job");
    assert.throws(() => new Job({ ...job, spec: { ...job.spec, parallelism: "eight" } }).validate());
    assert.throws(() => new Job({ ...job, spec: { ...job.spec, completionMode: "Indexd" } }).validate());
  });

  it("the clients are an Indexed Job of the seed's 8, each with 64,512 ports through a safe sysctl", () => {
    const job = byKind("Job");
    assert.equal(job.spec.completionMode, "Indexed");
    assert.equal(job.spec.parallelism, 8);
    assert.equal(job.spec.completions, 8);
    assert.deepEqual(job.spec.template.spec.securityContext.sysctls, [
      { name: "net.ipv4.ip_local_port_range", value: "1024 65535" },
    ]);
  });

  it("the Job's client runs the command the simulated fleet runs, with its index in its client id", () => {
    const fleet = parseFleetOptions(["--hosts", "8"])!;
    const job = byKind("Job");
    const container = job.spec.template.spec.containers[0];
    const expected = fleetClientCommand(fleet, "http://c512k-server:8080", "seed", "host-$(JOB_COMPLETION_INDEX)");
    assert.deepEqual(container.args, [...expected, "--join-timeout", "600", "--duration", "600"]);
    assert.ok(container.env.some((e: Manifest) => e.name === "JOB_COMPLETION_INDEX"));
    assert.equal(job.spec.completions, fleet.hosts);
  });

  it("the server's workers follow the pod's CPU limit, its readiness is /stats, its Service is headless", () => {
    const deployment = byKind("Deployment");
    const server = deployment.spec.template.spec.containers[0];
    const workers = server.args[server.args.indexOf("--workers") + 1];
    assert.equal(workers, "$(CPU_LIMIT)");
    assert.equal(
      server.env.find((e: Manifest) => e.name === "CPU_LIMIT").valueFrom.resourceFieldRef.resource,
      "limits.cpu",
    );
    assert.equal(server.readinessProbe.httpGet.path, "/stats");
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(byKind("Service").spec.clusterIP, "None");
  });

  it("one image definition per runtime, each starting its runtime through bin/c512k", () => {
    for (const runtime of ["node", "bun", "deno"]) {
      const text = readFileSync(`${DIR}images/${runtime}.Dockerfile`, "utf8");
      assert.match(text, /ENTRYPOINT \["sh", "bin\/c512k"\]/);
      assert.match(text, new RegExp(`CMD \\["serve", "--runtime", "${runtime}"\\]`));
    }
  });
});
