/**
 * The verifier page: loads an attestation bundle (file, drop, or `?bundle=URL`), has the worker verify it
 * against the pinned keys, and says in plain words what was proven; checks a user's inclusion proof
 * against the attestation's liabilities root; optionally compares the bundle with the on-chain registry.
 *
 * Everything shown comes from the worker's reports (protocol.ts). Bundle content is untrusted input: it is
 * only ever inserted as text, never as HTML.
 *
 * For tests and the benchmark the page exposes `window.homeostat` (see `PageHook`) and mirrors each
 * verdict in `data-*` attributes on <body>.
 */
import type { BundleReport, InclusionReport, PinnedKeyInfo, StatementView, WorkerRequest, WorkerResponse } from "./protocol.ts";
import { grouped, hex32, hexAddress, ms, pct, short, tokenPrice, utcTime } from "./format.ts";
import { unpackVaultTotals } from "../../../core/signals.ts";
import { formatDecimal } from "../../../core/units.ts";

// ---------------------------------------------------------------------------------------------------
// DOM helpers

type Child = Node | string | null | undefined | false;

/** Creates an element with attributes and text/element children (text is never parsed as HTML). */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) el.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing #${id}`);
  return el as T;
}

/** A long hash shown in full (monospace, wrapping), with its hex form in the tooltip. */
function hashEl(decimal: string): HTMLElement {
  return h("span", { class: "hash", title: hex32(decimal) }, decimal);
}

function tag(kind: "ok" | "bad" | "warn", text: string): HTMLElement {
  return h("span", { class: `tag ${kind}` }, text);
}

