/*
 * The public key (a JWK) that signed the "valid" seed of corpus/idtoken,
 * shared by the ID-token fuzz target and its unit test; the private half
 * was thrown away after the seeds were made.
 */
#ifndef RG_FUZZ_IDTOKEN_JWK_H
#define RG_FUZZ_IDTOKEN_JWK_H

static const char jwk[] =
    "{\"kty\":\"RSA\",\"kid\":\"fz\",\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\"4"
    "8tA5uVuo5ZMz0JGEhU2LabwyzXwOPRI9vdAd3rzr5dgO6eCH1OeKSnAA"
    "XyTBidQPNQNkUu65iYo0xnpWZFqpFFfAvkxSgU-9UYC5_IchsYUokFam"
    "I4B3gLzUgaHiefp8nOv3AWmF3Lt41KkXCHcHez_Uh4jaFlYQtri0v4bt"
    "S5Xu2jFOEHTqJVhUBvmAh_jFKlIuqs7zicuvs5YBFSMkRLDtOGE0pz59"
    "fzlzpZROFNuQyhMloNbJRR61b1BFDLp-dRXWJfbDd0SX0EDfTVbOCBMO"
    "Cl1nhBgIZIht1OaYdRijLYUMa7g9SmTJF_frgs7JrT2ekCnJvSqutL1A"
    "zMg4w\",\"e\":\"AQAB\"}";

#endif
