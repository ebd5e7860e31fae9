/** How the server ends on an error a person must act on: a prefixed message, then the exit code. */
import process from "node:process";

export function fail(message: string, code: number): never {
  console.error(`c512k: ${message}`);
  process.exit(code);
}
