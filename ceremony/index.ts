/**
 * Multi-party Groth16 phase 2 (`homeostat ceremony`): init, contribute, verify, finalize, and the
 * transcript they share. `verifyTranscript` is the entry point for `homeostat audit`.
 */
export { initCeremony, requireInstance, type InitOptions, type InitResult } from "./init.ts";
export { contributeToCeremony, checkChainHead, type ContributeOptions, type ContributeResult } from "./contribute.ts";
export {
  verifyTranscript,
  firstFailure,
  type CeremonyCheck,
  type CeremonyVerification,
  type Evidence,
  type VerifyTranscriptOptions,
} from "./verify.ts";
export {
  finalizeCeremony,
  installTargets,
  parseBeacon,
  parseIterationsExp,
  BEACON_NAME,
  DEFAULT_BEACON_ITERATIONS_EXP,
  type FinalizeOptions,
  type FinalizeResult,
} from "./finalize.ts";
export { readMpcParams, formatSnarkjsHash, type MpcParams, type MpcContribution } from "./mpc-params.ts";
export {
  readTranscript,
  zkeyFileName,
  stepLabel,
  TRANSCRIPT_FILE,
  TRANSCRIPT_FORMAT,
  type CeremonyTranscript,
  type CeremonyStep,
  type CeremonyFinal,
} from "./transcript.ts";
export type { CeremonyManifest, CeremonyRecord } from "./manifest.ts";
