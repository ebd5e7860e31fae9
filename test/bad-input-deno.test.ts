/** The bad-input suite against the server on deno. */
import { badInput } from "./_bad-input.ts";

badInput("deno");
