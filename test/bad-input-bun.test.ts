/** The bad-input suite against the server on bun. */
import { badInput } from "./_bad-input.ts";

badInput("bun");
