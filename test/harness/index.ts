export { natsServer, natsUrl, redisUrl, serviceUrl } from "./env.ts";
