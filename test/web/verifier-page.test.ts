/**
 * Pins the browser verifier page end to end in a real Chromium (Debian's, through playwright-core): the
 * page is built with Vite, served by `homeostat serve`'s server with a folder of fixture bundles, and
 * driven like a user would. A valid bundle (S1, an S2 swap and an S4 payout) shows verified with its statement in
 * words (one whose policy names a custodian shows the attestor's key, its name marked as the operator's label; a
 * payout shows its asset, amount, recipient and the roots before and after); a changed public signal, a policy
 * that does not match its hash, an unpinned key, a non-canonical proof (a coordinate + q), a payout redirected to
 * another recipient and one showing more than was proven show invalid with the reason; a valid inclusion proof shows the balance counted under the attestation's
 * root, a changed balance and a proof for another root are refused with the reason; the optional on-chain
 * check reads a (stand-in) registry through the compiled contract's ABI. A screenshot is kept in
 * test-output/ as an artifact.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { AbiCoder, Interface, keccak256, type InterfaceAbi } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../cli/commands/serve.ts";
import { formatBps } from "../../core/units.ts";
import { DIST_DIR, PROJECT_ROOT, ensureWebBuild } from "../../verifier/web/build.ts";
import { launchChromium, waitForVerdict, type Browser } from "./browser.ts";
import { makeFixtureSources } from "./fixture-sources.ts";
import { makeExampleBundle, SAMPLE_PAYOUT, SAMPLE_SWAP } from "./sample-bundles.ts";
import { REDIRECTED_TO, writeFixtures, type Fixtures } from "./fixtures.ts";

const OUTPUT_DIR = path.join(PROJECT_ROOT, "test-output");

let workDir: string;
let bundlesDir: string;
let fixtures: Fixtures;
let server: RunningServer;
let browser: Browser;

/** URL of the page opening `file` (a fixture in the bundles folder) via `?bundle=`. */
function pageFor(file: string): string {
  return `${server.baseUrl}?bundle=${encodeURIComponent(`bundles/${path.basename(file)}`)}`;
}

/** Opens the page on a bundle and waits for the verdict. */
async function open(file: string): Promise<string> {
  await browser.page.goto(pageFor(file));
  return waitForVerdict(browser.page, "bundle-verdict");
}

/** Loads an inclusion proof through the file picker and waits for the verdict. */
async function checkInclusion(file: string): Promise<string> {
  await browser.page.setInputFiles("#inclusion-file", file);
  return waitForVerdict(browser.page, "inclusion-verdict");
}

const text = (selector: string): Promise<string> => browser.page.locator(selector).innerText();

