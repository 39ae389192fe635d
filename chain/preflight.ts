/**
 * Checks a deploy config (chain/deploy-config.ts) against the network before anything is sent: the chain id,
 * code at every address, each ERC-20's `decimals()` and `symbol()`, each feed's `decimals()`, `description()`
 * and a fresh, positive, in-bounds `latestRoundData()` (as PriceSnapshots will read it), the sequencer feed up
 * and past its grace period, the router's `factory()` and that factory on the accepted list (and, when it
 * has pairs, deriving them with the configured init-code hash), and the role accounts (non-zero, the four
 * operational roles, and the payout role when named, distinct). Every check gives a finding; none stops the others.
 */
import { AbiCoder, Contract, getAddress, getCreate2Address, keccak256, solidityPacked, ZeroAddress, type Provider } from "ethers";
import { describeFailure } from "./errors.ts";
import type { ExistingConfig } from "./deploy-config.ts";
import { chainTime } from "./gate.ts";

/** The result of one check. */
export interface Finding {
  /** JSON path of the config entry, e.g. `assets[1].token`. */
  path: string;
  /** What the entry is, for people: `USDC at 0x...`. */
  subject: string;
  /** What was checked (passed) or what is wrong (failed). */
  reason: string;
  ok: boolean;
}

/** One line of a finding: `FILE: path (subject): reason`. */
export function formatFinding(file: string, f: Finding): string {
  return `${file}: ${f.path}${f.subject ? ` (${f.subject})` : ""}: ${f.reason}`;
}

const ERC20 = ["function decimals() view returns (uint8)", "function symbol() view returns (string)"];
const FEED = [
  "function decimals() view returns (uint8)",
  "function description() view returns (string)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
];
const ROUTER = ["function factory() view returns (address)"];
const FACTORY = ["function allPairsLength() view returns (uint256)", "function allPairs(uint256) view returns (address)"];
const PAIR = ["function token0() view returns (address)", "function token1() view returns (address)"];

const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

