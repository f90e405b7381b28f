/**
 * JWT/JWS builtins against RFC 7515 (JWS), RFC 7518 (algorithms) and RFC 7519 (JWT).
 *
 * base64url without padding (RFC 7515 section 2), alg checks per verify_*
 * builtin and key type (RSA, RSA-PSS, ECDSA P-256 in raw and DER form,
 * EdDSA; PEM, JWK and JWKS keys), algorithm confusion (RFC 8725), the crit
 * header (RFC 7515 section 4.1.11), registered claims exp/nbf/iss/aud (RFC
 * 7519 section 4.1), signing round trips and JWK oct keys. HMAC tokens use
 * the key "secret"; decode_verify gets a fixed time.
 * Each expectation is what `.cache/bin/opa eval` (v1.22) gives: OPA is the
 * reference where it follows the specification, and where it departs from it
 * Portcullis matches OPA (Gatekeeper compatibility) and a comment says so.
 */
import { describe, expect, test } from "vitest";
import { evalExpr, UNDEFINED } from "./spec-harness.ts";

const CASES: [string, unknown][] = [
  // RFC 7519 section 7.2 / RFC 7515 section 5.2: decoding and HMAC verification
  [
    `io.jwt.decode("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0")`,
    [
      { alg: "HS256", typ: "JWT" },
      { aud: "you", exp: 4102444800, iss: "me", nbf: 1000000000, sub: "alice" },
      "c5a749e0f71eed39bd6ffb61c47c7d7be1f24b88a40c6ca6cf0d6b9e11da5f2d",
    ],
  ],
  [
    `io.jwt.decode("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.Q9oyp4ajkrLWALx0knFDzyxYMcjPeT63GtHNm2V_Few")`,
    [
      { alg: "HS256" },
      { aud: "you", exp: 4102444800, iss: "me", nbf: 1000000000, sub: "alice" },
      "43da32a786a392b2d600bc74927143cf2c5831c8cf793eb71ad1cd9b657f15ec",
    ],
  ],
  [
    `io.jwt.decode("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.Q9oyp4ajkrLWALx0knFDzyxYMcjPeT63GtHNm2V_Few=")`,
    [
      { alg: "HS256" },
      { aud: "you", exp: 4102444800, iss: "me", nbf: 1000000000, sub: "alice" },
      "43da32a786a392b2d600bc74927143cf2c5831c8cf793eb71ad1cd9b657f15ec",
    ],
  ],
  [
    `io.jwt.decode("eyJhbGciOiJIUzI1NiIsIngiOiI/Pz4+In0.eyJzdWIiOiAiYWxpY2UiLCAiaXNzIjogIm1lIiwgImF1ZCI6ICJ5b3UiLCAiZXhwIjogNDEwMjQ0NDgwMCwgIm5iZiI6IDEwMDAwMDAwMDB9.FZQs657qAJCr5Jm_wlWQLs1W8HZuvnajjjkw4EgshlQ")`,
    UNDEFINED,
  ],
  [
    `io.jwt.decode("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiAiYWxpY2UiLCAiaXNzIjogIm1lIiwgImF1ZCI6ICJ5b3UiLCAiZXhwIjogNDEwMjQ0NDgwMCwgIm5iZiI6IDEwMDAwMDAwMDB9")`,
    UNDEFINED,
  ],
  [`io.jwt.decode("eyJhbGciOiJIUzI1NiJ9.eyJhIjo.9_vnM5p6uT84kHCS8M6qdFb6ol-C8McVRjFQZUr1qGU")`, UNDEFINED],
  [`io.jwt.decode("eyJhbGciOiJIUzI1NiJ9.WzEsMl0.ujhiRGknuUjP-U5SU_ON7QSXb4eyN8iMIryJjD-DNAM")`, UNDEFINED],
  [`io.jwt.decode("eyJhbGciOiJIUzI1NiJ9.bnVsbA.Hx-Q-k2OqbmJj8E3dbuK5caoD2C_bCEzOKbJANQNA9Q")`, UNDEFINED],
  [
    `io.jwt.decode("eyJhbGciOiJub25lIn0.eyJzdWIiOiAiYWxpY2UiLCAiaXNzIjogIm1lIiwgImF1ZCI6ICJ5b3UiLCAiZXhwIjogNDEwMjQ0NDgwMCwgIm5iZiI6IDEwMDAwMDAwMDB9.")`,
    [{ alg: "none" }, { aud: "you", exp: 4102444800, iss: "me", nbf: 1000000000, sub: "alice" }, ""],
  ],
  [
    `io.jwt.decode("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.81P82XR1RNNAZZjt27rF4BqpZZkzmZDXnOkBzR72Nt8")`,
    [
      { typ: "JWT" },
      { aud: "you", exp: 4102444800, iss: "me", nbf: 1000000000, sub: "alice" },
      "f353fcd9747544d3406598eddbbac5e01aa96599339990d79ce901cd1ef636df",
    ],
  ],
  [
    `io.jwt.verify_hs256("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", "secret")`,
    true,
  ],
  [
    `io.jwt.verify_hs256("eyJhbGciOiJIUzM4NCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.zqu1b2i6xn7llwihURj25Ib2sNei40FctnciTFjlEeOsBghOLvEVfR_ueAqVoN0h", "secret")`,
    false,
  ],
  [
    `io.jwt.verify_hs256("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.Q9oyp4ajkrLWALx0knFDzyxYMcjPeT63GtHNm2V_Few", "secret")`,
    true,
  ],
  [
    `io.jwt.verify_hs256("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.Q9oyp4ajkrLWALx0knFDzyxYMcjPeT63GtHNm2V_Few=", "secret")`,
    true,
  ],
  [
    `io.jwt.verify_hs256("eyJhbGciOiJIUzI1NiIsIngiOiI/Pz4+In0.eyJzdWIiOiAiYWxpY2UiLCAiaXNzIjogIm1lIiwgImF1ZCI6ICJ5b3UiLCAiZXhwIjogNDEwMjQ0NDgwMCwgIm5iZiI6IDEwMDAwMDAwMDB9.FZQs657qAJCr5Jm_wlWQLs1W8HZuvnajjjkw4EgshlQ", "secret")`,
    true,
  ],
  [
    `io.jwt.verify_hs256("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.USUo_e8CaQTq3mPJT0k5nPGachlXyVq2kxFGDnPf5Mo", "secret")`,
    false,
  ],
  [
    `io.jwt.verify_hs256("eyJhbGciOiJub25lIn0.eyJzdWIiOiAiYWxpY2UiLCAiaXNzIjogIm1lIiwgImF1ZCI6ICJ5b3UiLCAiZXhwIjogNDEwMjQ0NDgwMCwgIm5iZiI6IDEwMDAwMDAwMDB9.", "secret")`,
    false,
  ],
  [
    `io.jwt.verify_hs256("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.81P82XR1RNNAZZjt27rF4BqpZZkzmZDXnOkBzR72Nt8", "secret")`,
    true,
  ],
  [
    `io.jwt.verify_hs256("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiAiYWxpY2UiLCAiaXNzIjogIm1lIiwgImF1ZCI6ICJ5b3UiLCAiZXhwIjogNDEwMjQ0NDgwMCwgIm5iZiI6IDEwMDAwMDAwMDB9", "secret")`,
    UNDEFINED,
  ],
  [
    `io.jwt.verify_hs384("eyJhbGciOiJIUzM4NCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.zqu1b2i6xn7llwihURj25Ib2sNei40FctnciTFjlEeOsBghOLvEVfR_ueAqVoN0h", "secret")`,
    true,
  ],
  [
    `io.jwt.verify_hs384("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", "secret")`,
    false,
  ],
  // RFC 7519 section 4.1: registered claims in decode_verify (time is fixed at 2020-01-01)
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjoxMDAwLCJuYmYiOjEwMDAwMDAwMDB9.9pVNtArVqbU7HOC4Wc2aVxzre3U-fyzo2LNKWp9y5lg", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjQxMDI0NDQ4MDB9.Z2A58H93v7cDKt4WYAsNuIz0jdaZCWZ5E7RdVeFl49Y", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLjUsIm5iZiI6MTAwMDAwMDAwMH0.QjNFl2W6imUL1QxyF5gR-lbxJ3mWR_dnF6S1MH-qGEk", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjoiNDEwMjQ0NDgwMCIsIm5iZiI6MTAwMDAwMDAwMH0.48d2IX68QAprDytBdOZEVrSgxM3ymIX52FdBRSObbgo", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjpbInlvdSIsInRoZW0iXSwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.9ELL0x678ZHN0FvmZ7d-36cDjxNR2htrOwbxJfHQ53A", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiZXhwIl19.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.sOs6mA8zDpxxWx1HVRQ7wqrVdcPwiN42NFyHzXKpgJ8", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  // RFC 7515 4.1.11: crit naming an unknown extension is rejected
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiZm9vIl0sImZvbyI6MX0.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.dZMfBmeTSWlJhCuk301Zbx_9VSJVO6DsWOf0pLi_mHw", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  // RFC 7515 4.1.11: an empty crit list is invalid (an error, so undefined)
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsImNyaXQiOltdfQ.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.1-dArjaSH9m4rSNNaKlCFgIXDBeC3sAxdXxJEKg94ig", {"secret": "secret", "time": 1577836800000000000})`,
    UNDEFINED,
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiAiYWxpY2UiLCAiaXNzIjogIm1lIiwgImF1ZCI6ICJ5b3UiLCAiZXhwIjogNDEwMjQ0NDgwMCwgIm5iZiI6IDEwMDAwMDAwMDB9.", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.81P82XR1RNNAZZjt27rF4BqpZZkzmZDXnOkBzR72Nt8", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.USUo_e8CaQTq3mPJT0k5nPGachlXyVq2kxFGDnPf5Mo", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsImN0eSI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.0O5TfBnimV7RxSoAHyoasmodQ_7LQUitIHoukVNOtDQ", {"secret": "secret", "time": 1577836800000000000})`,
    UNDEFINED,
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6Imp3dCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.mVFOvW3nIIa9Oj6ZLPMitb7rZxCGKA1Fcp0RsHBu7_U", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6ImZvbyJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.7Cx6cNLHEAQEW9sTYR7SeL2BAjSYwZJxsOw668GD6tU", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzM4NCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.zqu1b2i6xn7llwihURj25Ib2sNei40FctnciTFjlEeOsBghOLvEVfR_ueAqVoN0h", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "aud": "you", "time": 1577836800000000000})`,
    [
      true,
      { alg: "HS256", typ: "JWT" },
      { aud: "you", exp: 4102444800, iss: "me", nbf: 1000000000, sub: "alice" },
    ],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "aud": "them", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjpbInlvdSIsInRoZW0iXSwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.9ELL0x678ZHN0FvmZ7d-36cDjxNR2htrOwbxJfHQ53A", {"secret": "secret", "aud": "them", "time": 1577836800000000000})`,
    [
      true,
      { alg: "HS256" },
      { aud: ["you", "them"], exp: 4102444800, iss: "me", nbf: 1000000000, sub: "alice" },
    ],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "iss": "me", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "iss": "other", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "alg": "HS384", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "alg": "HS256", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjoxMDAwLCJuYmYiOjEwMDAwMDAwMDB9.9pVNtArVqbU7HOC4Wc2aVxzre3U-fyzo2LNKWp9y5lg", {"secret": "secret", "time": 999000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjoxMDAwLCJuYmYiOjEwMDAwMDAwMDB9.9pVNtArVqbU7HOC4Wc2aVxzre3U-fyzo2LNKWp9y5lg", {"secret": "secret", "time": 1000000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "time": 1000000000000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "time": 999999999000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"time": 1577836800000000000})`,
    UNDEFINED,
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.xadJ4Pce7Tm9b_thxHx9e-HyS4ikDGymzw1rnhHaXy0", {"secret": "secret", "foo": 1, "time": 1577836800000000000})`,
    UNDEFINED,
  ],
  // RFC 7515 signing: encode_sign / encode_sign_raw round trips
  [
    `io.jwt.encode_sign({"alg": "HS256", "typ": "JWT"}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0"})`,
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhIn0.qBdA9L_PTGPhu7ipY7Xs4Eol-m79U_HNIifGEFJXeJQ",
  ],
  [
    'io.jwt.encode_sign_raw(`{"alg":"HS256"}`, `{"sub":"a"}`, `{"kty":"oct","k":"c2VjcmV0"}`)',
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.UUtsUaeO3koQylSZ3wxP4lqVvgFw6mGsVzGNBNF_1sQ",
  ],
  [
    `io.jwt.verify_hs256(io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0"}), "secret")`,
    true,
  ],
  [`io.jwt.encode_sign({"alg": "none"}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0"})`, UNDEFINED],
  [`io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0="})`, UNDEFINED],
  [
    `io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": "c2Vj+mV0"})`,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.I3re2y_OTs4D0PYuM7tPoZZtnimQwmN1-SZdsOL7qjc",
  ],
  [`io.jwt.encode_sign({"alg": "HS999"}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0"})`, UNDEFINED],
  [
    `io.jwt.encode_sign({"alg": "HS256", "crit": ["x"]}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0"})`,
    "eyJhbGciOiJIUzI1NiIsImNyaXQiOlsieCJdfQ.eyJzdWIiOiJhIn0.nCxBssUbpSqVdtIFFAue-6O5UONtEjKuBcUe776JT84",
  ],
  ['io.jwt.encode_sign_raw(`{"alg":"HS256"}`, `not json`, `{"kty":"oct","k":"c2VjcmV0"}`)', UNDEFINED],
  [
    'io.jwt.encode_sign_raw(`{"alg":"HS256"}`, `[1]`, `{"kty":"oct","k":"c2VjcmV0"}`)',
    "eyJhbGciOiJIUzI1NiJ9.WzFd.ynTFibx3DIcriBAdBIdEQAGZd4hGzcmAGvUe5YWZ8iI",
  ],
  [
    `io.jwt.decode(io.jwt.encode_sign({"alg": "HS256", "kid": "k1"}, {"n": 1.5, "s": "é"}, {"kty": "oct", "k": "c2VjcmV0"}))`,
    [
      { alg: "HS256", kid: "k1" },
      { n: 1.5, s: "é" },
      "22e96cdf263ccc5507b37682048774f734dfbd44aa295df473777b96ef5b72c7",
    ],
  ],
  [
    `io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0"})`,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.UUtsUaeO3koQylSZ3wxP4lqVvgFw6mGsVzGNBNF_1sQ",
  ],
  [
    `io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0ZQ=="})`,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.Z079meo10PsJwoKfvxR-XmA2JRtSvl6nFOoGYiMyaik",
  ],
  [
    `io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0ZQ"})`,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.Z079meo10PsJwoKfvxR-XmA2JRtSvl6nFOoGYiMyaik",
  ],
  [
    `io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": "c2Vj/mV0ZQ=="})`,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.z9b9XWX-Pa35Jch4iaafCEkd8-9PbURDmjwCRzMfDBA",
  ],
  [`io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": "c2VjcmV0Z"})`, UNDEFINED],
  [
    `io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": "c2Vj_mV0"})`,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.iU2Af8_l4ILxlXIgSDtk_o4Lb4KafLbcbt9XM05ghdw",
  ],
  [`io.jwt.encode_sign({"alg": "HS256"}, {"sub": "a"}, {"kty": "oct", "k": ""})`, UNDEFINED],
  // RFC 7518 algorithms: each verify_* checks its own algorithm and key type
  [
    `io.jwt.verify_rs256("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.JW29XUAIGeKuji7ga9qCEcUTZ7VzFzHvUirtiH7RNq8V-aEP2KEyMsskw-NS8UsgPPNI9oeUmdweb2_D5Zm5enKkXtras7KJdnHbVc_CwJeLRTsaS5A1Tjhp_a2SsNMN-euuN6bCHYppH5UAWYlDQDZx2EV1-FQENxFp7S3BEuyXWXcHHRcYW732L0zVwvX4p0oMc3D83ISyYDCR12R6YPg9hAj30dmCJzGDxBwiJ5GtuoMdWqIRk1Xrb1I2nRrIcH0Etc9tuME1gkxc9GrmWzYF3xCZ3pBzOloYCp9vVE05CWhS0RhnrR8G_ORWX2GIJKO2FJWkBO83rlVGLAaeVA", "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n")`,
    true,
  ],
  [
    `io.jwt.verify_rs256("eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.ca_140tm7zW574XJ-lLDVVD1Lyr15xXeCrIJpc_bCJPmI0KEVEXbWCX1sivEFeF0Pdq-yt9wlngL8RktxpsTzymC871rZLwKu9Lmtf0t-D_iIkdfFTdl_4FkypttbsRDdq1vkp7iIF3SW97GjtasWswmUaabg5iguuTXY-JQxRIRKoaij3-6uJUhvFieRkW3Bc1lLQK4Y2H_vuPz3GPgAPcvTPIfvMvYoOVN9RWsUv60DM1kgJe5KvSDlhp9njd_XgUZgl4H2SlrTS30iuvv9pTsUxHK8DFpCEuKy8GKyOyQApmIfe6Cdd4PXEqv18GHxYzDkRWEJ0SwD9l6pXP0wQ", "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n")`,
    false,
  ],
  [
    `io.jwt.verify_rs512("eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.b1taoJG3x-RaFLd30MWkeH3gm1yIvTz73qlDwqKyfhO1wH9TL49FhxRbOMhA3Fv3AQQATmJa2PckOw-4SDO9AH33B2XNmY0lVGi3dkTxxvysP6IoPpHC8JCxc8ISstcD0T2sh-IcbaldYghOc14Xc4C6W_XZAC8buzoOc32imAv8XwUsEy1PbZoGpDLk7eCZDoUt4LGjUv_39CYk9-cVNl5sglM9ec_negU6xqlCHT2TihLC0X2j_EOIk7AJW3_rG4NKQNmU4qD-u5ybtf6SgSh3sDm5CysD0BTC_ub01nmRFpaIqjGBAMd19WhvDGfNCyK2UzJnhzbD27ZJMS8zqg", "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n")`,
    true,
  ],
  [
    `io.jwt.verify_rs256("eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.b1taoJG3x-RaFLd30MWkeH3gm1yIvTz73qlDwqKyfhO1wH9TL49FhxRbOMhA3Fv3AQQATmJa2PckOw-4SDO9AH33B2XNmY0lVGi3dkTxxvysP6IoPpHC8JCxc8ISstcD0T2sh-IcbaldYghOc14Xc4C6W_XZAC8buzoOc32imAv8XwUsEy1PbZoGpDLk7eCZDoUt4LGjUv_39CYk9-cVNl5sglM9ec_negU6xqlCHT2TihLC0X2j_EOIk7AJW3_rG4NKQNmU4qD-u5ybtf6SgSh3sDm5CysD0BTC_ub01nmRFpaIqjGBAMd19WhvDGfNCyK2UzJnhzbD27ZJMS8zqg", "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n")`,
    false,
  ],
  [
    `io.jwt.verify_ps256("eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.ca_140tm7zW574XJ-lLDVVD1Lyr15xXeCrIJpc_bCJPmI0KEVEXbWCX1sivEFeF0Pdq-yt9wlngL8RktxpsTzymC871rZLwKu9Lmtf0t-D_iIkdfFTdl_4FkypttbsRDdq1vkp7iIF3SW97GjtasWswmUaabg5iguuTXY-JQxRIRKoaij3-6uJUhvFieRkW3Bc1lLQK4Y2H_vuPz3GPgAPcvTPIfvMvYoOVN9RWsUv60DM1kgJe5KvSDlhp9njd_XgUZgl4H2SlrTS30iuvv9pTsUxHK8DFpCEuKy8GKyOyQApmIfe6Cdd4PXEqv18GHxYzDkRWEJ0SwD9l6pXP0wQ", "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n")`,
    true,
  ],
  [
    `io.jwt.verify_ps256("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.JW29XUAIGeKuji7ga9qCEcUTZ7VzFzHvUirtiH7RNq8V-aEP2KEyMsskw-NS8UsgPPNI9oeUmdweb2_D5Zm5enKkXtras7KJdnHbVc_CwJeLRTsaS5A1Tjhp_a2SsNMN-euuN6bCHYppH5UAWYlDQDZx2EV1-FQENxFp7S3BEuyXWXcHHRcYW732L0zVwvX4p0oMc3D83ISyYDCR12R6YPg9hAj30dmCJzGDxBwiJ5GtuoMdWqIRk1Xrb1I2nRrIcH0Etc9tuME1gkxc9GrmWzYF3xCZ3pBzOloYCp9vVE05CWhS0RhnrR8G_ORWX2GIJKO2FJWkBO83rlVGLAaeVA", "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n")`,
    false,
  ],
  [
    `io.jwt.verify_es256("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.gsI7b9FzZ6T4upYSqsovW0JyJcgjckHxvbEpEjGnGRs2ftyMNYKqW4TaEhne4nL5NcSyPqzLmEkd5hcz2e8jsw", "-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKL9J2uF1RhE9szem6v9RBB9dHBtS\\n1+VelmO1K41OMREVs17YVHvweCsr3IRCL+bj0q1tkA/ncaD2l9dt814CuA==\\n-----END PUBLIC KEY-----\\n")`,
    true,
  ],
  [
    `io.jwt.verify_es256("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.MEYCIQC3VVslPjijd4V8PsHKpDFvgedm4o-h_isb7H_H19fH3AIhAKabWL6JIIDjuUmlw4a1AwH_mfqE5nYEkWbUnhuqi-0u", "-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKL9J2uF1RhE9szem6v9RBB9dHBtS\\n1+VelmO1K41OMREVs17YVHvweCsr3IRCL+bj0q1tkA/ncaD2l9dt814CuA==\\n-----END PUBLIC KEY-----\\n")`,
    false,
  ],
  [
    `io.jwt.verify_es256("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.gsI7b9FzZ6T4upYSqsovW0JyJcgjckHxvbEpEjGnGRs2ftyMNYKqW4TaEhne4nL5NcSyPqzLmEkd5hcz2e8jsw", "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n")`,
    false,
  ],
  [
    `io.jwt.verify_rs256("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.JW29XUAIGeKuji7ga9qCEcUTZ7VzFzHvUirtiH7RNq8V-aEP2KEyMsskw-NS8UsgPPNI9oeUmdweb2_D5Zm5enKkXtras7KJdnHbVc_CwJeLRTsaS5A1Tjhp_a2SsNMN-euuN6bCHYppH5UAWYlDQDZx2EV1-FQENxFp7S3BEuyXWXcHHRcYW732L0zVwvX4p0oMc3D83ISyYDCR12R6YPg9hAj30dmCJzGDxBwiJ5GtuoMdWqIRk1Xrb1I2nRrIcH0Etc9tuME1gkxc9GrmWzYF3xCZ3pBzOloYCp9vVE05CWhS0RhnrR8G_ORWX2GIJKO2FJWkBO83rlVGLAaeVA", "-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKL9J2uF1RhE9szem6v9RBB9dHBtS\\n1+VelmO1K41OMREVs17YVHvweCsr3IRCL+bj0q1tkA/ncaD2l9dt814CuA==\\n-----END PUBLIC KEY-----\\n")`,
    false,
  ],
  [
    `io.jwt.verify_eddsa("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.6Coohtj35FV1dOzWXus6JYpxBmTonfHO3HI3Qf4KqrPDtJ61wQ0c1JFY31XWHzF34qwX5hipt0T41-3Y_1lOBQ", "-----BEGIN PUBLIC KEY-----\\nMCowBQYDK2VwAyEATp0QLsDL7UYAzDhDKy6xz56AAcvfM/qVAhMj3vEoO1A=\\n-----END PUBLIC KEY-----\\n")`,
    true,
  ],
  [
    `io.jwt.verify_eddsa("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.gsI7b9FzZ6T4upYSqsovW0JyJcgjckHxvbEpEjGnGRs2ftyMNYKqW4TaEhne4nL5NcSyPqzLmEkd5hcz2e8jsw", "-----BEGIN PUBLIC KEY-----\\nMCowBQYDK2VwAyEATp0QLsDL7UYAzDhDKy6xz56AAcvfM/qVAhMj3vEoO1A=\\n-----END PUBLIC KEY-----\\n")`,
    false,
  ],
  [
    `io.jwt.verify_rs256("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.JW29XUAIGeKuji7ga9qCEcUTZ7VzFzHvUirtiH7RNq8V-aEP2KEyMsskw-NS8UsgPPNI9oeUmdweb2_D5Zm5enKkXtras7KJdnHbVc_CwJeLRTsaS5A1Tjhp_a2SsNMN-euuN6bCHYppH5UAWYlDQDZx2EV1-FQENxFp7S3BEuyXWXcHHRcYW732L0zVwvX4p0oMc3D83ISyYDCR12R6YPg9hAj30dmCJzGDxBwiJ5GtuoMdWqIRk1Xrb1I2nRrIcH0Etc9tuME1gkxc9GrmWzYF3xCZ3pBzOloYCp9vVE05CWhS0RhnrR8G_ORWX2GIJKO2FJWkBO83rlVGLAaeVA", "{\\"kty\\":\\"RSA\\",\\"n\\":\\"qdI-JsYh1FT_R13MgGe0vEXC8D23021fNEdf2o8WDrf3yBAMUj_uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXnu2n9TlFnkkhuaVMokD760nRZi-JU3FWhNUwqPEZKk7HO7hqk3l4-pyiAMPleSxOICc59Kfkd_HDsqyS-HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5ctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G_5lPnlmsSSAXsEs11mpOx2khryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTAgQ\\",\\"e\\":\\"AQAB\\"}")`,
    true,
  ],
  [
    `io.jwt.verify_rs256("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsyIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.fGCfMYxThjvk5ouXrdzVAktkl3WT-PE98AwT68BkUrddl6T2mClY95djNFdi5Qbjt-o17a3QORu7DxBYaepC3uGHnXtqiWHQB-p6g5U8NacP3nrJrB2thkS5p5AhUFuOOPyJKv_4g7OZhFjn1LBl2JinYqhPx6CDeCQrRaHFDZg1St7w0JO_dMrQ8c1vu7I3hucgb8EF_1jBGhCDbOBQny3STso4xhLEyugxVVnQBCIMYvTVFXozYbRdHGFCre1IhFvfaz6XhmPZvB22B5ibcanK-IQ6Va0ATYIZ-BC0hCqVJ5Gx_GWoA8OFyy_4NoHZ6lGCaIxaRjUccLK-3cRX_g", "{\\"keys\\":[{\\"kty\\":\\"EC\\",\\"x\\":\\"KL9J2uF1RhE9szem6v9RBB9dHBtS1-VelmO1K41OMRE\\",\\"y\\":\\"FbNe2FR78HgrK9yEQi_m49KtbZAP53Gg9pfXbfNeArg\\",\\"crv\\":\\"P-256\\",\\"kid\\":\\"k1\\"},{\\"kty\\":\\"RSA\\",\\"n\\":\\"qdI-JsYh1FT_R13MgGe0vEXC8D23021fNEdf2o8WDrf3yBAMUj_uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXnu2n9TlFnkkhuaVMokD760nRZi-JU3FWhNUwqPEZKk7HO7hqk3l4-pyiAMPleSxOICc59Kfkd_HDsqyS-HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5ctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G_5lPnlmsSSAXsEs11mpOx2khryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTAgQ\\",\\"e\\":\\"AQAB\\",\\"kid\\":\\"k2\\"}]}")`,
    true,
  ],
  [
    `io.jwt.verify_es256("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.gsI7b9FzZ6T4upYSqsovW0JyJcgjckHxvbEpEjGnGRs2ftyMNYKqW4TaEhne4nL5NcSyPqzLmEkd5hcz2e8jsw", "{\\"keys\\":[{\\"kty\\":\\"EC\\",\\"x\\":\\"KL9J2uF1RhE9szem6v9RBB9dHBtS1-VelmO1K41OMRE\\",\\"y\\":\\"FbNe2FR78HgrK9yEQi_m49KtbZAP53Gg9pfXbfNeArg\\",\\"crv\\":\\"P-256\\",\\"kid\\":\\"k1\\"},{\\"kty\\":\\"RSA\\",\\"n\\":\\"qdI-JsYh1FT_R13MgGe0vEXC8D23021fNEdf2o8WDrf3yBAMUj_uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXnu2n9TlFnkkhuaVMokD760nRZi-JU3FWhNUwqPEZKk7HO7hqk3l4-pyiAMPleSxOICc59Kfkd_HDsqyS-HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5ctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G_5lPnlmsSSAXsEs11mpOx2khryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTAgQ\\",\\"e\\":\\"AQAB\\",\\"kid\\":\\"k2\\"}]}")`,
    true,
  ],
  // RFC 8725 section 2.1 (algorithm confusion): verify_hs256 takes the PEM text as an HMAC secret, but decode_verify with a cert refuses an HS256 token
  [
    `io.jwt.verify_hs256("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.VuNCdWE1mv1Ur44fmNcy0XpO84AWlFgqyfqmjWU-688", "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n")`,
    true,
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.VuNCdWE1mv1Ur44fmNcy0XpO84AWlFgqyfqmjWU-688", {"cert": "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  // decode_verify: the header's alg picks the check; cert as PEM, JWK or JWKS; crit
  [
    `io.jwt.decode_verify("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.JW29XUAIGeKuji7ga9qCEcUTZ7VzFzHvUirtiH7RNq8V-aEP2KEyMsskw-NS8UsgPPNI9oeUmdweb2_D5Zm5enKkXtras7KJdnHbVc_CwJeLRTsaS5A1Tjhp_a2SsNMN-euuN6bCHYppH5UAWYlDQDZx2EV1-FQENxFp7S3BEuyXWXcHHRcYW732L0zVwvX4p0oMc3D83ISyYDCR12R6YPg9hAj30dmCJzGDxBwiJ5GtuoMdWqIRk1Xrb1I2nRrIcH0Etc9tuME1gkxc9GrmWzYF3xCZ3pBzOloYCp9vVE05CWhS0RhnrR8G_ORWX2GIJKO2FJWkBO83rlVGLAaeVA", {"cert": "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n", "time": 1577836800000000000})`,
    [true, { alg: "RS256" }, { exp: 4102444800, sub: "alice" }],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.ca_140tm7zW574XJ-lLDVVD1Lyr15xXeCrIJpc_bCJPmI0KEVEXbWCX1sivEFeF0Pdq-yt9wlngL8RktxpsTzymC871rZLwKu9Lmtf0t-D_iIkdfFTdl_4FkypttbsRDdq1vkp7iIF3SW97GjtasWswmUaabg5iguuTXY-JQxRIRKoaij3-6uJUhvFieRkW3Bc1lLQK4Y2H_vuPz3GPgAPcvTPIfvMvYoOVN9RWsUv60DM1kgJe5KvSDlhp9njd_XgUZgl4H2SlrTS30iuvv9pTsUxHK8DFpCEuKy8GKyOyQApmIfe6Cdd4PXEqv18GHxYzDkRWEJ0SwD9l6pXP0wQ", {"cert": "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n", "time": 1577836800000000000})`,
    [true, { alg: "PS256" }, { exp: 4102444800, sub: "alice" }],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.gsI7b9FzZ6T4upYSqsovW0JyJcgjckHxvbEpEjGnGRs2ftyMNYKqW4TaEhne4nL5NcSyPqzLmEkd5hcz2e8jsw", {"cert": "-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKL9J2uF1RhE9szem6v9RBB9dHBtS\\n1+VelmO1K41OMREVs17YVHvweCsr3IRCL+bj0q1tkA/ncaD2l9dt814CuA==\\n-----END PUBLIC KEY-----\\n", "time": 1577836800000000000})`,
    [true, { alg: "ES256" }, { exp: 4102444800, sub: "alice" }],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.gsI7b9FzZ6T4upYSqsovW0JyJcgjckHxvbEpEjGnGRs2ftyMNYKqW4TaEhne4nL5NcSyPqzLmEkd5hcz2e8jsw", {"cert": "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsyIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.fGCfMYxThjvk5ouXrdzVAktkl3WT-PE98AwT68BkUrddl6T2mClY95djNFdi5Qbjt-o17a3QORu7DxBYaepC3uGHnXtqiWHQB-p6g5U8NacP3nrJrB2thkS5p5AhUFuOOPyJKv_4g7OZhFjn1LBl2JinYqhPx6CDeCQrRaHFDZg1St7w0JO_dMrQ8c1vu7I3hucgb8EF_1jBGhCDbOBQny3STso4xhLEyugxVVnQBCIMYvTVFXozYbRdHGFCre1IhFvfaz6XhmPZvB22B5ibcanK-IQ6Va0ATYIZ-BC0hCqVJ5Gx_GWoA8OFyy_4NoHZ6lGCaIxaRjUccLK-3cRX_g", {"cert": "{\\"keys\\":[{\\"kty\\":\\"EC\\",\\"x\\":\\"KL9J2uF1RhE9szem6v9RBB9dHBtS1-VelmO1K41OMRE\\",\\"y\\":\\"FbNe2FR78HgrK9yEQi_m49KtbZAP53Gg9pfXbfNeArg\\",\\"crv\\":\\"P-256\\",\\"kid\\":\\"k1\\"},{\\"kty\\":\\"RSA\\",\\"n\\":\\"qdI-JsYh1FT_R13MgGe0vEXC8D23021fNEdf2o8WDrf3yBAMUj_uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXnu2n9TlFnkkhuaVMokD760nRZi-JU3FWhNUwqPEZKk7HO7hqk3l4-pyiAMPleSxOICc59Kfkd_HDsqyS-HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5ctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G_5lPnlmsSSAXsEs11mpOx2khryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTAgQ\\",\\"e\\":\\"AQAB\\",\\"kid\\":\\"k2\\"}]}", "time": 1577836800000000000})`,
    [true, { alg: "RS256", kid: "k2" }, { exp: 4102444800, sub: "alice" }],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.JW29XUAIGeKuji7ga9qCEcUTZ7VzFzHvUirtiH7RNq8V-aEP2KEyMsskw-NS8UsgPPNI9oeUmdweb2_D5Zm5enKkXtras7KJdnHbVc_CwJeLRTsaS5A1Tjhp_a2SsNMN-euuN6bCHYppH5UAWYlDQDZx2EV1-FQENxFp7S3BEuyXWXcHHRcYW732L0zVwvX4p0oMc3D83ISyYDCR12R6YPg9hAj30dmCJzGDxBwiJ5GtuoMdWqIRk1Xrb1I2nRrIcH0Etc9tuME1gkxc9GrmWzYF3xCZ3pBzOloYCp9vVE05CWhS0RhnrR8G_ORWX2GIJKO2FJWkBO83rlVGLAaeVA", {"cert": "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n", "alg": "RS512", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.JW29XUAIGeKuji7ga9qCEcUTZ7VzFzHvUirtiH7RNq8V-aEP2KEyMsskw-NS8UsgPPNI9oeUmdweb2_D5Zm5enKkXtras7KJdnHbVc_CwJeLRTsaS5A1Tjhp_a2SsNMN-euuN6bCHYppH5UAWYlDQDZx2EV1-FQENxFp7S3BEuyXWXcHHRcYW732L0zVwvX4p0oMc3D83ISyYDCR12R6YPg9hAj30dmCJzGDxBwiJ5GtuoMdWqIRk1Xrb1I2nRrIcH0Etc9tuME1gkxc9GrmWzYF3xCZ3pBzOloYCp9vVE05CWhS0RhnrR8G_ORWX2GIJKO2FJWkBO83rlVGLAaeVA", {"cert": "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n", "alg": "RS256", "time": 1577836800000000000})`,
    [true, { alg: "RS256" }, { exp: 4102444800, sub: "alice" }],
  ],
  // OPA departs from RFC 7515 4.1.11 here: with an RSA cert a crit header is not checked (the HMAC path above rejects it)
  [
    `io.jwt.decode_verify("eyJhbGciOiJSUzI1NiIsImNyaXQiOlsiZXhwIl19.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.lsuVH5ROzXi1gVCEHX61qu3YVleKowGHrreJrm9v9_BBf1nb720qJuHKrWDTa5EUvGDvphAxj4NlHAXy1ObMTyNkNckK_1dMS6ySL-XIRgjTjdBjGtdBKerW1iB-Fm0JVdabDibqzLbCnU-TZjq6Afh46h28b8Ju9IRcanotYnjqqkWxzTs79bxG423TAJDeWeXBxL8dkG0YVjAQ74j3CuzN_8bP-Wf9F4N3lmCNDrbns3hbaeAtYZHTwHzfsf8ewEXu7fPImlAweKHURhc9HOR9_Pa1Du0iirB-uFbXb0tu6mAu5WjpU2fu9A6bC4TcUyBB-BN2rN75QiLo8gXAvw", {"cert": "-----BEGIN PUBLIC KEY-----\\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqdI+JsYh1FT/R13MgGe0\\nvEXC8D23021fNEdf2o8WDrf3yBAMUj/uDmD5jy3ZcW31MaGAruJq2Nz7yLg6KeXn\\nu2n9TlFnkkhuaVMokD760nRZi+JU3FWhNUwqPEZKk7HO7hqk3l4+pyiAMPleSxOI\\nCc59Kfkd/HDsqyS+HSD7O9ORAnzaYkYdSAUlGgcpAPCbCUVCj1T33Ll4AbEeZUU5\\nctGuxKI0uw25l687mDddw9dLDy037A6CchyDxgW8G/5lPnlmsSSAXsEs11mpOx2k\\nhryuk7vuMPlkXqawP4doFz2qYjq51Aa7yOHNxla71HljuE4NdupysaPu5iprdWTA\\ngQIDAQAB\\n-----END PUBLIC KEY-----\\n", "time": 1577836800000000000})`,
    [true, { alg: "RS256", crit: ["exp"] }, { exp: 4102444800, sub: "alice" }],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.6Coohtj35FV1dOzWXus6JYpxBmTonfHO3HI3Qf4KqrPDtJ61wQ0c1JFY31XWHzF34qwX5hipt0T41-3Y_1lOBQ", {"cert": "-----BEGIN PUBLIC KEY-----\\nMCowBQYDK2VwAyEATp0QLsDL7UYAzDhDKy6xz56AAcvfM/qVAhMj3vEoO1A=\\n-----END PUBLIC KEY-----\\n", "time": 1577836800000000000})`,
    [true, { alg: "EdDSA" }, { exp: 4102444800, sub: "alice" }],
  ],
  [
    `io.jwt.decode_verify("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.JW29XUAIGeKuji7ga9qCEcUTZ7VzFzHvUirtiH7RNq8V-aEP2KEyMsskw-NS8UsgPPNI9oeUmdweb2_D5Zm5enKkXtras7KJdnHbVc_CwJeLRTsaS5A1Tjhp_a2SsNMN-euuN6bCHYppH5UAWYlDQDZx2EV1-FQENxFp7S3BEuyXWXcHHRcYW732L0zVwvX4p0oMc3D83ISyYDCR12R6YPg9hAj30dmCJzGDxBwiJ5GtuoMdWqIRk1Xrb1I2nRrIcH0Etc9tuME1gkxc9GrmWzYF3xCZ3pBzOloYCp9vVE05CWhS0RhnrR8G_ORWX2GIJKO2FJWkBO83rlVGLAaeVA", {"secret": "x", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
];

describe("JWT/JWS builtins against RFC 7515 (JWS), RFC 7518 (algorithms) and RFC 7519 (JWT)", () => {
  test.each(CASES)("%s", (expr, want) => {
    expect(evalExpr(expr)).toEqual(want);
  });
});
