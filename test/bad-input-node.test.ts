/** The bad-input suite against the server on node. */
import { badInput } from "./_bad-input.ts";

badInput("node");
