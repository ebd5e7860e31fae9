/** The conformance suite against the server on deno. */
import { conformance } from "./_conformance.ts";

conformance("deno");
