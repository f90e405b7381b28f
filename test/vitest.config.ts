import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@portcullis/testkit", include: ["**/*.test.ts"], testTimeout: 30000 },
});
