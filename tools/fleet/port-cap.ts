/**
 * The doctor's arithmetic for a fleet: a client host has as many sockets to one server ip:port as
 * it has ephemeral ports, so N hosts reach at most N × ports × server ports. The seed's 8 hosts
 * with 1024–65535 against one port: 8 × 64,512 = 516,096, under its 524,285 plus a few.
 */
export interface PortCap {
  perHost: number;
  total: number;
  /** "8 hosts × 64,512 ports × 1 server port". */
  why: string;
}

const n = (x: number) => x.toLocaleString("en-US");

export function portCap(hosts: number, portRange: [number, number], serverPorts: number): PortCap {
  const ports = portRange[1] - portRange[0] + 1;
  const perHost = ports * serverPorts;
  return {
    perHost,
    total: hosts * perHost,
    why: `${hosts} host${hosts === 1 ? "" : "s"} × ${n(ports)} ports (${
      portRange.join("–")
    }) × ${serverPorts} server port${serverPorts === 1 ? "" : "s"}`,
  };
}
