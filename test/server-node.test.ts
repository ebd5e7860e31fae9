/** The conformance suite against the server on node. */
import { conformance } from "./_conformance.ts";

conformance("node");
