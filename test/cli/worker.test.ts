// `homeostat worker` and `inclusion prove --all --queue` refuse bad input with one line before touching Redis or
// the tree: a URL that is not redis://, a missing tree, --queue without --all or beside --workers, --chunk
// without --queue; and a Redis that does not answer is named with the URL, not waited for forever.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { readLiabilities } from "../../liabilities/reader.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { isSetUp } from "../prover/small-example.ts";
import { expectOneLineRefusal, homeostatInProcess as homeostat } from "./in-process.ts";

const dir = mkdtempSync(path.join(tmpdir(), "homeostat-worker-cli-"));
let tree: string;
// Nothing listens on port 1 (a privileged port, closed here): the connection is refused at once.
const DEAD = "redis://127.0.0.1:1";

beforeAll(async () => {
  const csv = path.join(dir, "users.csv");
  writeFileSync(csv, "user,balance\nalice,1\nbob,2\n");
  tree = path.join(dir, "tree");
  await buildTree(await readLiabilities(csv, { decimals: 6 }), { depth: 4, decimals: 6, outDir: tree });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("homeostat worker: bad input", () => {
  it("refuses a URL that is not redis:// and a missing tree, in one line", async () => {
    expectOneLineRefusal(await homeostat("worker", "--queue", "http://127.0.0.1:6379", "--tree", tree), 2, /--queue: expected a redis:\/\/ URL, got http:\/\//);
    expectOneLineRefusal(await homeostat("worker", "--queue", "not a url", "--tree", tree), 2, /--queue: expected a Redis URL such as redis:\/\/127\.0\.0\.1:6379/);
    expectOneLineRefusal(await homeostat("worker", "--queue", DEAD, "--tree", path.join(dir, "nowhere")), 1, /nowhere/);
    expectOneLineRefusal(await homeostat("worker", "--queue", DEAD, "--tree", tree, "--concurrency", "0"), 2, /--concurrency: expected a positive integer/);
  });

  it.runIf(isSetUp("inclusion-test"))("names a Redis that does not answer", async () => {
    expectOneLineRefusal(await homeostat("worker", "--queue", DEAD, "--tree", tree), 1, /--queue: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  }, 30_000);
});

describe("homeostat inclusion prove --queue: bad input", () => {
  it("refuses --queue without --all, beside --workers, and --chunk without --queue", async () => {
    expectOneLineRefusal(await homeostat("inclusion", "prove", "--tree", tree, "--user", "alice", "--queue", DEAD), 2, /--workers, --queue, --chunk, --limit and --verify-existing go with --all/);
    expectOneLineRefusal(await homeostat("inclusion", "prove", "--tree", tree, "--all", "--out", path.join(dir, "p1"), "--queue", DEAD, "--workers", "2"), 2, /--workers: --workers is for the local pool/);
    expectOneLineRefusal(await homeostat("inclusion", "prove", "--tree", tree, "--all", "--out", path.join(dir, "p2"), "--chunk", "4"), 2, /--chunk: --chunk goes with --queue/);
  });

  it.runIf(isSetUp("inclusion-test"))("names a Redis that does not answer", async () => {
    expectOneLineRefusal(await homeostat("inclusion", "prove", "--tree", tree, "--all", "--out", path.join(dir, "p3"), "--queue", DEAD), 1, /--queue: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  }, 30_000);
});
