/**
 * The `Request` an upgrade hands the Hono app on Node, built lazily from the `IncomingMessage`.
 *
 * A real `Request` (undici's, with its `Headers`, `URL` parse and `AbortSignal`) cost ~35 µs
 * per upgrade here, about a third of what Hono added to Node's accept path (docs/topics/node-accept.md,
 * "The upgrade keeps nothing per socket"). The app reads only the method, the URL and a few headers of an
 * upgrade, so those come straight from what Node's parser already made; anything else a
 * handler asks for (`signal`, `clone()`, `headers.forEach`…) builds the real object then, so
 * nothing is missing, only deferred. @hono/node-server does the same for its own requests
 * (its `newRequest`), but does not export it.
 */
import type { IncomingMessage } from "node:http";

const INCOMING = Symbol("incoming");
const URL_ = Symbol("url");
const REAL = Symbol("real");
const HEADERS = Symbol("headers");

interface Lazy<T> {
  [INCOMING]: IncomingMessage;
  [REAL]?: T;
}
interface LazyRequest extends Lazy<Request> {
  [URL_]: string;
  [HEADERS]?: Lazy<Headers>;
}

/** Every member of `proto` that the fast path does not answer, forwarded to the real object. */
function forwardRest<T extends object>(proto: T, fast: string[], real: (self: Lazy<T>) => T): object {
  const lazy = Object.create(proto);
  for (const key of Reflect.ownKeys(proto)) {
    if (key === "constructor" || fast.includes(key as string)) continue;
    const d = Object.getOwnPropertyDescriptor(proto, key)!;
    if (typeof d.value === "function") {
      Object.defineProperty(lazy, key, {
        value(this: Lazy<T>, ...args: unknown[]) {
          const target = real(this) as Record<PropertyKey, (...a: unknown[]) => unknown>;
          return target[key].apply(target, args);
        },
      });
    } else if (d.get) {
      Object.defineProperty(lazy, key, {
        get(this: Lazy<T>) {
          return Reflect.get(real(this), key);
        },
      });
    }
  }
  return lazy;
}

function realHeaders(self: Lazy<Headers>): Headers {
  if (!self[REAL]) {
    const raw = self[INCOMING].rawHeaders;
    const headers = new Headers();
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
    self[REAL] = headers;
  }
  return self[REAL];
}

// get and has read Node's parsed headers (lower-cased names, repeats joined with ", "). For
// the few names Node keeps only the first of (host, authorization, content-type…), a repeat is
// dropped where Headers would join it: none of those decides an upgrade.
const headersPrototype = forwardRest(Headers.prototype, ["get", "has"], realHeaders);
Object.defineProperties(headersPrototype, {
  get: {
    value(this: Lazy<Headers>, name: string): string | null {
      if (this[REAL]) return this[REAL].get(name);
      const value = this[INCOMING].headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  },
  has: {
    value(this: Lazy<Headers>, name: string): boolean {
      return this[REAL] ? this[REAL].has(name) : name.toLowerCase() in this[INCOMING].headers;
    },
  },
});

function realRequest(self: Lazy<Request>): Request {
  const lazy = self as LazyRequest;
  lazy[REAL] ??= new Request(lazy[URL_], { method: lazy[INCOMING].method, headers: realHeaders(requestHeaders(lazy)) });
  return lazy[REAL];
}

function requestHeaders(self: LazyRequest): Lazy<Headers> {
  if (!self[HEADERS]) {
    const headers = Object.create(headersPrototype) as Lazy<Headers>;
    headers[INCOMING] = self[INCOMING];
    self[HEADERS] = headers;
  }
  return self[HEADERS];
}

const requestPrototype = forwardRest(Request.prototype, ["method", "url", "headers"], realRequest);
Object.defineProperties(requestPrototype, {
  method: {
    get(this: LazyRequest) {
      return this[INCOMING].method;
    },
  },
  url: {
    get(this: LazyRequest) {
      return this[URL_];
    },
  },
  headers: {
    get(this: LazyRequest) {
      return requestHeaders(this) as unknown as Headers;
    },
  },
});

/** A `Request` for `url` (already checked by `new URL`) that reads `incoming` only as asked. */
export function upgradeRequest(incoming: IncomingMessage, url: string): Request {
  const request = Object.create(requestPrototype) as LazyRequest;
  request[INCOMING] = incoming;
  request[URL_] = url;
  return request as unknown as Request;
}