/** Checks every address and account of `existing` on `provider`; returns all findings, passed and failed. */
export async function checkExistingContracts(provider: Provider, existing: ExistingConfig): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (path: string, subject: string, ok: boolean, reason: string) => findings.push({ path, subject, ok, reason });
  /** Runs one check; a failing call becomes a finding naming the function. */
  const attempt = async (path: string, subject: string, call: string, check: () => Promise<void>) => {
    try {
      await check();
    } catch (e) {
      add(path, subject, false, `${call} failed: ${describeFailure(e)}`);
    }
  };
  const hasCode = async (path: string, subject: string, address: string): Promise<boolean> => {
    const code = await provider.getCode(address);
    add(path, subject, code !== "0x", code !== "0x" ? "code present" : `no contract at ${address} (no code)`);
    return code !== "0x";
  };

  const network = await provider.getNetwork();
  add("chainId", "", network.chainId === existing.chainId, network.chainId === existing.chainId ? `the node is chain ${network.chainId}` : `the node is chain ${network.chainId}, the config says ${existing.chainId}`);
  const now = BigInt(await chainTime(provider));

  for (const [i, asset] of existing.config.assets.entries()) {
    const { token, feed, feedDescription } = existing.assets[i]!;
    const tokenPath = `assets[${i}].token`;
    const tokenSubject = `${asset.symbol} at ${token}`;
    if (await hasCode(tokenPath, tokenSubject, token)) {
      const erc20 = new Contract(token, ERC20, provider);
      await attempt(tokenPath, tokenSubject, "decimals()", async () => {
        const decimals = Number(await erc20.getFunction("decimals")());
        add(tokenPath, tokenSubject, decimals === asset.decimals, decimals === asset.decimals ? `decimals() is ${decimals}` : `decimals() is ${decimals}, the config says ${asset.decimals}`);
      });
      await attempt(tokenPath, tokenSubject, "symbol()", async () => {
        const symbol = await tokenSymbol(provider, token);
        add(tokenPath, tokenSubject, symbol === asset.symbol, symbol === asset.symbol ? `symbol() is ${symbol}` : `symbol() is ${JSON.stringify(symbol)}, the config says ${JSON.stringify(asset.symbol)}`);
      });
    }

    const feedPath = `assets[${i}].feed.address`;
    const feedSubject = `${asset.symbol} feed at ${feed}`;
    if (!(await hasCode(feedPath, feedSubject, feed))) continue;
    const aggregator = new Contract(feed, FEED, provider);
    await attempt(feedPath, feedSubject, "decimals()", async () => {
      const decimals = Number(await aggregator.getFunction("decimals")());
      add(feedPath, feedSubject, decimals === asset.feedDecimals, decimals === asset.feedDecimals ? `decimals() is ${decimals}` : `decimals() is ${decimals}, the config says ${asset.feedDecimals}`);
    });
    await attempt(feedPath, feedSubject, "description()", async () => {
      const description = (await aggregator.getFunction("description")()) as string;
      const ok = description === feedDescription;
      add(feedPath, feedSubject, ok, ok ? `description() is ${JSON.stringify(description)}` : `description() is ${JSON.stringify(description)}, the config says ${JSON.stringify(feedDescription)}`);
    });
    await attempt(feedPath, feedSubject, "latestRoundData()", async () => {
      const [roundId, answer, , updatedAt, answeredInRound] = (await aggregator.getFunction("latestRoundData")()) as [bigint, bigint, bigint, bigint, bigint];
      if (updatedAt === 0n || answeredInRound < roundId || updatedAt > now) {
        add(feedPath, feedSubject, false, `latestRoundData() is an incomplete round (round ${roundId}, answered in ${answeredInRound}, updated at ${updatedAt})`);
      } else if (now - updatedAt > BigInt(asset.maxAge)) {
        add(feedPath, feedSubject, false, `stale: latestRoundData() was updated at ${iso(updatedAt)}, ${now - updatedAt} s before the latest block; maxAge is ${asset.maxAge} s`);
      } else if (answer <= 0n) {
        add(feedPath, feedSubject, false, `latestRoundData() answers ${answer}: not positive`);
      } else if (answer < asset.minAnswer || answer > asset.maxAnswer) {
        add(feedPath, feedSubject, false, `latestRoundData() answers ${answer}, outside the config's [${asset.minAnswer}, ${asset.maxAnswer}] (feed units)`);
      } else {
        add(feedPath, feedSubject, true, `latestRoundData() answers ${answer}, ${now - updatedAt} s old (maxAge ${asset.maxAge} s)`);
      }
    });
  }

  if (existing.config.sequencer) {
    const { feed, gracePeriod } = existing.config.sequencer;
    const subject = `sequencer uptime feed at ${feed}`;
    if (await hasCode("sequencer.feed", subject, feed)) {
      await attempt("sequencer.feed", subject, "latestRoundData()", async () => {
        const [, answer, startedAt] = (await new Contract(feed, FEED, provider).getFunction("latestRoundData")()) as [bigint, bigint, bigint];
        if (answer !== 0n || startedAt === 0n) add("sequencer.feed", subject, false, `the sequencer is down (answer ${answer}, startedAt ${startedAt})`);
        else if (startedAt > now || now - startedAt <= BigInt(gracePeriod)) add("sequencer.feed", subject, false, `the sequencer came back up at ${iso(startedAt)}, within the ${gracePeriod} s grace period`);
        else add("sequencer.feed", subject, true, `up since ${iso(startedAt)}, past the ${gracePeriod} s grace period`);
      });
    }
  }

  const { router, factory, acceptedFactories, pairInitCodeHash } = existing.uniswap;
  if (await hasCode("uniswap.router", `router at ${router}`, router)) {
    await attempt("uniswap.router", `router at ${router}`, "factory()", async () => {
      const routerFactory = getAddress((await new Contract(router, ROUTER, provider).getFunction("factory")()) as string);
      const ok = routerFactory === getAddress(factory);
      add("uniswap.router", `router at ${router}`, ok, ok ? `factory() is ${routerFactory}` : `factory() is ${routerFactory}, the config says uniswap.factory ${getAddress(factory)}`);
    });
  }
  const accepted = acceptedFactories.some((a) => a.toLowerCase() === factory.toLowerCase());
  add("uniswap.factory", `factory at ${factory}`, accepted, accepted ? "on uniswap.acceptedFactories" : `not on uniswap.acceptedFactories (${acceptedFactories.join(", ")})`);
  if (await hasCode("uniswap.factory", `factory at ${factory}`, factory)) {
    await attempt("uniswap.pairInitCodeHash", `factory at ${factory}`, "allPairs(0)", async () => {
      const f = new Contract(factory, FACTORY, provider);
      if (((await f.getFunction("allPairsLength")()) as bigint) === 0n) return; // nothing to derive yet
      const pair = (await f.getFunction("allPairs")(0n)) as string;
      const p = new Contract(pair, PAIR, provider);
      const [token0, token1] = [(await p.getFunction("token0")()) as string, (await p.getFunction("token1")()) as string];
      const derived = getCreate2Address(factory, keccak256(solidityPacked(["address", "address"], [token0, token1])), pairInitCodeHash);
      const ok = derived === getAddress(pair);
      add("uniswap.pairInitCodeHash", `factory at ${factory}`, ok, ok ? `derives the factory's pair ${pair}` : `derives ${derived} for the factory's first pair, which is at ${pair}: not this factory's init-code hash`);
    });
  }

  checkAccounts(existing, add);
  return findings;
}

/** Non-zero accounts; guardian, operator, keeper, rebalancer (and payout, if named) distinct accounts, none of them a proposer. */
function checkAccounts(existing: ExistingConfig, add: (path: string, subject: string, ok: boolean, reason: string) => void): void {
  const zero = (a: string) => a.toLowerCase() === ZeroAddress;
  existing.governance.proposers.forEach((a, i) => {
    if (zero(a)) add(`governance.proposers[${i}]`, a, false, "the zero address cannot propose");
  });
  // The zero address among executors is TimelockController's "anyone may execute": allowed.
  const seen = new Map<string, string>();
  for (const role of ["guardian", "operator", "keeper", "rebalancer", "payout"] as const) {
    const a = existing.roles[role];
    if (a === undefined) continue;
    const key = a.toLowerCase();
    if (zero(a)) add(`roles.${role}`, a, false, "the zero address cannot hold a role (the contracts refuse it)");
    else if (seen.has(key)) add(`roles.${role}`, a, false, `the same account as roles.${seen.get(key)}: each role needs its own account, so one stolen key holds one role`);
    else if (existing.governance.proposers.some((p) => p.toLowerCase() === key)) add(`roles.${role}`, a, false, "also a timelock proposer: governance must not hold an operational role");
    else add(`roles.${role}`, a, true, "non-zero, an account of its own");
    seen.set(key, role);
  }
}

/** `symbol()` as a string, or as bytes32 for the old tokens that return one (MKR, SAI). */
async function tokenSymbol(provider: Provider, token: string): Promise<string> {
  const data = await provider.call({ to: token, data: "0x95d89b41" });
  try {
    return AbiCoder.defaultAbiCoder().decode(["string"], data)[0] as string;
  } catch {
    const word = AbiCoder.defaultAbiCoder().decode(["bytes32"], data)[0] as string;
    return Buffer.from(word.slice(2), "hex").toString("latin1").replace(/\0+$/, "");
  }
}