function setVerdict(boxId: string, titleId: string, listId: string, kind: "ok" | "bad" | "warn" | "pending", title: string | Child[], reasons: string[]): void {
  const box = byId(boxId);
  box.hidden = false;
  box.className = `verdict ${kind}`;
  byId(titleId).replaceChildren(...(typeof title === "string" ? [title] : title).filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
  byId(listId).replaceChildren(...reasons.map((r) => h("li", null, r)));
}

// ---------------------------------------------------------------------------------------------------
// Worker client

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
let nextRequestId = 1;
const pending = new Map<number, (response: WorkerResponse) => void>();

let resolveReady: (value: { keys: PinnedKeyInfo[]; initMs: number }) => void = () => {};
let rejectReady: (error: Error) => void = () => {};
const ready = new Promise<{ keys: PinnedKeyInfo[]; initMs: number }>((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});

worker.addEventListener("message", (event: MessageEvent<WorkerResponse>) => {
  const message = event.data;
  if (message.type === "ready") resolveReady({ keys: message.keys, initMs: message.initMs });
  else if (message.type === "init-failed") rejectReady(new Error(message.error));
  else pending.get(message.id)?.(message);
});
worker.addEventListener("error", (event) => {
  // A worker that fails (to load, or later) answers nothing more: fail whatever is waiting for it.
  const error = new Error(event.message || "the verification worker stopped");
  rejectReady(error);
  for (const answer of pending.values()) answer({ type: "error", id: -1, error: error.message });
});

/** Sends a request to the worker and waits for its answer. */
function ask<T extends WorkerResponse["type"]>(request: WorkerRequest, expect: T): Promise<Extract<WorkerResponse, { type: T }>> {
  return new Promise((resolve, reject) => {
    pending.set(request.id, (response) => {
      pending.delete(request.id);
      if (response.type === expect) resolve(response as Extract<WorkerResponse, { type: T }>);
      else reject(new Error(response.type === "error" ? response.error : `unexpected answer ${response.type}`));
    });
    worker.postMessage(request);
  });
}

// ---------------------------------------------------------------------------------------------------
// Page state and test hook

/** Timings of the last bundle verification, in milliseconds. */
interface Timings {
  /** From navigation start to the verdict on screen. */
  loadToVerdictMs?: number;
  /** Building the curve in the worker and warming it up (once per page). */
  initMs?: number;
  /** The verifier library's check of the bundle (schema, hashes, key fingerprint, pairing). */
  verifyMs?: number;
  /** Worker time for the whole request (parsing, the check, recomputing what is shown). */
  totalMs?: number;
}

/** What `window.homeostat` offers tests and the benchmark. */
interface PageHook {
  ready: Promise<{ keys: PinnedKeyInfo[]; initMs: number }>;
  timings: Timings;
  bundle?: BundleReport;
  inclusion?: InclusionReport;
  /** Verifies bundle JSON text through the worker without touching the page (for warm timings). */
  verifyBundleText(text: string): Promise<BundleReport>;
}

const timings: Timings = {};
let currentBundle: BundleReport | undefined;

const hook: PageHook = {
  ready,
  timings,
  verifyBundleText: async (text) => (await ask({ type: "verify-bundle", id: nextRequestId++, text }, "bundle-result")).report,
};
(window as unknown as { homeostat: PageHook }).homeostat = hook;

// ---------------------------------------------------------------------------------------------------
// Attestation

async function loadBundle(text: string, source: string): Promise<void> {
  const sourceEl = byId("bundle-source");
  sourceEl.hidden = false;
  sourceEl.textContent = `Loaded from ${source}`;
  setVerdict("verdict", "verdict-title", "verdict-reasons", "pending", "Verifying…", []);
  document.body.dataset.bundleVerdict = "pending";
  byId("statement").hidden = true;
  let report: BundleReport;
  try {
    await ready;
    report = (await ask({ type: "verify-bundle", id: nextRequestId++, text }, "bundle-result")).report;
  } catch (e) {
    setVerdict("verdict", "verdict-title", "verdict-reasons", "bad", "Could not verify", [(e as Error).message]);
    document.body.dataset.bundleVerdict = "error";
    return;
  }
  currentBundle = report;
  hook.bundle = report;
  renderBundle(report);
  timings.verifyMs = report.timings.verifyMs;
  timings.totalMs = report.timings.totalMs;
  timings.loadToVerdictMs ??= performance.now();
  document.body.dataset.bundleVerdict = report.verdict;
  (byId<HTMLButtonElement>("chain-check")).disabled = false;
}

/**
 * Each statement in words: what a bundle of it is, and when the contracts compare its vault-held totals with the
 * vault's balances.
 */
const STATEMENT_WORDS: Readonly<Record<string, { what: string; totalsChecked: string }>> = {
  solvency: { what: "solvency attestation", totalsChecked: "when the attestation is published" },
  rebalance: { what: "rebalance proof", totalsChecked: "right after the swap" },
  payout: { what: "payout proof", totalsChecked: "right after the payout" },
};

function statementWords(report: BundleReport): { what: string; totalsChecked: string } {
  const words = report.statement !== undefined && Object.hasOwn(STATEMENT_WORDS, report.statement) ? STATEMENT_WORDS[report.statement] : undefined;
  return words ?? { what: "bundle", totalsChecked: "when the proof is used" };
}

function verdictTitle(report: BundleReport): string {
  const { what } = statementWords(report);
  if (report.verdict === "verified") return `Verified: a valid ${what} under the pinned key of ${report.instance ?? "?"}`;
  // The pairing can pass while other checks fail (e.g. a policy or prices other than the ones proven): say so.
  if (report.proofValid) return `Not valid: the proof verifies, but this ${what} fails other checks (below)`;
  return `Not valid: this ${what} does not verify`;
}

function renderBundle(report: BundleReport): void {
  const kind = report.verdict === "verified" ? "ok" : "bad";
  setVerdict("verdict", "verdict-title", "verdict-reasons", kind, verdictTitle(report), report.reasons);
  byId("statement-title").textContent = report.verdict === "verified" ? "2. What was proven" : "2. What this bundle claims (not proven)";
  const body = byId("statement-body");
  body.replaceChildren(...statementNodes(report));
  byId("statement").hidden = false;
}

const signal = (report: BundleReport, name: string): string | undefined => report.publicSignals.find(([n]) => n === name)?.[1];

function symbolOf(view: StatementView | undefined, index: string | number | undefined): string {
  if (index === undefined) return "?";
  return view?.assets[Number(index)]?.symbol ?? `asset ${String(index)}`;
}

/** Shocks of one scenario in words: `WETH −40%, WBTC −35%` (assets left unshocked are not listed). */
function shockWords(view: StatementView, shocks: string[]): string {
  const parts = shocks.flatMap((s, a) => (BigInt(s) === 0n ? [] : [`${symbolOf(view, a)} −${pct(s)}`]));
  return parts.length ? parts.join(", ") : "no price moves";
}

/** A payout bundle's payout: what leaves the vault, to whom, and the commitments before and after. */
function payoutClaim(report: BundleReport, payout: NonNullable<BundleReport["payout"]>): HTMLElement {
  const before = signal(report, "oldRoot");
  const after = signal(report, "newRoot");
  return h("li", { "data-claim": "payout" },
    h("span", { class: "claim-lead" }, `Pays out ${grouped(payout.units)} ${payout.symbol} to `, h("span", { class: "hash", "data-testid": "payout-recipient" }, payout.to), "."),
    " The proof names this asset, amount and recipient: the vault's payout gate pays exactly these, from one position the vault itself holds. " +
      "The positions before the payout are committed as ",
    before ? hashEl(before) : "?",
    ", the positions left after it as ",
    after ? hashEl(after) : "?",
    ".");
}

function statementNodes(report: BundleReport): Node[] {
  const view = report.view;
  const trusted = report.verdict === "verified" && report.policy.status === "match" && report.prices.status === "match";
  const nodes: Node[] = [];

  const mismatched = (["policy", "prices"] as const).filter((what) => report[what].status === "mismatch");
  if (mismatched.length) {
    const both = mismatched.length === 2;
    nodes.push(
      h("p", { class: "verdict bad", "data-testid": "hash-mismatch" },
        `The ${mismatched.join(" and ")} shown below ${both ? "do" : "does"} not hash to the ${mismatched.map((w) => `${w === "policy" ? "policyHash" : "pricesHash"}`).join(" and ")} the proof commits to: ${both ? "they are" : "it is"} NOT what was proven.`),
    );
  }
  if (!trusted) {
    nodes.push(h("p", { class: "verdict warn" }, "This bundle did not verify, so nothing below is proven: it is only what the bundle claims."));
  }

  const claims = h("ul", { class: "claims" });
  const container = h("div", { class: trusted ? "trusted" : "untrusted" }, claims);
  if (view) {
    const liab = symbolOf(view, view.liabilityAsset);
    const when = view.priceTimestamp ? utcTime(view.priceTimestamp) : "the snapshot time";
    const positions = signal(report, "newRoot") ?? signal(report, "positionsRoot");
    const stillMeets = `the treasury ${trusted ? "still meets" : "would still meet"} every bound of its risk policy at the prices of ${when}:`;
    const intro = report.statement === "rebalance" && report.action
      ? `After selling ${report.action.amount} ${report.action.sell} for at least ${report.action.minOut} ${report.action.buy}` +
        (view.maxSlippageBps !== undefined ? ` (no worse than ${pct(view.maxSlippageBps)} below the snapshot's price)` : "") +
        `, ${stillMeets}`
      : report.statement === "payout" && report.payout
        ? `After paying out ${grouped(report.payout.units)} ${report.payout.symbol} from the vault to ${report.payout.to}, ${stillMeets}`
        : `At the prices of ${when}, the treasury ${trusted ? "meets" : "would meet"} every bound of its risk policy:`;
    container.prepend(h("p", null, intro));
    if (report.statement === "payout" && report.payout) claims.append(payoutClaim(report, report.payout));
    const liquidSymbols = view.assets.filter((a) => a.liquid).map((a) => a.symbol);

    if (view.minCoverageBps !== undefined) {
      claims.append(h("li", { "data-claim": "coverage" },
        h("span", { class: "claim-lead" }, `Coverage of at least ${pct(view.minCoverageBps)} after haircuts.`),
        ` The assets, each marked down by its haircut, are worth at least ${pct(view.minCoverageBps)} of the liabilities (valued in ${liab}).`));
    }
    if (view.minLiquidityBps !== undefined) {
      claims.append(h("li", { "data-claim": "liquidity" },
        h("span", { class: "claim-lead" }, `A liquidity buffer of at least ${pct(view.minLiquidityBps)}.`),
        ` The liquid assets (${liquidSymbols.join(", ") || "none"}) are worth at least ${pct(view.minLiquidityBps)} of the liabilities.`));
    }
    const table = h("table", null,
      h("thead", null, h("tr", null, h("th", null, "Asset"), h("th", null, "Token"), h("th", { class: "num" }, "Cap (share of total)"), h("th", { class: "num" }, "Haircut"), h("th", null, "Liquid"), h("th", { class: "num" }, "Price"))),
      h("tbody", null, ...view.assets.map((a) => h("tr", { "data-asset": a.symbol },
        h("td", null, a.symbol),
        h("td", { class: "hash", title: a.feed ? `price feed ${a.feed}` : "" }, a.token ?? "?"),
        h("td", { class: "num" }, pct(a.capBps)),
        h("td", { class: "num" }, pct(a.haircutBps)),
        h("td", null, a.liquid ? "yes" : "no"),
        h("td", { class: "num", title: a.unitPrice ? `unit price ${a.unitPrice} (USD per base unit x 10^36)` : "" },
          a.unitPrice === undefined ? "?" : a.decimals !== undefined ? tokenPrice(a.unitPrice, a.decimals) : `${a.unitPrice} ×10⁻³⁶ $/unit`),
      ))));
    claims.append(h("li", { "data-claim": "caps" },
      h("span", { class: "claim-lead" }, "Every asset within its cap."), " No asset is worth more than its cap's share of the total value:", h("div", { class: "table-wrap" }, table),
      h("p", { class: "note" },
        "Proven for each asset: its symbol, token, decimals, price feed and the feed's rules, its cap, haircut, liquidity and unit price " +
          "(USD per smallest unit). All of them are hashed into the policy the proof is bound to, so the names and tokens shown are part of what was proven.")));
    claims.append(h("li", { "data-claim": "scenarios" },
      h("span", { class: "claim-lead" }, `Survives ${view.scenarios.length} stress scenario${view.scenarios.length === 1 ? "" : "s"}.`),
      ` Under each price shock the shocked assets still cover the liabilities (${liab} shocked too):`,
      h("ul", null, ...view.scenarios.map((s) => h("li", { class: "scenario" }, h("span", { class: "scenario-name" }, s.name), `: ${shockWords(view, s.shockBps)}`)))));
    claims.append(h("li", { "data-claim": "prices" },
      h("span", { class: "claim-lead" }, `Valued at the price snapshot of ${when}`), view.priceTimestamp ? ` (unix time ${view.priceTimestamp}).` : "."));
    const packed = report.publicSignals.filter(([name]) => name.startsWith("vaultTotals[")).map(([, v]) => BigInt(v));
    if (packed.length > 0) {
      const totals = unpackVaultTotals(packed, view.assets.length);
      const held = view.assets.map((a, i) => ({ a, amount: totals[i]! })).filter((x) => x.amount > 0n);
      const usd = held.reduce((sum, x) => sum + (x.a.unitPrice ? x.amount * BigInt(x.a.unitPrice) : 0n), 0n);
      const where = statementWords(report).totalsChecked;
      const attestors = view.attestors ?? [];
      claims.append(h("li", { "data-claim": "custody" },
        h("span", { class: "claim-lead" }, "Assets the treasury really holds."),
        ` Held by the vault contract itself: ${held.map((x) => `${formatDecimal(x.amount, x.a.decimals ?? 0, { group: true })} ${x.a.symbol}`).join(", ") || "nothing"}` +
          (usd > 0n ? ` (about $${formatDecimal(usd / 10n ** 36n, 0, { group: true })} at the snapshot)` : "") +
          `; the contracts refuse the proof unless the vault's balance of each token is at least that ${where}. `,
        attestors.length > 0
          ? `Everything else is held by the attestors whose keys the policy names: ${attestors.map((a) => `key ${short(a.publicKey[0])} ("${a.name}")`).join(", ")}. Each attestor's share is at most what its own signed statement says, ` +
            `and the statement is dated within ${Math.round((view.maxAttestationAge ?? 0) / 3600)} h of the snapshot. The keys are part of the proven policy; the names in quotes are the operator's labels, not proven. The statements stay private: only the proof sees them.`
          : "The policy names no attestor, so every position is held by the vault.",
        h("div", { class: "table-wrap" }, h("table", { "data-testid": "vault-totals" },
          h("thead", null, h("tr", null, h("th", null, "Asset"), h("th", { class: "num" }, "Held by the vault (committed)"))),
          h("tbody", null, ...view.assets.map((a, i) => h("tr", { "data-vault-asset": a.symbol }, h("td", null, a.symbol), h("td", { class: "num" }, formatDecimal(totals[i]!, a.decimals ?? 0, { group: true })))))))));
    }
    if (positions) {
      claims.append(h("li", { "data-claim": "positions" },
        h("span", { class: "claim-lead" }, "Positions stay private."), " They are committed to as ", hashEl(positions), ", which an auditor can open."));
    }
  } else {
    claims.append(h("li", null, "The policy and prices in this bundle could not be read, so the statement cannot be put in words."));
  }
  nodes.push(container);

  const hashTag = (status: string): HTMLElement =>
    status === "match" ? tag("ok", "matches the data above") : status === "mismatch" ? tag("bad", "does NOT match the data above") : tag("warn", "cannot be checked");
  const facts = h("dl", { class: "facts" });
  const fact = (label: string, ...value: Child[]): void => {
    facts.append(h("dt", null, label), h("dd", null, ...value));
  };
  for (const [name, value] of report.publicSignals) {
    if (name === "policyHash") {
      fact("Policy hash", hashEl(value), hashTag(report.policy.status));
      if (report.policy.status === "mismatch" && report.policy.recomputed) fact("…the policy shown hashes to", hashEl(report.policy.recomputed));
    } else if (name === "pricesHash") {
      fact("Prices hash", hashEl(value), hashTag(report.prices.status));
      if (report.prices.status === "mismatch" && report.prices.recomputed) fact("…the prices shown hash to", hashEl(report.prices.recomputed));
    } else if (name === "assetIn" || name === "assetOut") {
      fact(name === "assetIn" ? "Asset sold" : "Asset bought", `${symbolOf(view, value)} (asset ${value})`);
    } else if (name === "amountIn" || name === "minAmountOut") {
      fact(name === "amountIn" ? "Amount sold" : "Least amount bought", h("span", { class: "hash" }, value), " base units");
    } else if (name === "asset" && report.statement === "payout") {
      fact("Asset paid out", `${symbolOf(view, value)} (asset ${value})`);
    } else if (name === "amount" && report.statement === "payout") {
      fact("Amount paid out", h("span", { class: "hash" }, value), " base units");
    } else if (name === "recipient" && report.statement === "payout") {
      fact("Recipient", h("span", { class: "hash", title: `field element ${value}` }, hexAddress(value)));
    } else {
      const label = { positionsRoot: "Positions commitment", liabilitiesRoot: "Liabilities root", oldRoot: "Positions before", newRoot: "Positions after" }[name] ??
        (name.startsWith("vaultTotals[") ? `Vault totals ${name.slice(11)} (two assets packed)` : name);
      fact(label, hashEl(value));
    }
  }
  if (view?.chainId) fact("Deployment", `chain ${view.chainId}, vault `, h("span", { class: "hash" }, view.vault ?? "?"));
  fact("Verification key", `${report.instance ?? "?"} `, h("span", { class: "hash" }, report.vkeyHash ?? "none"), report.vkeyPinned ? tag("ok", "pinned") : tag("bad", "not pinned"));
  if (report.createdAt) fact("Bundle created", report.createdAt);
  fact("Checked in", `${ms(report.timings.verifyMs)} in this browser`);
  nodes.push(h("h3", null, "Commitments"), facts);
  return nodes;
}

// ---------------------------------------------------------------------------------------------------
// Inclusion

/** A balance (in the liability unit) in words: `1,500.25 USDC` when the loaded attestation names the unit. */
function balanceWords(balance: string | undefined): string {
  if (balance === undefined) return "?";
  const view = currentBundle?.view;
  const symbol = view?.liabilityAsset !== undefined ? view.assets[view.liabilityAsset]?.symbol : undefined;
  return symbol ? `${grouped(balance)} ${symbol}` : grouped(balance);
}

async function checkInclusion(text: string): Promise<void> {
  setVerdict("inclusion-result", "inclusion-title", "inclusion-reasons", "pending", "Checking…", []);
  document.body.dataset.inclusionVerdict = "pending";
  const attestationRoot = currentBundle ? signal(currentBundle, "liabilitiesRoot") : undefined;
  let report: InclusionReport;
  try {
    await ready;
    report = (await ask({ type: "verify-inclusion", id: nextRequestId++, text, ...(attestationRoot ? { attestationRoot } : {}) }, "inclusion-result")).report;
  } catch (e) {
    setVerdict("inclusion-result", "inclusion-title", "inclusion-reasons", "bad", "Could not check", [(e as Error).message]);
    document.body.dataset.inclusionVerdict = "error";
    return;
  }
  hook.inclusion = report;
  lastInclusion = report.root ? { root: report.root, ...(report.epoch !== undefined ? { epoch: report.epoch } : {}) } : undefined;
  byId<HTMLButtonElement>("chain-inclusion-check").disabled = lastInclusion === undefined;
  const balance = balanceWords(report.balance);
  const root: Child = report.root ? hashEl(report.root) : "?";
  const reasons = [...report.reasons];
  if (report.epoch !== undefined) reasons.push(`The file labels this root liabilities epoch ${report.epoch}: the on-chain check (section 4) confirms it.`);
  let title: string | Child[];
  let kind: "ok" | "bad" | "warn";
  if (report.verdict === "counted" && report.rootComparison === "same") {
    title = [`Your balance ${balance} is counted in liabilities root `, root, ", the same root this attestation covers."];
    kind = currentBundle?.verdict === "verified" ? "ok" : "warn";
    if (currentBundle && currentBundle.verdict !== "verified") reasons.push("but the attestation itself did not verify (see above)");
  } else if (report.verdict === "counted") {
    title = [`Your balance ${balance} is counted in liabilities root `, root, "."];
    kind = "warn";
    reasons.push("Load the attestation above to check that it covers this root.");
  } else {
    title = `Your balance is not shown to be counted in this attestation.`;
    kind = "bad";
  }
  setVerdict("inclusion-result", "inclusion-title", "inclusion-reasons", kind, title, reasons);
  document.body.dataset.inclusionVerdict = report.verdict;
}

// ---------------------------------------------------------------------------------------------------
// On-chain check (ethers is loaded only when asked for)

/** The root (and epoch label) of the inclusion proof checked last, for the on-chain epoch check. */
let lastInclusion: { root: string; epoch?: number } | undefined;

/** The outcome of an on-chain check, for its verdict box. */
interface ChainOutcome {
  kind: "ok" | "warn" | "bad";
  title: string;
  details: string[];
  /** The body's data attribute value (what the tests wait for). */
  verdict: string;
}

/**
 * Runs one on-chain check with the RPC URL and registry address of section 4, showing its verdict in the box
 * `<prefix>-result` and on `document.body.dataset[datasetKey]`; a failure to read the chain is said in one line.
 */
async function runChainCheck(prefix: string, datasetKey: "chainVerdict" | "chainInclusionVerdict", work: (rpc: string, registry: string) => Promise<ChainOutcome>): Promise<void> {
  const rpc = byId<HTMLInputElement>("chain-rpc").value.trim();
  const registry = byId<HTMLInputElement>("chain-registry").value.trim();
  setVerdict(`${prefix}-result`, `${prefix}-title`, `${prefix}-reasons`, "pending", "Asking the registry…", []);
  document.body.dataset[datasetKey] = "pending";
  try {
    const outcome = await work(rpc, registry);
    setVerdict(`${prefix}-result`, `${prefix}-title`, `${prefix}-reasons`, outcome.kind, outcome.title, outcome.details);
    document.body.dataset[datasetKey] = outcome.verdict;
  } catch (e) {
    setVerdict(`${prefix}-result`, `${prefix}-title`, `${prefix}-reasons`, "bad", "Could not read the registry", [(e as Error).message]);
    document.body.dataset[datasetKey] = "error";
  }
}

async function checkInclusionOnChain(): Promise<void> {
  const inclusion = lastInclusion;
  if (!inclusion) return;
  await runChainCheck("chain-inclusion", "chainInclusionVerdict", async (rpc, registry) => {
    const { compareRootWithRegistry } = await import("./chain.ts");
    const result = await compareRootWithRegistry(rpc, registry, inclusion.root, inclusion.epoch);
    return { kind: result.status === "current" ? "ok" : result.status === "past" ? "warn" : "bad", title: result.title, details: result.details, verdict: result.status };
  });
}

async function checkChain(): Promise<void> {
  const bundle = currentBundle;
  if (!bundle) return;
  await runChainCheck("chain", "chainVerdict", async (rpc, registry) => {
    const { compareWithRegistry } = await import("./chain.ts");
    const chainId = bundle.view?.chainId;
    if (!chainId) throw new Error("the bundle's policy does not say which chain it is for");
    const view = bundle.view;
    const vaultCheck = view?.vault ? { vault: view.vault, assets: view.assets.map((a) => ({ symbol: a.symbol, token: a.token ?? "", decimals: a.decimals ?? 0 })) } : undefined;
    const result = await compareWithRegistry(rpc, registry, chainId, Object.fromEntries(bundle.publicSignals), vaultCheck);
    return { kind: result.latest ? "ok" : "bad", title: result.title, details: result.details, verdict: result.latest ? "latest" : "not-latest" };
  });
}

// ---------------------------------------------------------------------------------------------------
// Wiring

function wireDrop(zone: HTMLElement, onText: (text: string, name: string) => void): void {
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    e.stopPropagation();
    zone.classList.remove("over");
    const file = e.dataTransfer?.files[0];
    if (file) void file.text().then((text) => onText(text, file.name));
  });
}

