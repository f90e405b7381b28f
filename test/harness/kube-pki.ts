import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CertAndKey {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
}

export interface IssueOptions {
  /** File basename in the CA's directory: writes <name>.crt and <name>.key. */
  name: string;
  commonName: string;
  /** Subject O= values; Kubernetes reads them as the client's groups. */
  organizations?: string[];
  ips?: string[];
  dnsNames?: string[];
  usage: "server" | "client";
}

/** A throwaway CA for one test API server, its webhooks and its clients. */
export interface TestCa extends CertAndKey {
  issue(options: IssueOptions): Promise<CertAndKey>;
}

/* node:crypto cannot write X.509 certificates, so the openssl CLI signs them.
 * EC P-256 keys: generating them is instant, unlike RSA. */
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (error) {
    const err = error as { code?: string; stderr?: string };
    if (err.code === "ENOENT")
      throw new Error("the openssl CLI is not on PATH; the Kubernetes test harness needs it");
    throw new Error(`openssl ${args.join(" ")} failed: ${err.stderr ?? String(error)}`);
  }
}

async function readPair(certPath: string, keyPath: string): Promise<CertAndKey> {
  const [certPem, keyPem] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
  return { certPem, keyPem, certPath, keyPath };
}

/** Subject fields may not contain "/" or "\" in openssl's -subj syntax. */
function subjectValue(value: string): string {
  if (/[/\\]/.test(value))
    throw new Error(`certificate subject value ${JSON.stringify(value)} contains / or \\`);
  return value;
}

export async function createTestCa(dir: string): Promise<TestCa> {
  const certPath = join(dir, "ca.crt");
  const keyPath = join(dir, "ca.key");
  // biome-ignore format: flag/value pairs read better on one line
  await openssl([
    "req", "-x509", "-new", ...EC_KEY, "-days", "7",
    "-subj", "/CN=portcullis-test-ca",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout", keyPath, "-out", certPath,
  ]);
  const ca = await readPair(certPath, keyPath);

  const issue = async (options: IssueOptions): Promise<CertAndKey> => {
    const leafCert = join(dir, `${options.name}.crt`);
    const leafKey = join(dir, `${options.name}.key`);
    const subject =
      (options.organizations ?? []).map((o) => `/O=${subjectValue(o)}`).join("") +
      `/CN=${subjectValue(options.commonName)}`;
    const sans = [
      ...(options.ips ?? []).map((ip) => `IP:${ip}`),
      ...(options.dnsNames ?? []).map((d) => `DNS:${d}`),
    ];
    // biome-ignore format: flag/value pairs read better on one line
    const args = [
      "req", "-x509", "-new", ...EC_KEY, "-days", "7",
      "-CA", certPath, "-CAkey", keyPath,
      "-subj", subject,
      "-addext", "basicConstraints=critical,CA:FALSE",
      "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
      "-addext", `extendedKeyUsage=${options.usage === "server" ? "serverAuth" : "clientAuth"}`,
      "-keyout", leafKey, "-out", leafCert,
    ];
    if (sans.length > 0) args.push("-addext", `subjectAltName=${sans.join(",")}`);
    await openssl(args);
    return readPair(leafCert, leafKey);
  };

  return { ...ca, issue };
}

/** The key pair kube-apiserver signs and verifies service-account tokens with. */
export async function writeServiceAccountKeys(
  dir: string,
): Promise<{ publicKeyPath: string; privateKeyPath: string }> {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const publicKeyPath = join(dir, "sa.pub");
  const privateKeyPath = join(dir, "sa.key");
  await writeFile(publicKeyPath, publicKey.export({ type: "spki", format: "pem" }));
  await writeFile(privateKeyPath, privateKey.export({ type: "sec1", format: "pem" }), { mode: 0o600 });
  return { publicKeyPath, privateKeyPath };
}
