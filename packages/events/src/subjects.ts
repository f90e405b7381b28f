/*
 * Subjects of the event stream. Everything lives under one prefix
 * ("portcullis" by default) so one stream (`<prefix>.>`) holds it all and an
 * install, or a test, can use its own prefix on a shared NATS.
 */

export const DEFAULT_PREFIX = "portcullis";

/**
 * A subject token from a Kubernetes name or kind. NATS tokens cannot contain
 * "." (the separator), wildcards or whitespace; constraint names may contain
 * dots (DNS subdomains), so those become "_". Names are unique per kind, and
 * the full name is in the event body either way.
 */
export function subjectToken(s: string): string {
  const t = s.replace(/[.*>\s]/g, "_");
  return t === "" ? "_" : t;
}

export interface Subjects {
  prefix: string;
  /** `<prefix>.violations.admission.<constraintKind>.<constraintName>` */
  admission(constraintKind: string, constraintName: string): string;
  /** `<prefix>.violations.audit.<constraintKind>.<constraintName>` */
  audit(constraintKind: string, constraintName: string): string;
  /** `<prefix>.audit.runs`: one AuditRunSummary per finished run. */
  auditRuns: string;
  /** `<prefix>.audit.errors`: AuditErrorEvent. */
  auditErrors: string;
  /** Wildcards for subscribers. */
  allAdmission: string;
  allAudit: string;
  allViolations: string;
  /** `<prefix>.>`: what the stream captures. */
  all: string;
}

export function subjects(prefix: string = DEFAULT_PREFIX): Subjects {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix))
    throw new Error(`invalid subject prefix ${JSON.stringify(prefix)}`);
  return {
    prefix,
    admission: (k, n) => `${prefix}.violations.admission.${subjectToken(k)}.${subjectToken(n)}`,
    audit: (k, n) => `${prefix}.violations.audit.${subjectToken(k)}.${subjectToken(n)}`,
    auditRuns: `${prefix}.audit.runs`,
    auditErrors: `${prefix}.audit.errors`,
    allAdmission: `${prefix}.violations.admission.>`,
    allAudit: `${prefix}.violations.audit.>`,
    allViolations: `${prefix}.violations.>`,
    all: `${prefix}.>`,
  };
}