function wire(): void {
  // A file dropped anywhere else on the page is taken as an attestation (and never opened by the browser).
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files[0];
    if (file) void file.text().then((text) => loadBundle(text, `dropped file ${file.name}`));
  });
  wireDrop(byId("bundle-drop"), (text, name) => void loadBundle(text, `dropped file ${name}`));
  byId<HTMLInputElement>("bundle-file").addEventListener("change", (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void file.text().then((text) => loadBundle(text, `file ${file.name}`));
  });

  wireDrop(byId("inclusion-drop"), (text) => {
    byId<HTMLTextAreaElement>("inclusion-text").value = text;
    void checkInclusion(text);
  });
  byId<HTMLInputElement>("inclusion-file").addEventListener("change", (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) {
      void file.text().then((text) => {
        byId<HTMLTextAreaElement>("inclusion-text").value = text;
        return checkInclusion(text);
      });
    }
  });
  byId("inclusion-check").addEventListener("click", () => {
    const text = byId<HTMLTextAreaElement>("inclusion-text").value.trim();
    if (text) void checkInclusion(text);
  });
  byId("chain-check").addEventListener("click", () => void checkChain());
  byId("chain-inclusion-check").addEventListener("click", () => void checkInclusionOnChain());

  ready.then(
    ({ keys, initMs }) => {
      timings.initMs = initMs;
      document.body.dataset.verifierReady = "1";
      byId("keys-list").replaceChildren(
        ...(keys.length
          ? keys.map((k) => h("li", { "data-instance": k.instance }, h("strong", null, k.instance), " ", h("span", { class: "hash", title: k.vkeyHash }, short(k.vkeyHash, 18))))
          : [h("li", null, "None: this page was built without verification keys and refuses every bundle.")]),
      );
    },
    (e: Error) => {
      document.body.dataset.verifierReady = "failed";
      byId("keys-list").replaceChildren(h("li", null, `The verifier could not start: ${e.message}`));
      setVerdict("verdict", "verdict-title", "verdict-reasons", "bad", "The verifier could not start", [e.message]);
    },
  );

  const param = new URLSearchParams(location.search).get("bundle");
  if (param) {
    const url = new URL(param, location.href);
    setVerdict("verdict", "verdict-title", "verdict-reasons", "pending", "Loading the attestation…", []);
    fetch(url, { cache: "no-store" })
      .then(async (response) => {
        if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status} ${response.statusText}`);
        return loadBundle(await response.text(), url.href);
      })
      .catch((e: Error) => {
        setVerdict("verdict", "verdict-title", "verdict-reasons", "bad", "Could not load the attestation", [e.message]);
        document.body.dataset.bundleVerdict = "error";
      });
  }
}

wire();
