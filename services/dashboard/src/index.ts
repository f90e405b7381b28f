/* @portcullis/dashboard: a read-only web view of templates, constraints and violations. */

export { type AuthVerdict, tokenReviewAuth } from "./auth.ts";
export { runsChart } from "./chart.ts";
export { type FeedEvent, LiveFeed } from "./feed.ts";
export { escapeHtml } from "./html.ts";
export { RunHistory, type RunPoint, runPoint } from "./runs.ts";
export { buildServer, type DashboardOptions } from "./server.ts";
