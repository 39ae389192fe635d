/**
 * `homeostat keeper --deployment FILE --liabilities DIR`: keeps the deployed treasury inside its policy.
 * Each tick (keeper/loop.ts): reconcile the private state with the chain, read the feeds (a new snapshot
 * when they moved or the last one is old), evaluate with the trigger margin, plan (keeper/planner.ts), prove
 * each swap (S2), execute it through the vault, record what was received, and re-attest (S1). Log lines on
 * stderr (with --json: one JSON object per line on stdout). RPC failures are retried with backoff; a
 * reverted swap is re-planned next tick; the private state moves only after a transaction is mined.
 *
 * `--init` starts a keeper state for a vault that has none: it commits to the vault's token balances,
 * proves S1 and publishes it. Test hook: HOMEOSTAT_KEEPER_CRASH_AT=<stage> exits abruptly (code 137) at
 * that stage (pending-recorded, mined, committed, attestation-mined), to test restarts.
 */
import { existsSync, mkdirSync } from "node:fs";
import { integerOption } from "../options.ts";
import path from "node:path";
import type { Command } from "commander";
import { instanceSizes } from "../../chain/deploy.ts";
import { chainTime, latestAttestation, publishLiabilitiesRoot } from "../../chain/gate.ts";
import { readPolicy } from "../../chain/policy.ts";
import { onChain, openDeployment, type ChainSession } from "../../chain/session.ts";
import { writeBundle } from "../../prover/bundle.ts";
import { UserError } from "../../core/errors.ts";
import { policyHash, type PolicyFields } from "../../core/hash.ts";
import { randomFieldElement } from "../../prover/state.ts";
import { loadLiabilities, policyFields, type RiskPolicy } from "../../prover/treasury.ts";
import type { InstanceSize, LiabilitiesOpening, Position } from "../../core/types.ts";
import type { ProofBundle } from "../../core/bundle-schema.ts";
import { StackChain } from "../../keeper/chain.ts";
import { DEFAULT_KEEPER_SETTINGS, runTick, type KeeperContext, type KeeperEvent, type KeeperSettings, type KeeperStage } from "../../keeper/loop.ts";
import { BundleProver, describeViolation, riskPolicyFromChain } from "../../keeper/prover.ts";
import { FileStateStore, lockState } from "../../keeper/state-store.ts";
import { KeeperMetrics, serveKeeperEndpoints } from "../../keeper/service.ts";

interface KeeperFlags {
  deployment: string;
  liabilities: string;
  rpc?: string;
  state?: string;
  bundles?: string;
  init?: boolean;
  publishLiabilities?: boolean;
  once?: boolean;
  ticks?: string;
  interval: string;
  triggerMargin: string;
  targetMargin: string;
  slippage: string;
  maxImpact?: string;
  listen?: string;
  staleAfter?: string;
  json?: boolean;
}

