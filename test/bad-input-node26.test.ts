/** The bad-input suite against the server on Node 26, the current LTS line, beside the machine's Node (test/bad-input-node.test.ts). */
import { badInput } from "./_bad-input.ts";

badInput("node26");
