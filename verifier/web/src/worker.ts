/**
 * The page's verification worker: holds the pinned keys and the BN254 curve, and answers the page's
 * requests with plain-data reports (protocol.ts). Running here keeps the page responsive while the
 * curve's WebAssembly is built and pairings are computed.
 *
 * The curve is built single-threaded and installed as snarkjs' cached curve (`globalThis.curve_bn128`):
 * verifying one proof needs no thread pool, and ffjavascript's pool would start one nested worker per core.
 */
import { buildBn128, type Bn128 } from "ffjavascript";
import { listHash } from "../../../core/hash.ts";
import { STATEMENTS } from "../../../core/signals.ts";
import pinnedKeys from "virtual:homeostat-pinned-keys";
import { checkStatement } from "./statement.ts";
import { verifyAttestation, verifyInclusionFile } from "./verify-adapter.ts";
import type { BundleReport, InclusionReport, WorkerRequest, WorkerResponse } from "./protocol.ts";

interface WorkerScope {
  postMessage(message: WorkerResponse): void;
  addEventListener(type: "message", listener: (event: MessageEvent<WorkerRequest>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

/**
 * Runs each engine once on throw-away data (a pairing check, a Poseidon list hash) so the first real
 * verification does not pay for WebAssembly tier-up and JIT compilation: this happens while the page is
 * still fetching the bundle.
 */
async function warmUp(curve: Bn128): Promise<void> {
  const { G1, G2 } = curve;
  if (!(await curve.pairingEq(G1.neg(G1.g), G2.g, G1.g, G2.g))) throw new Error("the BN254 engine failed its self-check");
  listHash(Array.from({ length: 40 }, (_, i) => BigInt(i)));
}

const curveReady: Promise<void> = (async () => {
  const start = performance.now();
  const g = globalThis as { curve_bn128?: Bn128 };
  g.curve_bn128 ??= await buildBn128(true);
  await warmUp(g.curve_bn128);
  scope.postMessage({
    type: "ready",
    keys: pinnedKeys.map((k) => ({ instance: k.instance, vkeyHash: k.vkeyHash })),
    initMs: performance.now() - start,
  });
})();
curveReady.catch((e: unknown) => scope.postMessage({ type: "init-failed", error: (e as Error).message }));

function parseJson(text: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: `the file is not valid JSON (${(e as Error).message})` };
  }
}

/** An object member of an untrusted bundle, when it is one. */
function member(bundle: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = bundle[name];
  return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
}

/** Verifies a bundle and recomputes what it claims. */
async function bundleReport(text: string): Promise<BundleReport> {
  const start = performance.now();
  const parsed = parseJson(text);
  const bundle = (parsed.value ?? {}) as Record<string, unknown>;
  const check = parsed.error
    ? { valid: false, reasons: [parsed.error], verifyMs: 0 }
    : await verifyAttestation(parsed.value, pinnedKeys);
  const rawSignals = member(bundle, "publicSignals") ?? {};
  const signals: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawSignals)) signals[name] = String(value);
  // Every statement's bundle carries a policy and prices; anything else is not read as a statement.
  const statement = (STATEMENTS as readonly unknown[]).includes(bundle.statement) ? checkStatement(bundle, signals) : undefined;

  const reasons = [...check.reasons];
  const verdict = check.valid ? "verified" : "invalid";
  const vkeyHash = typeof bundle.vkeyHash === "string" ? bundle.vkeyHash : undefined;
  const rawAction = member(bundle, "action");
  const action = rawAction ? { sell: String(rawAction.sell), amount: String(rawAction.amount), buy: String(rawAction.buy), minOut: String(rawAction.minOut) } : undefined;
  const rawPayout = member(bundle, "payout");
  const payout = rawPayout ? { symbol: String(rawPayout.symbol), units: String(rawPayout.units), to: String(rawPayout.to) } : undefined;
  return {
    verdict,
    reasons,
    ...(check.proofValid !== undefined ? { proofValid: check.proofValid } : {}),
    ...(typeof bundle.statement === "string" ? { statement: bundle.statement } : {}),
    ...(typeof bundle.instance === "string" ? { instance: bundle.instance } : {}),
    ...(typeof bundle.createdAt === "string" ? { createdAt: bundle.createdAt } : {}),
    ...(vkeyHash ? { vkeyHash } : {}),
    vkeyPinned: vkeyHash !== undefined && pinnedKeys.some((k) => k.vkeyHash === vkeyHash.toLowerCase()),
    publicSignals: Object.entries(signals),
    policy: statement?.policy ?? { status: "unreadable", error: "no statement" },
    prices: statement?.prices ?? { status: "unreadable", error: "no statement" },
    ...(statement?.view ? { view: statement.view } : {}),
    ...(action ? { action } : {}),
    ...(payout ? { payout } : {}),
    timings: { verifyMs: check.verifyMs, totalMs: performance.now() - start },
  };
}

/** Verifies a user's inclusion proof and compares its root with the attestation's. */
async function inclusionReport(text: string, attestationRoot: string | undefined): Promise<InclusionReport> {
  const parsed = parseJson(text);
  const check = parsed.error
    ? { valid: false, reasons: [parsed.error], verifyMs: 0, fields: {}, leafMatches: false }
    : await verifyInclusionFile(parsed.value, pinnedKeys);
  const reasons = [...check.reasons];
  const root = check.fields.root;
  let rootComparison: InclusionReport["rootComparison"] = "unknown";
  if (attestationRoot !== undefined && root !== undefined) {
    rootComparison = BigInt(attestationRoot) === BigInt(root) ? "same" : "different";
    if (rootComparison === "different") {
      reasons.push(`the proof's liabilities root ${root} is not the root this attestation covers (${attestationRoot})`);
    }
  }
  const counted = check.valid && check.leafMatches && rootComparison !== "different";
  return {
    verdict: counted ? "counted" : "not-counted",
    reasons,
    proofValid: check.valid,
    leafMatches: check.leafMatches,
    rootComparison,
    ...(check.fields.userId !== undefined ? { userId: check.fields.userId } : {}),
    ...(check.fields.balance !== undefined ? { balance: check.fields.balance } : {}),
    ...(root !== undefined ? { root } : {}),
    ...(check.fields.epoch !== undefined ? { epoch: check.fields.epoch } : {}),
    ...(attestationRoot !== undefined ? { attestationRoot } : {}),
    timings: { verifyMs: check.verifyMs },
  };
}

scope.addEventListener("message", (event) => {
  const request = event.data;
  void (async () => {
    try {
      await curveReady;
      if (request.type === "verify-bundle") {
        scope.postMessage({ type: "bundle-result", id: request.id, report: await bundleReport(request.text) });
      } else {
        scope.postMessage({ type: "inclusion-result", id: request.id, report: await inclusionReport(request.text, request.attestationRoot) });
      }
    } catch (e) {
      scope.postMessage({ type: "error", id: request.id, error: (e as Error).message });
    }
  })();
});