beforeAll(async () => {
  workDir = mkdtempSync(path.join(os.tmpdir(), "homeostat-web-work-"));
  bundlesDir = mkdtempSync(path.join(os.tmpdir(), "homeostat-web-bundles-"));
  fixtures = writeFixtures(bundlesDir, await makeFixtureSources(workDir));
  await ensureWebBuild({ keysDir: fixtures.keysDir });
  server = await startServer({ bundlesDir, port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const dir of [bundlesDir, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("attestation", () => {
  it("a valid bundle shows verified, the statement in words and the pinned key", async () => {
    expect(await open(fixtures.valid)).toBe("verified");
    expect(await text("#verdict-title")).toMatch(/^Verified: a valid solvency attestation/);
    const policy = fixtures.bundle.policy as { minCoverageBps: string; minLiquidityBps: string; assets: Array<{ symbol: string; capBps: string }>; scenarios: Array<{ name: string }> };
    const statement = await text("#statement");
    expect(statement).toContain(`Coverage of at least ${formatBps(BigInt(policy.minCoverageBps))} after haircuts`);
    expect(statement).toContain(`A liquidity buffer of at least ${formatBps(BigInt(policy.minLiquidityBps))}`);
    for (const asset of policy.assets) {
      expect(await text(`tr[data-asset="${asset.symbol}"]`)).toContain(formatBps(BigInt(asset.capBps)));
    }
    for (const scenario of policy.scenarios) expect(statement).toContain(scenario.name);
    const signals = fixtures.bundle.publicSignals as Record<string, string>;
    for (const value of Object.values(signals)) expect(statement).toContain(value);
    expect(statement).toContain(String(fixtures.bundle.vkeyHash));
    expect(statement.match(/matches the data above/g)).toHaveLength(2);
    // Custody: the vault-held totals are read from the public signals, per asset.
    expect(statement).toContain("Assets the treasury really holds.");
    expect(statement).toMatch(/Held by the vault contract itself: .*USDC/);
    expect(await text('[data-testid="vault-totals"]')).toContain("USDC");
    expect(await text("#keys-list")).toContain(String(fixtures.bundle.instance));
    expect(browser.errors).toEqual([]);

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await checkInclusion(fixtures.inclusionValid);
    await browser.page.screenshot({ path: path.join(OUTPUT_DIR, "verifier-page.png"), fullPage: true });
  });

  it("a rebalance bundle shows the swap and the new positions commitment", async () => {
    expect(await open(fixtures.rebalance)).toBe("verified");
    expect(await text("#verdict-title")).toMatch(/^Verified: a valid rebalance proof/);
    const statement = await text("#statement");
    expect(statement).toContain(`After selling ${SAMPLE_SWAP.amount} ${SAMPLE_SWAP.sell} for at least ${SAMPLE_SWAP.minOut} ${SAMPLE_SWAP.buy}`);
    const signals = fixtures.rebalanceBundle.publicSignals as Record<string, string>;
    expect(statement).toContain(`They are committed to as ${signals.newRoot}`);
    expect(statement).toContain("Positions before");
  });

  it("a payout bundle shows the payout: asset, amount, recipient, and the positions before and after", async () => {
    expect(await open(fixtures.payout)).toBe("verified");
    expect(await text("#verdict-title")).toBe("Verified: a valid payout proof under the pinned key of payout-test");
    expect(await text("#statement-title")).toBe("2. What was proven");
    const signals = fixtures.payoutBundle.publicSignals as Record<string, string>;
    const statement = await text("#statement");
    expect(statement).toContain(`After paying out ${SAMPLE_PAYOUT.amount} ${SAMPLE_PAYOUT.asset} from the vault to ${SAMPLE_PAYOUT.to}, the treasury still meets every bound`);
    const claim = await text('li[data-claim="payout"]');
    expect(claim).toContain(`Pays out ${SAMPLE_PAYOUT.amount} ${SAMPLE_PAYOUT.asset} to ${SAMPLE_PAYOUT.to}.`);
    expect(claim).toContain(`The positions before the payout are committed as ${signals.oldRoot}, the positions left after it as ${signals.newRoot}.`);
    // The commitments list every proven signal, the payout's in words; the recipient as its address (the field in the tooltip).
    const { recipient, ...rest } = signals;
    for (const value of Object.values(rest)) expect(statement).toContain(value);
    expect(statement).toContain(`Asset paid out\n${SAMPLE_PAYOUT.asset} (asset ${signals.asset})`);
    expect(statement).toContain(`Amount paid out\n${signals.amount} base units`);
    expect(statement).toContain(`Recipient\n${SAMPLE_PAYOUT.to}`);
    expect(await browser.page.getByText(SAMPLE_PAYOUT.to, { exact: true }).last().getAttribute("title")).toBe(`field element ${recipient}`);
    expect(statement.match(/matches the data above/g)).toHaveLength(2);
    expect(await text('li[data-claim="custody"]')).toContain("at least that right after the payout");
    expect(await text('#keys-list li[data-instance="payout-test"]')).toContain("payout-test");
    expect(browser.errors).toEqual([]);
    await browser.page.screenshot({ path: path.join(OUTPUT_DIR, "verifier-page-payout.png"), fullPage: true });
  });

  it("a payout redirected to another recipient (signal and payout both changed) is refused: the proof does not verify", async () => {
    expect(await open(fixtures.payoutRedirected)).toBe("invalid");
    expect(await text("#verdict-title")).toBe("Not valid: this payout proof does not verify");
    expect(await text("#verdict-reasons")).toBe("the Groth16 proof does not verify against the payout-test key and the public signals");
    expect(await text("#statement-title")).toBe("2. What this bundle claims (not proven)");
    expect(await text("#statement")).toContain("nothing below is proven");
    expect(await text('[data-testid="payout-recipient"]')).toBe(REDIRECTED_TO);
  });

  it("a payout showing more than the proven amount is refused with the reason, though its proof verifies", async () => {
    expect(await open(fixtures.payoutInflated)).toBe("invalid");
    expect(await text("#verdict-title")).toBe("Not valid: the proof verifies, but this payout proof fails other checks (below)");
    expect(await text("#verdict-reasons")).toBe("payout.amount is not the proven amount");
    expect(await text("#statement")).toContain("nothing below is proven");
  });

  it("a bundle with one public signal changed shows invalid, with the reason", async () => {
    expect(await open(fixtures.changedSignal)).toBe("invalid");
    expect(await text("#verdict-title")).toMatch(/^Not valid: this solvency attestation does not verify/);
    expect(await text("#verdict-reasons")).toMatch(/Groth16 proof does not verify/);
    expect(await text("#statement")).toContain("nothing below is proven");
  });

  it("a policy that does not match its hash shows the mismatch", async () => {
    expect(await open(fixtures.policyMismatch)).toBe("invalid");
    expect(await text("#verdict-title")).toMatch(/^Not valid: the proof verifies, but this solvency attestation fails other checks/);
    expect(await text("#verdict-reasons")).toMatch(/policy in the bundle does not hash to the proven policyHash/);
    const mismatch = browser.page.getByTestId("hash-mismatch");
    expect(await mismatch.innerText()).toMatch(/policy shown below does not hash to the policyHash/);
    const statement = await text("#statement");
    expect(statement).toContain("does NOT match the data above");
    expect(statement).toContain("the policy shown hashes to");
    await browser.page.screenshot({ path: path.join(OUTPUT_DIR, "verifier-page-policy-mismatch.png"), fullPage: true });
  });

  it("a bundle naming a key that is not pinned is refused", async () => {
    expect(await open(fixtures.unpinnedKey)).toBe("invalid");
    expect(await text("#verdict-reasons")).toMatch(/is not one of the verification keys pinned in this page/);
  });

  it("a bundle whose proof has q added to a coordinate (a non-canonical encoding) shows invalid", async () => {
    expect(await open(fixtures.nonCanonical)).toBe("invalid");
    expect(await text("#verdict-reasons")).toMatch(/proof\.pi_a\[0\]: not below the BN254 base field modulus q/);
  });

  it("a bundle whose policy names an attestor shows its key, and its name as the operator's label", async () => {
    const { bundle } = await makeExampleBundle(workDir, "examples/harbor");
    const file = path.join(bundlesDir, "harbor.json");
    writeFileSync(file, JSON.stringify(bundle));
    expect(await open(file)).toBe("verified");
    const attestor = (bundle.policy as { attestors: Array<{ name: string; publicKey: [string, string] }> }).attestors.find((a) => a.publicKey[0] !== "0")!;
    expect(attestor.name).toBe("Harbor Custody");
    const custody = await text('li[data-claim="custody"]');
    expect(custody).toContain(`Everything else is held by the attestors whose keys the policy names: key ${attestor.publicKey[0].slice(0, 10)}`);
    expect(custody).toContain('("Harbor Custody")');
    expect(custody).toContain("the names in quotes are the operator's labels, not proven");
    // The fixture bundle's policy names none: the page says every position is the vault's.
    expect(await open(fixtures.valid)).toBe("verified");
    expect(await text('li[data-claim="custody"]')).toContain("The policy names no attestor, so every position is held by the vault.");
  });

  it("a bundle chosen with the file picker is verified too", async () => {
    await browser.page.goto(server.baseUrl);
    await waitForVerdict(browser.page, "verifier-ready");
    await browser.page.setInputFiles("#bundle-file", fixtures.valid);
    expect(await waitForVerdict(browser.page, "bundle-verdict")).toBe("verified");
  });

  it("a bundle URL that does not exist says so", async () => {
    await browser.page.goto(`${server.baseUrl}?bundle=bundles/missing.json`);
    expect(await waitForVerdict(browser.page, "bundle-verdict")).toBe("error");
    expect(await text("#verdict")).toMatch(/HTTP 404/);
  });
});

describe("inclusion", () => {
  it("a valid inclusion proof shows the balance counted in the attestation's root", async () => {
    await open(fixtures.valid);
    expect(await checkInclusion(fixtures.inclusionValid)).toBe("counted");
    const root = (fixtures.bundle.publicSignals as Record<string, string>).liabilitiesRoot!;
    const title = await text("#inclusion-title");
    expect(title).toMatch(/^Your balance .+ is counted in liabilities root/);
    expect(title).toContain(root);
    expect(title).toContain("the same root this attestation covers");
  });

  it("a changed balance is refused: the leaf hash no longer matches", async () => {
    await open(fixtures.valid);
    expect(await checkInclusion(fixtures.inclusionChangedBalance)).toBe("not-counted");
    expect(await text("#inclusion-reasons")).toMatch(/leafHash is not Poseidon\(userIdHash\(user.id\), balance, salt\): the id, balance or salt was changed/);
  });

  it("a valid proof under another root is refused: the roots differ", async () => {
    await open(fixtures.valid);
    expect(await checkInclusion(fixtures.inclusionOtherRoot)).toBe("not-counted");
    expect(await text("#inclusion-reasons")).toMatch(/is not the root this attestation covers/);
  });

  it("pasted text is checked the same way", async () => {
    await open(fixtures.valid);
    await browser.page.fill("#inclusion-text", JSON.stringify(fixtures.inclusion));
    await browser.page.click("#inclusion-check");
    expect(await waitForVerdict(browser.page, "inclusion-verdict")).toBe("counted");
  });
});

describe("on-chain check", () => {
  /**
   * A JSON-RPC endpoint standing in for a chain: it answers with the compiled SolvencyRegistry ABI
   * (Hardhat's artifact), so a drift between the page's ABI and the contract shows here.
   */
  async function fakeChain(
    chainId: bigint,
    attestation: Record<string, bigint>,
    currentRoot: bigint,
    options: { storedHash?: string; vaultBalance?: bigint; epochRoots?: bigint[] } = {},
  ): Promise<{ url: string; close(): Promise<void> }> {
    const erc20 = new Interface(["function balanceOf(address) view returns (uint256)"]);
    const artifact = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "artifacts/contracts/SolvencyRegistry.sol/SolvencyRegistry.json"), "utf8")) as { abi: InterfaceAbi };
    const registry = new Interface(artifact.abi);
    // Storage keeps the attestation's hash and a packed head; the fields are in the event.
    const event = registry.getEvent("AttestationPublished")!;
    const tuple = event.inputs[1]!;
    const storedHash = options.storedHash ?? keccak256(AbiCoder.defaultAbiCoder().encode([tuple], [attestation]));
    const next = attestation.sequence! + 1n;
    const latestEpoch = options.epochRoots ? BigInt(options.epochRoots.length) : attestation.liabilitiesEpoch!;
    const head = [next, next, attestation.snapshotId!, attestation.policyVersion!, attestation.liabilitiesEpoch!, latestEpoch, 0n, false];
    const log = registry.encodeEventLog(event, [attestation.sequence, attestation]);
    const answer = (method: string, params: unknown[]): unknown => {
      if (method === "eth_chainId") return `0x${chainId.toString(16)}`;
      if (method === "eth_getCode") return "0x6080";
      if (method === "eth_blockNumber") return "0x10";
      if (method === "eth_getLogs") {
        const zero32 = `0x${"00".repeat(32)}`;
        return [{ address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", topics: log.topics, data: log.data, blockNumber: "0x5", blockHash: zero32, transactionHash: zero32, transactionIndex: "0x0", logIndex: "0x0", removed: false }];
      }
      if (method === "eth_call") {
        const data = (params[0] as { data: string }).data;
        // Every token: the vault's balance (plenty unless the test says otherwise).
        if (data.startsWith(erc20.getFunction("balanceOf")!.selector)) return erc20.encodeFunctionResult("balanceOf", [options.vaultBalance ?? 10n ** 40n]);
        const fn = registry.getFunction(data.slice(0, 10))!;
        if (fn.name === "head") return registry.encodeFunctionResult(fn, head);
        if (fn.name === "attestationHash") return registry.encodeFunctionResult(fn, [storedHash]);
        if (fn.name === "positionsRoot") return registry.encodeFunctionResult(fn, [currentRoot]);
        if (fn.name === "liabilitiesRootOf") {
          const [epoch] = registry.decodeFunctionData(fn, data) as unknown as [bigint];
          return registry.encodeFunctionResult(fn, [options.epochRoots?.[Number(epoch) - 1] ?? 0n]);
        }
      }
      throw new Error(`unexpected call ${method}`);
    };
    const rpc = createServer((req, res) => {
      res.setHeader("Access-Control-Allow-Origin", "*");
      res.setHeader("Access-Control-Allow-Headers", "content-type");
      if (req.method === "OPTIONS") return void res.end();
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const call = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        res.setHeader("Content-Type", "application/json");
        try {
          res.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, result: answer(call.method, call.params) }));
        } catch (e) {
          res.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, error: { code: -32601, message: (e as Error).message } }));
        }
      });
    });
    await new Promise<void>((resolve) => rpc.listen(0, "127.0.0.1", resolve));
    return {
      url: `http://127.0.0.1:${(rpc.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => rpc.close(() => resolve())),
    };
  }

  async function compare(rpcUrl: string): Promise<string> {
    await open(fixtures.valid);
    await browser.page.fill("#chain-rpc", rpcUrl);
    await browser.page.fill("#chain-registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    await browser.page.click("#chain-check");
    return waitForVerdict(browser.page, "chain-verdict");
  }

  const signals = (): Record<string, bigint> =>
    Object.fromEntries(Object.entries(fixtures.bundle.publicSignals as Record<string, string>).map(([k, v]) => [k, BigInt(v)]));
  const chainId = (): bigint => BigInt((fixtures.bundle.policy as { chainId: string }).chainId);

  it("confirms a bundle that is the registry's latest attestation", async () => {
    const s = signals();
    const chain = await fakeChain(chainId(), { ...s, snapshotId: 3n, liabilitiesEpoch: 1n, policyVersion: 2n, publishedAt: 1_767_225_700n } as Record<string, bigint>, s.positionsRoot!);
    try {
      expect(await compare(chain.url)).toBe("latest");
      expect(await text("#chain-result")).toContain("This bundle is the registry's latest attestation.");
      expect(await text("#chain-result")).toContain("the committed vault-held totals are within the vault's balances today");
    } finally {
      await chain.close();
    }
  });

  it("says when the vault holds less today than the attestation commits to it", async () => {
    const s = signals();
    const chain = await fakeChain(chainId(), { ...s, snapshotId: 3n, liabilitiesEpoch: 1n, policyVersion: 2n, publishedAt: 1_767_225_700n } as Record<string, bigint>, s.positionsRoot!, { vaultBalance: 1n });
    try {
      await compare(chain.url);
      expect(await text("#chain-result")).toMatch(/the vault holds LESS than this attestation commits to it:[\s\S]*USDC: the vault holds 0\.000001, less than the committed/);
    } finally {
      await chain.close();
    }
  });

  it("refuses an attestation event that does not hash to the registry's stored attestation", async () => {
    const s = signals();
    const chain = await fakeChain(chainId(), { ...s, snapshotId: 3n, liabilitiesEpoch: 1n, policyVersion: 2n, publishedAt: 1_767_225_700n } as Record<string, bigint>, s.positionsRoot!, {
      storedHash: `0x${"ab".repeat(32)}`,
    });
    try {
      expect(await compare(chain.url)).toBe("error");
      expect(await text("#chain-result")).toMatch(/does not match its stored hash/);
    } finally {
      await chain.close();
    }
  });

  it("says which signal differs when the registry holds another attestation", async () => {
    const s = signals();
    const chain = await fakeChain(chainId(), { ...s, pricesHash: s.pricesHash! + 1n, snapshotId: 4n, liabilitiesEpoch: 1n, policyVersion: 2n, publishedAt: 1_767_225_800n } as Record<string, bigint>, s.positionsRoot!);
    try {
      expect(await compare(chain.url)).toBe("not-latest");
      expect(await text("#chain-reasons")).toContain("pricesHash differs");
    } finally {
      await chain.close();
    }
  });

  /** Checks the fixture inclusion proof (with `epoch` written into it, or none) against the chain's epochs. */
  async function compareInclusion(rpcUrl: string, epoch: number | undefined): Promise<string> {
    const proof = JSON.parse(readFileSync(fixtures.inclusionValid, "utf8")) as Record<string, unknown>;
    if (epoch !== undefined) proof["epoch"] = epoch;
    else delete proof["epoch"];
    const file = path.join(workDir, `inclusion-epoch-${epoch ?? "none"}.json`);
    writeFileSync(file, JSON.stringify(proof));
    await open(fixtures.valid);
    expect(await checkInclusion(file)).toBe("counted");
    await browser.page.fill("#chain-rpc", rpcUrl);
    await browser.page.fill("#chain-registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    await browser.page.click("#chain-inclusion-check");
    return waitForVerdict(browser.page, "chain-inclusion-verdict");
  }

  it("finds an inclusion proof's root among the registry's epochs: the named one, a past one, or none", async () => {
    const s = signals();
    const root = BigInt((JSON.parse(readFileSync(fixtures.inclusionValid, "utf8")) as { root: string }).root);
    const attestation = { ...s, snapshotId: 3n, liabilitiesEpoch: 2n, policyVersion: 2n, publishedAt: 1_767_225_700n } as Record<string, bigint>;
    // Epoch 2 of 3 holds the user's root: a past epoch, named by the file or found without a name.
    let chain = await fakeChain(chainId(), attestation, s.positionsRoot!, { epochRoots: [11n, root, 33n] });
    try {
      expect(await compareInclusion(chain.url, 2)).toBe("past");
      expect(await text("#chain-inclusion-result")).toContain("Your root is liabilities epoch 2's on chain: a past epoch (the current one is 3).");
      expect(await text("#inclusion-result")).toContain("The file labels this root liabilities epoch 2");
      expect(await compareInclusion(chain.url, undefined)).toBe("past");
      // A file that names the wrong epoch is told so, with both roots.
      expect(await compareInclusion(chain.url, 3)).toBe("mismatch");
      expect(await text("#chain-inclusion-result")).toMatch(/names epoch 3, but that epoch's root on chain is another one[\s\S]*on chain: 33/);
    } finally {
      await chain.close();
    }
    // The latest epoch: the current one.
    chain = await fakeChain(chainId(), attestation, s.positionsRoot!, { epochRoots: [11n, root] });
    try {
      expect(await compareInclusion(chain.url, 2)).toBe("current");
      expect(await text("#chain-inclusion-result")).toContain("Your root is liabilities epoch 2's on chain: the current epoch.");
    } finally {
      await chain.close();
    }
    // A root the registry never published.
    chain = await fakeChain(chainId(), attestation, s.positionsRoot!, { epochRoots: [11n, 22n] });
    try {
      expect(await compareInclusion(chain.url, undefined)).toBe("mismatch");
      expect(await text("#chain-inclusion-result")).toContain("Your root is not one of the registry's liabilities roots (epochs 1 to 2).");
    } finally {
      await chain.close();
    }
  });

  it("reports an unreachable RPC in one line", async () => {
    expect(await compare("http://127.0.0.1:9")).toBe("error");
    expect(await text("#chain-result")).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});

describe("homeostat serve", () => {
  it("prints {url} with --json, serves the newest bundle, and stops on Ctrl-C", async () => {
    const child = spawn(process.execPath, ["bin/homeostat.mjs", "serve", "--bundles", bundlesDir, "--port", "0", "--json"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, HOMEOSTAT_WEB_KEYS_DIR: fixtures.keysDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (!stdout.includes("\n") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const { url } = JSON.parse(stdout.trim()) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?bundle=bundles%2F.+\.json$/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
    expect(DIST_DIR).toBeTruthy();
  });
});
