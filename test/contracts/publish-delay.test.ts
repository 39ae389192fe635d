// `publish --with-liabilities` under a policy with a liabilities delay: the new root is published, then the
// command stops with exit 3 and one line saying from when the root backs attestations (instead of letting the
// attestation fail with LiabilitiesMismatch); once the delay has passed, the same bundle publishes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { JsonRpcProvider, Signer } from "ethers";
import { defaultDeployConfig, deployStack, localRoles, writeDeployment } from "../../chain/deploy.ts";
import { writeInputFiles } from "../../chain/inputs.ts";
import { releaseSigner, signerFor, startLocalChain, type LocalChain } from "../../chain/local.ts";
import { provingKeysBuilt } from "../../chain/local-treasury.ts";
import { expectOneLineRefusal, homeostatInProcess as cli } from "../cli/in-process.ts";

const DELAY = 600;

describe.skipIf(!provingKeysBuilt("test"))("publish --with-liabilities with a liabilities delay", () => {
  let chain: LocalChain;
  let signer: Signer;
  let dir: string;

  beforeAll(async () => {
    chain = await startLocalChain({ port: 0 });
    signer = await signerFor(chain.url);
    dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-publish-delay-"));
    const config = { ...defaultDeployConfig("test"), liabilitiesDelay: DELAY };
    const provider = signer.provider as JsonRpcProvider;
    const accounts = (await provider.send("eth_accounts", [])) as string[];
    const deployment = await deployStack(signer, config, { rpc: chain.url, roles: await localRoles(async (i) => accounts[i]!) });
    writeDeployment(path.join(dir, "deployment.json"), deployment);
    writeInputFiles(dir, deployment, config);
  }, 120_000);

  afterAll(async () => {
    if (signer) releaseSigner(signer);
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("publishes the root, stops with the time it becomes usable, and publishes the bundle once it is", async () => {
    const deployment = path.join(dir, "deployment.json");
    expect((await cli("snapshot", "--deployment", deployment, "--out", path.join(dir, "prices.json"))).code).toBe(0);
    const s1 = path.join(dir, "s1.json");
    const proved = await cli("prove", "solvency", "--dir", dir, "--instance", "test", "--out", s1);
    expect(proved.code, proved.stderr).toBe(0);

    const early = await cli("publish", s1, "--deployment", deployment, "--with-liabilities");
    expectOneLineRefusal(early, 3, /--with-liabilities: published the liabilities root as epoch 1 \(0x[0-9a-f]{64}\); it backs attestations from \d{4}-\d\d-\d\dT[\d:.]+Z on \(the policy's liabilitiesDelay, (59\d|600) s from now\)/);
    // Again before the delay: nothing new is published, the same answer.
    expectOneLineRefusal(await cli("publish", s1, "--deployment", deployment, "--with-liabilities"), 3, /the liabilities root of epoch 1 backs attestations from/);

    const provider = signer.provider as JsonRpcProvider;
    await provider.send("evm_increaseTime", [DELAY]);
    await provider.send("evm_mine", []);
    const published = await cli("publish", s1, "--deployment", deployment, "--with-liabilities", "--json");
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ attestation: "1" });
    expect(JSON.parse(published.stdout).liabilitiesTransaction).toBeUndefined();
  }, 180_000);
});
