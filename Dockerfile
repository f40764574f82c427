# One image for both halves: the api (the default command) and the workers
# (`node dist/workers/main.js`). Strict mode unless NODE_ENV=development (SPEC §2).

# Build: compile the TypeScript to dist/ with the development dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY src ./src
COPY workers ./workers
COPY scripts ./scripts
RUN npm run build

# Runtime: production dependencies and compiled JavaScript, as the unprivileged node user.
FROM node:24-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# `npm run directory -- …` (the operator's commands) runs the compiled CLI here.
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm pkg set scripts.directory="node dist/scripts/directory.js" \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Liveness: /healthz answers while the process serves. Not /readyz: it also needs a worker
# heart-beat, and an api whose workers are away still accepts events safely (SPEC §3).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini is PID 1: it reaps zombies and passes SIGTERM to node, which is its direct child, so
# `docker stop` runs the graceful shutdown (SHUTDOWN_TIMEOUT_MS). No npm or sh in between.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js", "--api"]
