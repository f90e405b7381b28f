import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@portcullis/events", include: ["test/**/*.test.ts"], testTimeout: 30000 },
});
