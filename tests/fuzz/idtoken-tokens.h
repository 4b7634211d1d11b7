/*
 * Seeds of corpus/idtoken as C strings, for the targets that need a token
 * to verify: one signed with the key of idtoken-jwk.h (nonce "n0nce",
 * issuer https://op.example, audience pve, valid until 2033), one MACed
 * with HS256, one unsigned (alg none).
 */
#ifndef RG_FUZZ_IDTOKEN_TOKENS_H
#define RG_FUZZ_IDTOKEN_TOKENS_H

static const char token_valid[] =
    "eyJhbGciOiAiUlMyNTYiLCAia2lkIjogImZ6In0.eyJpc3MiOiAiaHR0cHM6Ly9v"
    "cC5leGFtcGxlIiwgImF1ZCI6ICJwdmUiLCAic3ViIjogImFsaWNlIiwgIm5vbmNl"
    "IjogIm4wbmNlIiwgImV4cCI6IDIwMDAwMDAwMDAsICJpYXQiOiAxNzAwMDAwMDAw"
    "fQ.Px-u61xeWaMYPnwhiu2KlIBvbE0nZtULZ6ZMfuqMwoZanc7AzatRy76rIVehy"
    "vjciIKMEz6roU3MVct6FoLlqQA8W3p3MNHzmDwDyo9MxsZr0XnIs1g1gPJwgdr-9"
    "9eCpn3eUh9aOnqzGixVFqOnzVY5cSWx8FJoNjCBo303b1r3LaPhGg-nMZWysanqX"
    "iKfTjqDz07IK9uB4726fKGUb337_uztpW_MriRAdysukYkqb1UGLTX8vlHk9Z-M7"
    "W3U_06LNzV8QIFHWh7E5EKXgKurnDNc4QSys2IuA47nzjiQ5ph1W31kLiOQ30Ssh"
    "yW0oCopkdD6qnEH_oUJ6hihkg";

static const char token_hs256[] =
    "eyJhbGciOiAiSFMyNTYiLCAia2lkIjogImZ6In0.eyJpc3MiOiAiaHR0cHM6Ly9v"
    "cC5leGFtcGxlIiwgImF1ZCI6ICJwdmUiLCAic3ViIjogImFsaWNlIiwgIm5vbmNl"
    "IjogIm4wbmNlIiwgImV4cCI6IDIwMDAwMDAwMDAsICJpYXQiOiAxNzAwMDAwMDAw"
    "fQ.aJL6sp6gYZWK8leVogNFesLGnEGp6s0GRd1mDrZtxTo";

static const char token_none[] =
    "eyJhbGciOiAibm9uZSJ9.eyJpc3MiOiAiaHR0cHM6Ly9vcC5leGFtcGxlIiwgImF"
    "1ZCI6ICJwdmUiLCAic3ViIjogImFsaWNlIiwgIm5vbmNlIjogIm4wbmNlIiwgImV"
    "4cCI6IDIwMDAwMDAwMDAsICJpYXQiOiAxNzAwMDAwMDAwfQ.";

#endif
