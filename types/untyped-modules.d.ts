// Minimal declarations for the iden3 packages that ship no types. Only what Homeostat calls.
declare module "circom_runtime" {
  export function WitnessCalculatorBuilder(code: Uint8Array, options?: Record<string, unknown>): Promise<unknown>;
}
declare module "r1csfile" {
  export function readR1cs(fileName: string, options: Record<string, unknown>): Promise<unknown>;
}
declare module "snarkjs";
declare module "circomlibjs";
