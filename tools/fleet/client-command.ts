/**
 * The command each client host runs, after `sh bin/c512k`: written once, for `npm run fleet` and
 * for the Kubernetes Job (deploy/kubernetes/clients.yaml), which test/kubernetes.test.ts holds to it.
 */
import type { FleetOptions } from "./options.ts";

export function fleetClientCommand(o: FleetOptions, url: string, run: string, clientId: string): string[] {
  // The fleet's ramp rate and window are for all hosts together: each host takes its share.
  const share = (total: number) => String(Math.max(1, Math.round(total / o.hosts)));
  const [lo, hi] = o.ports;
  return [
    ...["client", "--runtime", o.clientRuntime, url, "--connections", String(o.connections)],
    ...["--rate", share(o.rate), "--max-pending", share(o.maxPending), "--interval", String(o.interval)],
    ...(lo === hi ? [] : ["--ports", `${lo}-${hi}`]),
    ...["--run", run, "--hosts", String(o.hosts), "--client-id", clientId],
  ];
}
