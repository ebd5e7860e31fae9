/** The conformance suite against the server on bun. */
import { conformance } from "./_conformance.ts";

conformance("bun");
