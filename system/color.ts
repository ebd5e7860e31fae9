/** Whether to colour output: FORCE_COLOR wins, then NO_COLOR, then whether the stream is a terminal. */
import process from "node:process";

export function useColor(stream: { isTTY?: boolean } = process.stdout): boolean {
  const force = process.env.FORCE_COLOR;
  if (force) return force !== "0";
  return !process.env.NO_COLOR && !!stream.isTTY;
}
