/** `--targets` and `--ports`: the server endpoints the client spreads its sockets over. */

export class TargetError extends Error {}

/**
 * "127.0.0.1-16" is 127.0.0.1 to 127.0.0.16 (the last part ranges); "a,b" is a list; both mix.
 * All of 127.0.0.0/8 is loopback, so one loopback server bound to 0.0.0.0 answers on every one.
 */
export function parseHosts(spec: string): string[] {
  const hosts: string[] = [];
  for (const part of spec.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = part.match(/^(\d+\.\d+\.\d+\.)(\d+)-(\d+)$/);
    if (!m) {
      hosts.push(part);
      continue;
    }
    const [from, to] = [Number(m[2]), Number(m[3])];
    if (from > to || to > 255) {
      throw new TargetError(`--targets range must be like 127.0.0.1-16 (last part 0-255), got "${part}"`);
    }
    for (let i = from; i <= to; i++) hosts.push(`${m[1]}${i}`);
  }
  if (hosts.length === 0) throw new TargetError(`--targets names no address: "${spec}"`);
  return hosts;
}

/** "8080", "8080-8087", or a list of either: "8080,9000-9003". */
export function parsePorts(spec: string): number[] {
  const ports: number[] = [];
  for (const part of spec.split(",").map((p) => p.trim())) {
    const m = part.match(/^(\d+)(?:-(\d+))?$/);
    const from = Number(m?.[1]);
    const to = Number(m?.[2] ?? m?.[1]);
    if (!m || from < 1 || to > 65535 || to < from) {
      throw new TargetError(`--ports must look like 8080, 8080-8087 or 8080,9000-9003, got "${spec}"`);
    }
    for (let p = from; p <= to; p++) ports.push(p);
  }
  return ports;
}

/** Every host × port, as WebSocket URLs, interleaved so consecutive sockets go to different endpoints. */
export function endpointUrls(scheme: "ws" | "wss", hosts: string[], ports: number[]): string[] {
  const urls: string[] = [];
  for (const port of ports) {
    for (const host of hosts) urls.push(`${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}/ws`);
  }
  return urls;
}
