import { defineConfig } from "vitest/config";

// One vitest run covers every workspace package; each package/service is its own project.
export default defineConfig({
  test: {
    projects: ["packages/*", "services/*", "test"],
  },
});
