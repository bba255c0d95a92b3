# The model-lifecycle service: external-task workers, Jira/Slack webhooks, /healthz, /readyz
# and /metrics on PORT (3000). It runs the compiled JavaScript (npm run build into dist/): Node's
# type stripping, which `npm start` uses, costs about 25 MB of resident memory more.
# It needs CAMUNDA_URL: without it the service would try to start a local engine, which this
# image does not contain (see docker-compose.yml for the engine).

# Compile only: type checking is CI's job (npm run typecheck), and tsconfig.build.json skips it
# (noCheck), so this stage needs src/ and workers/ only, not the sandbox or the tests.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY bpmn ./bpmn
COPY config ./config
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/workers ./dist/workers
USER node
ENV PORT=3000 HOST=0.0.0.0
# The image is for real systems: the local sandbox (sandbox/, standins/) is not in it.
ENV SANDBOX=off
# Memory (README, Operating; measured by `npm run bench -- burst`): a young generation of at most
# 2 x 8 MB instead of V8's 2 x 64 MB on a large host; --expose-gc lets the service give a burst's
# memory back once it is quiet (src/runtime/memory-reducer.ts: V8's own reducer never runs in a
# Node server); two glibc malloc arenas instead of 8 per core.
ENV NODE_OPTIONS="--max-semi-space-size=8 --expose-gc" MALLOC_ARENA_MAX=2
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/main.js"]
