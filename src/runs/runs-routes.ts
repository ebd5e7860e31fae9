/**
 * `/runs`: the supervisor's routes for runs (workers forward every `/runs` request here). Reads
 * are open, as `/stats` is; joins, reports and holds need `Authorization: Bearer T` when the server was
 * given `--run-token T`. Bodies are bounded before they are read, and checked before they count.
 */
import { type Context, Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { RunError, type RunRegistry } from "./run-registry.ts";
import {
  FiguresBody,
  HoldBody,
  isName,
  JoinBody,
  MAX_BODY_BYTES,
  NAME_RULE,
  problems,
  ProgressBody,
} from "./run-shapes.ts";

/** Set by the worker that forwards a request: the client's address as that worker saw it. */
export const PEER_HEADER = "x-c512k-peer";

export const tooLarge = (c: Context) =>
  c.json({ error: `body over ${MAX_BODY_BYTES} bytes: a join or a report is a few KB` }, 413);

export function runsRoutes(registry: RunRegistry, token?: string): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    if (err instanceof RunError) return c.json({ error: err.message }, err.status);
    // bearerAuth's refusals (401, 400) come as exceptions that carry their response.
    if (err instanceof HTTPException) return err.getResponse();
    throw err;
  });

  app.post("/*", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge }));
  if (token) {
    const refuse = (why: string) => ({
      message: { error: `${why}: this server takes joins and reports with --run-token` },
    });
    app.post(
      "/*",
      bearerAuth({
        token,
        noAuthenticationHeader: refuse("no Authorization: Bearer header"),
        invalidAuthenticationHeader: refuse("a malformed Authorization header"),
        invalidToken: refuse("a wrong token"),
      }),
    );
  }

  const named = (c: Context, ...params: string[]) => {
    for (const p of params) {
      const value = c.req.param(p)!;
      if (!isName(value)) {
        throw new RunError(400, `${p === "name" ? "run name" : "client id"} "${value}" must be ${NAME_RULE}`);
      }
    }
  };
  const body = async <S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> => {
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new RunError(400, "the body must be JSON");
    }
    const parsed = v.safeParse(schema, json);
    if (!parsed.success) throw new RunError(400, problems(parsed.issues));
    return parsed.output;
  };

  app.get("/", (c) => c.json({ runs: registry.list() }));
  app.get("/:name", (c) => {
    named(c, "name");
    return c.json(registry.view(c.req.param("name")));
  });
  app.post("/:name/join", async (c) => {
    named(c, "name");
    const join = await body(c, JoinBody);
    return c.json(registry.join(c.req.param("name"), join, c.req.header(PEER_HEADER) ?? "unknown"));
  });
  app.post("/:name/clients/:id/progress", async (c) => {
    named(c, "name", "id");
    const { figures } = await body(c, ProgressBody);
    return c.json(registry.progress(c.req.param("name"), c.req.param("id"), figures));
  });
  app.post("/:name/clients/:id/result", async (c) => {
    named(c, "name", "id");
    const figures = await body(c, FiguresBody);
    return c.json(registry.result(c.req.param("name"), c.req.param("id"), figures));
  });
  app.post("/:name/hold", async (c) => {
    named(c, "name");
    const { why } = await body(c, HoldBody);
    return c.json(registry.hold(c.req.param("name"), why));
  });
  app.notFound((c) =>
    c.json({
      error: `${c.req.method} ${c.req.path}: runs answer GET /runs, GET /runs/NAME, POST /runs/NAME/join, ` +
        `POST /runs/NAME/clients/ID/progress, POST /runs/NAME/clients/ID/result and POST /runs/NAME/hold`,
    }, 404)
  );
  return app;
}
