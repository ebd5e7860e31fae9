/** The conformance suite against the server on Node 26, the current LTS line, beside the machine's Node (test/server-node.test.ts). */
import { conformance } from "./_conformance.ts";

conformance("node26");
