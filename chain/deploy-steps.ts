/**
 * Deployment steps, optionally journaled. Each step is one transaction: a contract creation or a call.
 * Without a journal (the test stack of `deployStack`) a step simply sends and waits. With one (`deploy
 * --config`), the runner writes the journal atomically before sending (step name and the nonce it will use),
 * after sending (the transaction hash) and after confirmation (the contract address), each step sent with
 * that explicit nonce. A re-run with the same journal skips the steps it finished (checking that the code is
 * still at the recorded address) and, for a step that was sent but never recorded as confirmed, adopts what
 * the chain did with it (the receipt of the recorded hash, or the code at the CREATE address of the recorded
 * nonce once that nonce is used): no contract is deployed twice.
 */
import { ContractFactory, getCreateAddress, type Contract, type InterfaceAbi, type Signer, type TransactionResponse } from "ethers";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { UserError } from "../core/errors.ts";

/** One step of the journal. */
export interface JournalStep {
  step: string;
  /** The deployer's nonce the step's transaction uses. */
  nonce: number;
  tx?: string;
  /** The contract a creation step made. */
  address?: string;
  done: boolean;
}

/** A deployment in progress (`deploy --config --out FILE` while it runs). */
export interface DeployJournal {
  format: "homeostat-deploy-journal/1";
  /** keccak256 of the deploy config (chain/deploy-config.ts). */
  configHash: string;
  configFile: string;
  chainId: string;
  deployer: string;
  startedAt: string;
  /** Where the vault must land (the CREATE address of `nonce`), fixed when RiskPolicy is sent. */
  vault?: { address: string; nonce: number };
  steps: JournalStep[];
}

export const JOURNAL_FORMAT = "homeostat-deploy-journal/1";

/** Runs deployment steps; see the module header. */
export class StepRunner {
  /** Steps newly confirmed by this run. */
  sent = 0;
  private readonly signer: Signer;
  private readonly deployer: string;
  private readonly journal: { file: string; state: DeployJournal } | undefined;
  /** Tests only: throw after this many newly confirmed steps, as if the process had died there. */
  private readonly failAfter: number | undefined;

  constructor(signer: Signer, deployer: string, options: { journal?: { file: string; state: DeployJournal }; failAfter?: number } = {}) {
    this.signer = signer;
    this.deployer = deployer;
    this.journal = options.journal;
    this.failAfter = options.failAfter;
  }

  private get provider() {
    return this.signer.provider!;
  }

  /** The journal's record of `step`, if any. */
  record(step: string): JournalStep | undefined {
    return this.journal?.state.steps.find((s) => s.step === step);
  }

  /** Writes the journal (no-op without one). */
  save(): void {
    if (this.journal) writeFileAtomic(this.journal.file, `${JSON.stringify(this.journal.state, null, 2)}\n`);
  }

  /** The vault's planned address (journal only). */
  get vault(): DeployJournal["vault"] {
    return this.journal?.state.vault;
  }

  set vault(value: DeployJournal["vault"]) {
    if (this.journal) {
      this.journal.state.vault = value;
      this.save();
    }
  }

  /** The last nonce this runner used (a JSON-RPC provider caches answers for a moment, so the node's count may lag behind it). */
  private lastNonce = -1;

  /** The nonce the deployer's next transaction gets. */
  async nextNonce(): Promise<number> {
    return Math.max(await this.provider.getTransactionCount(this.deployer, "pending"), this.lastNonce + 1);
  }

  /**
   * Deploys a contract as step `step` (or returns the one a previous run made). `args` is called with the
   * nonce the creation uses, only when it is actually sent; `expectNonce`, if given, must be that nonce.
   */
  async create(step: string, artifact: { abi: InterfaceAbi; bytecode: string }, args: (nonce: number) => unknown[] = () => [], expectNonce?: () => number | undefined): Promise<string> {
    const resumed = await this.resume(step, true);
    if (resumed) return resumed.address!;
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, this.signer);
    const done = await this.send(step, expectNonce, async (overrides) => {
      const contract = await factory.deploy(...args(overrides.nonce ?? (await this.nextNonce())), overrides);
      return contract.deploymentTransaction()!;
    });
    return done.contractAddress!;
  }

  /** Calls `contract.fn(...args)` as step `step` (unless a previous run did). */
  async call(step: string, contract: Contract, fn: string, args: unknown[]): Promise<void> {
    if (await this.resume(step, false)) return;
    await this.send(step, undefined, (overrides) => contract.getFunction(fn)(...args, overrides) as Promise<TransactionResponse>);
  }

  private async send(step: string, expectNonce: (() => number | undefined) | undefined, go: (overrides: { nonce?: number }) => Promise<TransactionResponse>) {
    let overrides: { nonce?: number } = {};
    if (this.journal) {
      const nonce = await this.nextNonce();
      const expected = expectNonce?.();
      if (expected !== undefined && nonce !== expected) {
        throw new UserError(
          `${step} must be sent with the deployer's nonce ${expected} for the vault to land at ${this.vault?.address}, but the next nonce is ${nonce} (the deployer sent another transaction meanwhile); this deployment cannot be finished: start over with another --out`,
          { where: this.journal.file },
        );
      }
      overrides = { nonce };
      this.lastNonce = nonce;
      const state = this.journal.state;
      state.steps = state.steps.filter((s) => s.step !== step);
      state.steps.push({ step, nonce, done: false });
      this.save();
    }
    const tx = await go(overrides);
    this.lastNonce = Math.max(this.lastNonce, tx.nonce);
    const record = this.record(step);
    if (record) {
      record.tx = tx.hash;
      this.save();
    }
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new Error(`${step}: transaction ${tx.hash} failed`);
    if (record) {
      if (receipt.contractAddress) record.address = receipt.contractAddress;
      record.done = true;
      this.save();
    }
    this.sent++;
    if (this.failAfter !== undefined && this.sent >= this.failAfter) throw new Error(`injected failure after step ${step} (test hook)`);
    return { contractAddress: receipt.contractAddress ?? undefined };
  }

  /** A finished step of a previous run, or a sent one the chain has confirmed since; undefined: send it. */
  private async resume(step: string, creates: boolean): Promise<JournalStep | undefined> {
    const record = this.record(step);
    if (!record) return undefined;
    if (!record.done) {
      const receipt = record.tx ? await this.provider.getTransaction(record.tx).then((t) => t?.wait().catch(() => null) ?? null) : null;
      if (receipt?.status === 1) {
        record.done = true;
        if (receipt.contractAddress) record.address = receipt.contractAddress;
      } else if (creates && (await this.provider.getTransactionCount(this.deployer, "latest")) > record.nonce) {
        const address = getCreateAddress({ from: this.deployer, nonce: record.nonce });
        if ((await this.provider.getCode(address)) === "0x") return undefined; // the nonce went to something else: send again
        record.address = address;
        record.done = true;
      } else {
        return undefined;
      }
      this.save();
    }
    if (creates && (await this.provider.getCode(record.address!)) === "0x") {
      throw new UserError(`the journal records ${step} at ${record.address}, but there is no code there (another chain, or a restarted local one?)`, {
        where: this.journal!.file,
      });
    }
    return record;
  }
}
