import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@portcullis/audit", include: ["test/**/*.test.ts"], testTimeout: 30000 },
});
