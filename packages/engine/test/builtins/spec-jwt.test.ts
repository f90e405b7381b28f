/**
 * JWT/JWS builtins against RFC 7515 (JWS) and RFC 7519 (JWT).
 *
 * base64url without padding (RFC 7515 section 2), alg checks, the crit header
 * (section 4.1.11), registered claims exp/nbf/iss/aud (RFC 7519 section 4.1),
 * signing round trips and JWK oct keys. Tokens were made with HMAC keys
 * "secret"; decode_verify gets a fixed time.
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
  [
    `io.jwt.decode_verify("eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiZm9vIl0sImZvbyI6MX0.eyJzdWIiOiJhbGljZSIsImlzcyI6Im1lIiwiYXVkIjoieW91IiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjEwMDAwMDAwMDB9.dZMfBmeTSWlJhCuk301Zbx_9VSJVO6DsWOf0pLi_mHw", {"secret": "secret", "time": 1577836800000000000})`,
    [false, {}, {}],
  ],
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
];

describe("JWT/JWS builtins against RFC 7515 (JWS) and RFC 7519 (JWT)", () => {
  test.each(CASES)("%s", (expr, want) => {
    expect(evalExpr(expr)).toEqual(want);
  });
});
