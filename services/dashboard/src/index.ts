/* @portcullis/dashboard: a read-only web view of templates, constraints and violations. */

export { type FeedEvent, LiveFeed } from "./feed.ts";
export { escapeHtml } from "./html.ts";
export { buildServer, type DashboardOptions } from "./server.ts";
