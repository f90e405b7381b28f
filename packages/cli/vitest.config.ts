import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@portcullis/cli", include: ["test/**/*.test.ts"], testTimeout: 60000 },
});
