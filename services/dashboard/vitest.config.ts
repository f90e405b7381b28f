import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@portcullis/dashboard", include: ["test/**/*.test.ts"], testTimeout: 30000 },
});
