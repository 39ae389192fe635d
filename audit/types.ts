/**
 * Shapes shared by the audit modules: one named check with its status and evidence, the whole report,
 * and the options of `runAudit`. Evidence values are plain JSON scalars so the report can print them.
 */

/** Evidence of one check: hashes, values, file paths (JSON scalars only). */
export type AuditEvidence = Record<string, string | number | boolean | null>;

/** Outcome of one check. `skip` means it did not run (not applicable, not selected, or no input). */
export type AuditStatus = "pass" | "fail" | "skip";

/** One named check of the audit. */
export interface AuditCheck {
  /** Stable id, e.g. `positions-root`, `zkey:solvency-test`. */
  id: string;
  title: string;
  status: AuditStatus;
  evidence: AuditEvidence;
  /** Why it failed, one sentence each (empty when it passed). */
  problems: string[];
  /** Why it was skipped, or a remark on how it was checked. */
  note?: string;
}

/** The audit report (`homeostat-audit/1`), written as JSON and rendered as Markdown. */
export interface AuditReport {
  format: "homeostat-audit/1";
  ok: boolean;
  createdAt: string;
  /** The inputs the auditor gave (paths), for the record. */
  inputs: Record<string, string | number | null>;
  summary: { pass: number; fail: number; skip: number };
  checks: AuditCheck[];
}

/** Everything `runAudit` needs. Paths may be relative to the current directory. */
export interface AuditOptions {
  treasury: string;
  policy: string;
  prices: string;
  /** A users file (CSV/JSON, salts in the state) or a liabilities tree folder (or its root.json). */
  liabilities: string;
  /** The private state file holding the salts. */
  state: string;
  /** Published bundles: one solvency (S1) bundle, optionally one rebalance (S2) bundle. */
  bundles: string[];
  rpc?: string;
  deployment?: string;
  ceremony?: string;
  ptau?: string;
  /** Users whose inclusion proofs are generated and verified (default 3). */
  sample?: number;
  /** Run only these checks (ids, or id prefixes before `:`); the others are reported as skipped. */
  only?: string[];
  /** Folder of the instance artifacts (default build/circuits). */
  circuitsDir?: string;
  /** Folder of the generated Solidity verifiers (default contracts/generated). */
  verifierDir?: string;
  /** Project root whose circuit sources are compared with the lock (default: this project). */
  sourcesRoot?: string;
  /** One line per step, for progress on stderr. */
  onProgress?: (line: string) => void;
}