/** `HOST:PORT` of --listen (port 0: any free port, logged). */
function listenAddress(text: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[\w.-]+):)?(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[2]) > 65_535) throw new UserError(`expected PORT or HOST:PORT, got ${JSON.stringify(text)}`, { where: "--listen", exitCode: 2 });
  return { host: (m[1] ?? "127.0.0.1").replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

const STAGES: readonly KeeperStage[] = ["pending-recorded", "mined", "committed", "attestation-mined"];

function bpsFlag(text: string, flag: string, max = 10_000): bigint {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new UserError(`expected basis points from 0 to ${max}, got ${JSON.stringify(text)}`, { where: flag, exitCode: 2 });
  return BigInt(text);
}

const intFlag = (text: string, flag: string, min: number, max: number): number => integerOption(text, flag, { min, max });

/** A log line as text. */
function describe(e: KeeperEvent): string {
  const { event, ...rest } = e;
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" && v.includes(" ") ? JSON.stringify(v) : String(v)}`);
  return `homeostat keeper: ${event} ${fields.join(" ")}`;
}

/** The keeper state's path: --state, else keeper-state.json next to the deployment file. */
export function keeperStateFile(deploymentFile: string, state?: string): string {
  return path.resolve(state ?? path.join(path.dirname(path.resolve(deploymentFile)), "keeper-state.json"));
}

/** What the keeper and a payout share: the deployment's policy checked against its hash, the liabilities tree, the prover and the chain port. */
export async function keeperParts(
  session: ChainSession,
  options: { liabilities: string; publishLiabilities: boolean; bundles?: string; log: (e: KeeperEvent) => void },
): Promise<{ policy: RiskPolicy; fields: PolicyFields; liabilities: { root: bigint; total: bigint; opening: LiabilitiesOpening }; size: InstanceSize; prover: BundleProver; chain: StackChain; context: (store: FileStateStore, settings: KeeperSettings) => KeeperContext }> {
  const { deployment, stack } = session;
  const log = options.log;
  const onchain = await onChain("getPolicy", () => readPolicy(stack.riskPolicy));
  const policy = riskPolicyFromChain(deployment, onchain);
  const fields = policyFields(policy);
  const chainHash = (await stack.riskPolicy.getFunction("policyHash")()) as bigint;
  if (chainHash !== policyHash(fields)) throw new UserError("the policy read from RiskPolicy does not hash to its policyHash (wrong deployment file?)", { where: "--deployment" });
  const liabilities = loadLiabilities(path.resolve(options.liabilities), policy, () => []);
  if (liabilities.kind !== "commitment") throw new UserError("expected a liabilities tree folder (homeostat liabilities build)", { where: options.liabilities });
  // The latest epoch's root, usable or still inside the policy's publication delay.
  const epochs = (await stack.solvencyRegistry.getFunction("epochs")()) as { latest: bigint; latestActiveFrom: bigint };
  const registryRoot = (await stack.solvencyRegistry.getFunction("liabilitiesRootOf")(epochs.latest)) as bigint;
  let activeFrom = epochs.latestActiveFrom;
  if (registryRoot !== liabilities.root) {
    if (!options.publishLiabilities) throw new UserError(`the registry holds liabilities root ${registryRoot}, this tree's root is ${liabilities.root} (the keeper publishes it with --publish-liabilities)`, { where: options.liabilities });
    await onChain("publishLiabilitiesRoot", () => publishLiabilitiesRoot(stack, liabilities.root));
    activeFrom = ((await stack.solvencyRegistry.getFunction("epochs")()) as { latestActiveFrom: bigint }).latestActiveFrom;
    log({ event: "liabilities-published", root: liabilities.root.toString(), activeFrom: activeFrom.toString() });
  }
  const chainNow = BigInt(await chainTime(stack.solvencyRegistry.runner!.provider!));
  if (activeFrom > chainNow) {
    throw new UserError(
      `this tree's liabilities root backs attestations from ${new Date(Number(activeFrom) * 1000).toISOString()} on (the policy's publication delay, so users can check their inclusion first); start the keeper then`,
      { where: options.liabilities },
    );
  }
  const size = instanceSizes(deployment.instance);
  const bundles = options.bundles;
  if (bundles) mkdirSync(bundles, { recursive: true });
  const onBundle = bundles
    ? (bundle: ProofBundle) => {
        const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${bundle.statement === "solvency" ? "attestation" : bundle.statement}.json`;
        writeBundle(path.join(bundles, name), bundle);
        log({ event: "bundle", file: path.join(bundles, name) });
      }
    : undefined;
  const prover = new BundleProver({ instance: deployment.instance, size, policy, liabilities, ...(onBundle ? { onBundle } : {}) });
  const chain = new StackChain(stack, deployment, { onRetry: (what, attempt, e) => log({ event: "retry", what, attempt, error: (e as Error).message.split("\n")[0] }) });
  const context = (store: FileStateStore, settings: KeeperSettings): KeeperContext => ({
    chain, prover, store, policy: fields, liabilitiesTotal: liabilities.total,
    assets: policy.assets.map((a) => ({ symbol: a.symbol, decimals: a.decimals })),
    scenarioNames: policy.scenarios.map((s) => s.name),
    settings, log,
  });
  return { policy, fields, liabilities, size, prover, chain, context };
}

/** Registers `keeper` on the program. */
export function register(program: Command): void {
  program
    .command("keeper")
    .description("watch feeds and positions; plan, prove (S2), execute and re-attest (S1) the swaps that keep the treasury inside its policy")
    .requiredOption("--deployment <file>", "deployment file (homeostat deploy output)")
    .requiredOption("--liabilities <dir>", "liabilities tree folder (homeostat liabilities build output)")
    .option("--rpc <url>", "JSON-RPC node (default: the URL recorded in the deployment)")
    .option("--state <file>", "the keeper's private state (default: keeper-state.json next to the deployment file)")
    .option("--bundles <dir>", "also write every proof bundle into DIR (for `homeostat serve`)")
    .option("--init", "no state yet: commit to the vault's balances, prove S1 and publish it first")
    .option("--publish-liabilities", "publish the tree's liabilities root when the registry holds another one")
    .option("--once", "run one tick and exit")
    .option("--ticks <n>", "run this many ticks and exit")
    .option("--interval <seconds>", "seconds between ticks", "30")
    .option("--trigger-margin <bps>", "act when a bound fails with this margin (bps of its limit)", String(DEFAULT_KEEPER_SETTINGS.triggerMarginBps))
    .option("--target-margin <bps>", "restore every bound with this margin (bps of its limit)", String(DEFAULT_KEEPER_SETTINGS.targetMarginBps))
    .option("--slippage <bps>", "slippage tolerance of each swap's proven minimum output", String(DEFAULT_KEEPER_SETTINGS.slippageBps))
    .option("--max-impact <bps>", "largest price impact one swap may take")
    .option("--listen <[host:]port>", "serve Prometheus metrics on /metrics and a health check on /healthz (host default 127.0.0.1; port 0 = any, logged)")
    .option("--stale-after <seconds>", "with --listen: /healthz fails when no tick has succeeded for this long (default: 3 intervals, at least 600)")
    .option("--json", "log JSON lines on stdout")
    .addHelpText(
      "after",
      [
        "",
        "As a service: run without --once/--ticks, with --json (one JSON object per line: time, event, fields) and",
        "--listen 9464. /metrics has homeostat_keeper_* counters (ticks, proofs and proving time per statement, swaps,",
        "reverts, failures, RPC retries), coverage and the last attestation's age; /healthz answers 503 with the reason",
        "once ticks stop succeeding. SIGTERM stops after the current tick. A failed tick (a node restarting, say) is",
        "retried with backoff; a restarted keeper reconciles a half-done swap or attestation with the chain.",
        "",
        "The sender (HOMEOSTAT_PRIVATE_KEY, else the node's first account) needs the keeper, operator and rebalancer roles.",
        "Example: homeostat keeper --deployment .homeostat/deployment.json --liabilities .homeostat/liabilities --init --once",
      ].join("\n"),
    )
    .action(async (flags: KeeperFlags) => {
      const settings = {
        ...DEFAULT_KEEPER_SETTINGS,
        triggerMarginBps: bpsFlag(flags.triggerMargin, "--trigger-margin"),
        targetMarginBps: bpsFlag(flags.targetMargin, "--target-margin"),
        slippageBps: bpsFlag(flags.slippage, "--slippage", 5_000),
        ...(flags.maxImpact !== undefined ? { maxPriceImpactBps: bpsFlag(flags.maxImpact, "--max-impact") } : {}),
      };
      if (settings.targetMarginBps < settings.triggerMarginBps) throw new UserError("the target margin must be at least the trigger margin", { where: "--target-margin", exitCode: 2 });
      const ticks = flags.once ? 1 : flags.ticks !== undefined ? intFlag(flags.ticks, "--ticks", 1, 1_000_000) : Infinity;
      const intervalMs = intFlag(flags.interval, "--interval", 0, 86_400) * 1000;
      const crashAt = process.env["HOMEOSTAT_KEEPER_CRASH_AT"];
      if (crashAt !== undefined && !(STAGES as readonly string[]).includes(crashAt)) throw new UserError(`unknown stage ${crashAt} (${STAGES.join(", ")})`, { where: "HOMEOSTAT_KEEPER_CRASH_AT" });
      const stateFile = keeperStateFile(flags.deployment, flags.state);
      if (!existsSync(stateFile) && !flags.init) throw new UserError("no keeper state here; start one with --init", { where: stateFile });
      if (existsSync(stateFile) && flags.init) throw new UserError("a keeper state already exists; drop --init to resume it", { where: stateFile });

      const listen = flags.listen !== undefined ? listenAddress(flags.listen) : undefined;
      const staleAfter = flags.staleAfter !== undefined ? intFlag(flags.staleAfter, "--stale-after", 1, 30 * 86_400) : Math.max(600, (3 * intervalMs) / 1000);
      const metrics = listen ? new KeeperMetrics({ staleAfterSeconds: staleAfter }) : undefined;
      const log = (e: KeeperEvent) => {
        metrics?.observe(e);
        if (flags.json) process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
        else process.stderr.write(`${describe(e)}\n`);
      };
      const endpoints = metrics && listen ? await serveKeeperEndpoints(metrics, listen.host, listen.port) : undefined;
      if (endpoints) log({ event: "listening", url: endpoints.url, metrics: `${endpoints.url}/metrics`, health: `${endpoints.url}/healthz` });
      const session = await openDeployment(flags.deployment, flags.rpc).catch(async (e: unknown) => {
        await endpoints?.close();
        throw e;
      });
      try {
        const { deployment, stack } = session;
        const { prover, chain, size, context } = await keeperParts(session, { liabilities: flags.liabilities, publishLiabilities: flags.publishLiabilities === true, ...(flags.bundles ? { bundles: flags.bundles } : {}), log });
        const unlock = await lockState(stateFile, { waitMs: 600_000, onWait: (holder) => log({ event: "waiting-for-lock", holder }) });
        if (flags.init) {
          // Balances at one block; deposits after it are counted from its events.
          const block = await onChain("blockNumber", () => chain.blockNumber());
          const balances = await onChain("balanceOf", () => Promise.all(stack.tokens.map((t) => t.getFunction("balanceOf")(deployment.contracts.treasuryVault, { blockTag: block }) as Promise<bigint>)));
          const slots: Position[] = balances.map((amount, i) => ({ assetIndex: BigInt(i), amount, salt: randomFieldElement() }));
          while (slots.length < size.N) slots.push({ assetIndex: 0n, amount: 0n, salt: randomFieldElement() });
          const snapshot = await chain.snapshot(settings.snapshotMaxAgeSeconds);
          const proven = await prover.proveSolvency(slots, snapshot, await chain.sequence()).catch((e: unknown) => {
            throw new UserError(`cannot attest the vault's balances: ${describeViolation(e)}`, { where: "--init" });
          });
          const { txHash } = await onChain("publishAttestation", () => chain.attest(proven.proof));
          FileStateStore.create(stateFile, proven.slots, block);
          log({ event: "initialised", root: proven.root.toString(), tx: txHash, state: stateFile });
        }
        const store = FileStateStore.open(stateFile);
        unlock();
        if (metrics) {
          const last = await onChain("latestAttestation", () => latestAttestation(stack));
          const block = last ? await stack.solvencyRegistry.runner!.provider!.getBlock(Number(last.blockNumber)) : null;
          if (block) metrics.setLastAttestation(block.timestamp);
        }
        const onStage = crashAt
          ? (stage: KeeperStage) => {
              if (stage === crashAt) {
                log({ event: "crash-injected", stage });
                process.exit(137);
              }
            }
          : undefined;
        const ctx = { ...context(store, settings), ...(onStage ? { onStage } : {}) };

        let stopping = false;
        let wake: (() => void) | undefined;
        /** Waits `ms`, or less when a stop signal comes (a backoff of minutes must not delay SIGTERM). */
        const pause = (ms: number) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        const stop = () => {
          stopping = true;
          log({ event: "stopping" });
          wake?.();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        let failures = 0;
        try {
          for (let tick = 1; tick <= ticks && !stopping; tick++) {
            try {
              // One tick at a time on the state: a `homeostat payout` may have moved it since the last one.
              const release = await lockState(stateFile, { waitMs: 600_000, onWait: (holder) => log({ event: "waiting-for-lock", holder }) });
              let result: Awaited<ReturnType<typeof runTick>>;
              try {
                store.reload();
                result = await runTick(ctx);
              } finally {
                release();
              }
              failures = 0;
              log({
                event: "tick-done",
                tick,
                acted: result.acted,
                trades: result.trades.length,
                deposits: result.deposits.length,
                coverageBeforeBps: result.coverageBeforeBps.toString(),
                coverageAfterBps: result.coverageAfterBps.toString(),
                root: store.current().root.toString(),
              });
            } catch (e) {
              if (e instanceof UserError) throw e;
              if (ticks !== Infinity) throw new UserError(`tick ${tick} failed: ${(e as Error).message.split("\n")[0]}`, { where: "keeper" });
              failures++;
              log({ event: "error", error: (e as Error).message.split("\n")[0], retryInSeconds: Math.min(300, 2 ** failures) });
              await pause(Math.min(300, 2 ** failures) * 1000);
              continue;
            }
            if (tick < ticks && !stopping && intervalMs > 0) await pause(intervalMs);
          }
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
      } finally {
        session.close();
        await endpoints?.close();
      }
    });
}
