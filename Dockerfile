# The model-lifecycle service: external-task workers, Jira/Slack webhooks, /healthz, /readyz
# and /metrics on PORT (3000). Node 24 runs the TypeScript sources directly (type stripping).
# It needs CAMUNDA_URL: without it the service would try to start a local engine, which this
# image does not contain (see docker-compose.yml for the engine).
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY bpmn ./bpmn
COPY config ./config
COPY src ./src
COPY workers ./workers
USER node
ENV PORT=3000 HOST=0.0.0.0
# The image is for real systems: the local sandbox (sandbox/, standins/) is not in it.
ENV SANDBOX=off
# Measured by `npm run bench -- burst` (README, Benchmark): a smaller young generation and fewer
# glibc arenas keep the RSS near 275 MB with 1,000 lifecycles waiting, instead of 420 MB.
ENV NODE_OPTIONS=--max-semi-space-size=8 MALLOC_ARENA_MAX=2
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "src/main.ts"]
