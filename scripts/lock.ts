/**
 * Refreshes the circuit lock, circuits/circuits.lock.json: recompiles instances from the current sources
 * (in a scratch folder, build outputs untouched) and pins their source hashes, constraint counts and
 * r1cs/wasm sha256. Run after an intended circuit change, then commit the lock.
 *
 *   npm run circuits:lock                      every instance of circuits/circuits.json
 *   npm run circuits:lock -- solvency-test     only these instances or groups (other entries kept)
 *   npm run circuits:lock -- --check           compile and compare, write nothing (exit 1 on a difference)
 *
 * HOMEOSTAT_CIRCUITS points at another instances file; its lock is the `.lock.json` beside it.
 */
import { isUserError } from "../core/errors.ts";
import { formatLockProblems, readLock, refreshLock } from "../setup/lock.ts";
import { createReporter } from "../setup/progress.ts";

async function main(argv: string[]): Promise<number> {
  const check = argv.includes("--check");
  const names = argv.filter((a) => !a.startsWith("--"));
  const unknown = argv.filter((a) => a.startsWith("--") && a !== "--check");
  if (unknown.length > 0) {
    process.stderr.write(`circuits:lock: unknown option ${unknown.join(", ")} (usage: scripts/lock.ts [NAME|GROUP ...] [--check])\n`);
    return 2;
  }
  const reporter = createReporter({ prefix: "circuits:lock" });
  const before = readLock();
  const { lock, changed, lockFile } = await refreshLock({ names, check, reporter });
  if (check) {
    if (changed.length === 0) {
      process.stdout.write(`${lockFile}: compiled circuits match the lock (${Object.keys(lock.instances).length} instances)\n`);
      return 0;
    }
    const problems = changed.map((instance) => {
      const was = before?.instances[instance];
      const now = lock.instances[instance]!;
      const what = !was ? "is not in the lock" : was.r1cs !== now.r1cs || was.wasm !== now.wasm ? "compiles to a different r1cs/wasm" : "has different source hashes";
      return { instance, reason: what };
    });
    process.stderr.write(`${formatLockProblems(problems, lockFile)}\n`);
    return 1;
  }
  const count = Object.keys(lock.instances).length;
  process.stdout.write(
    changed.length === 0
      ? `${lockFile}: unchanged (${count} instances)\n`
      : `${lockFile}: updated ${changed.join(", ")} (${count} instances); commit it\n`,
  );
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (!isUserError(e)) throw e;
  process.stderr.write(`circuits:lock: ${e.message}\n`);
  process.exitCode = e.exitCode;
}
