pragma circom 2.1.0;
// Where the treasury's positions are held, and what backs them (issue 15; docs/ARCHITECTURE.md "Custody").
// A position's custody is 0 when the vault contract itself holds it, or c in 1..C when the policy's
// attestor c holds it. Vault-held totals become public and the contracts compare them with the vault's
// token balances; attestor-held totals are checked here against statements the attestor signed.
include "circomlib/circuits/eddsaposeidon.circom";
include "./comparators.circom";
include "./select.circom";
include "./hashing.circom";

// Domain tag of a custody statement: core/attestation.ts STATEMENT_DOMAIN, the ASCII bytes of
// "homeostat/stmt/1" read as a big-endian integer (core/hash.ts symbolToField).
function STATEMENT_DOMAIN() {
    return 138818275332112240773180336748436401969;
}

// Splits per-asset amounts by custodian.
// Proves custody[i] <= C for every position (one-hot), and outputs
//   attestedTotal[c][a] = sum of heldAmount[i][a] over positions with custody[i] == c + 1,
//   vaultTotal[a]       = sum of heldAmount[i][a] over positions with custody[i] == 0.
// Caller must pass heldAmount[i][a] < 2^96 (AssetAggregation); then every total is an integer below
// N * 2^96 (no wrap-around: each position is counted under exactly one custodian).
template CustodyTotals(N, A, C) {
    assert(C >= 1);
    signal input custody[N];
    signal input heldAmount[N][A];
    signal output vaultTotal[A];
    signal output attestedTotal[C][A];

    signal custodySel[N][C + 1];
    signal atAttestor[N][C][A];
    for (var i = 0; i < N; i++) {
        custodySel[i] <== OneHot(C + 1)(custody[i]);
        for (var c = 0; c < C; c++) {
            for (var a = 0; a < A; a++) {
                atAttestor[i][c][a] <== custodySel[i][c + 1] * heldAmount[i][a];
            }
        }
    }
    for (var a = 0; a < A; a++) {
        var all = 0;
        for (var i = 0; i < N; i++) {
            all += heldAmount[i][a];
        }
        var attested = 0;
        for (var c = 0; c < C; c++) {
            var sum = 0;
            for (var i = 0; i < N; i++) {
                sum += atAttestor[i][c][a];
            }
            attestedTotal[c][a] <== sum;
            attested += sum;
        }
        // The vault's share is what no attestor holds: linear, no product needed.
        vaultTotal[a] <== all - attested;
    }
}

// Every attestor's holdings are backed by a fresh statement it signed.
// For each attestor slot c (private: enabled[c], the statement's timestamp, signed amounts and signature):
//  - enabled[c] is a bit;
//  - if enabled: (R8, S) is an EdDSA-Poseidon signature under attestorKey[c] (from the policy hash) of
//      message = ListHash([STATEMENT_DOMAIN, chainId, vault, Ax, Ay, tokensDigest, timestamp, signed[0..A)])
//    (core/attestation.ts statementMessage), so the statement names this chain, this vault, this attestor
//    and this policy's tokens in order;
//  - attestedTotal[c][a] <= enabled[c] * signed[c][a] for every asset: a slot without a statement must
//    hold nothing;
//  - if enabled: |timestamp - priceTimestamp| <= maxAttestationAge (no older than the policy allows
//    before the price snapshot, and no later than as much after it: a statement dated in the future
//    cannot outlive the snapshots it was signed for).
// A removed or never-set attestor has the key (0, 0); EdDSAPoseidonVerifier refuses it when enabled
// (it requires 8 * A != identity), so positions there have no witness.
// Caller must pass attestedTotal[c][a] < 2^101 (CustodyTotals over N <= 32 positions), priceTimestamp
// < 2^64 (PriceRanges) and maxAttestationAge < 2^32 (PolicyChecks).
template AttestedCustody(A, C) {
    signal input chainId;
    signal input vault;
    signal input tokensDigest;
    signal input maxAttestationAge;
    signal input priceTimestamp;
    signal input attestorKey[C][2];
    signal input attestedTotal[C][A];

    signal input enabled[C];
    signal input timestamp[C];
    signal input signedAmount[C][A];
    signal input r8x[C];
    signal input r8y[C];
    signal input s[C];

    var MSG = 7 + A;
    signal fields[C][MSG];
    signal message[C];
    signal limit[C][A];
    signal lag[C];
    signal lead[C];
    component verifier[C];
    for (var c = 0; c < C; c++) {
        AssertBit()(enabled[c]);

        fields[c][0] <== STATEMENT_DOMAIN();
        fields[c][1] <== chainId;
        fields[c][2] <== vault;
        fields[c][3] <== attestorKey[c][0];
        fields[c][4] <== attestorKey[c][1];
        fields[c][5] <== tokensDigest;
        fields[c][6] <== timestamp[c];
        for (var a = 0; a < A; a++) {
            fields[c][7 + a] <== signedAmount[c][a];
        }
        message[c] <== ListHash(MSG)(fields[c]);

        verifier[c] = EdDSAPoseidonVerifier();
        verifier[c].enabled <== enabled[c];
        verifier[c].Ax <== attestorKey[c][0];
        verifier[c].Ay <== attestorKey[c][1];
        verifier[c].S <== s[c];
        verifier[c].R8x <== r8x[c];
        verifier[c].R8y <== r8y[c];
        verifier[c].M <== message[c];

        // held <= limit as one 96-bit decomposition of limit - held: held is an integer below 2^101, so a
        // difference d in [0, 2^96) makes limit the integer held + d (< 2^102 < p), at least held; a held
        // amount above the limit wraps to p - (held - limit), which has no 96-bit decomposition. Signed
        // amounts are below 2^96 (core/attestation.ts), so an honest limit always passes.
        for (var a = 0; a < A; a++) {
            limit[c][a] <== enabled[c] * signedAmount[c][a];
            RangeCheck(96)(limit[c][a] - attestedTotal[c][a]);
        }

        // Freshness: timestamp >= priceTimestamp - maxAttestationAge, by the same argument (the
        // difference is below 2^64 for any statement an attestor signs at a real time).
        lag[c] <== enabled[c] * (timestamp[c] + maxAttestationAge - priceTimestamp);
        RangeCheck(64)(lag[c]);
        // And timestamp <= priceTimestamp + maxAttestationAge. With both, an enabled timestamp is the
        // integer in [priceTimestamp - maxAttestationAge, priceTimestamp + maxAttestationAge] (a window of
        // 2^33 at most, far below the 2^64 of each check, so no field element outside it passes both).
        lead[c] <== enabled[c] * (priceTimestamp + maxAttestationAge - timestamp[c]);
        RangeCheck(64)(lead[c]);
    }
}

// Packs two vault totals per public signal: packed[j] = total[2j] + total[2j + 1] * 2^128 (the last one
// alone when A is odd), halving the public inputs the verifier pays for. Caller must pass totals below
// 2^128 (CustodyTotals: below 2^101), so each 128-bit lane holds one total exactly and the packing is
// one-to-one; the contracts read lane a as uint128(packed[a / 2] >> (128 * (a % 2))) (VaultTotals.sol).
template PackTotals(A) {
    var P = (A + 1) \ 2;
    signal input total[A];
    signal output packed[P];
    for (var j = 0; j < P; j++) {
        if (2 * j + 1 < A) {
            packed[j] <== total[2 * j] + total[2 * j + 1] * (1 << 128);
        } else {
            packed[j] <== total[2 * j];
        }
    }
}
