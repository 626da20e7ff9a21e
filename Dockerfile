# syntax=docker/dockerfile:1
# Multi-stage: dependencies are installed and type-checked in a builder, the runtime image runs as
# a non-root user. Pledge runs its TypeScript through tsx (a runtime dependency), so no emit step.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS check
COPY . .
RUN npm run typecheck && npm run openapi:check

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=check /app/src ./src
COPY --from=check /app/bin ./bin
COPY --from=check /app/openapi ./openapi
COPY --from=check /app/tsconfig.json ./tsconfig.json
RUN mkdir -p /data && chown -R node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "bin/pledge.js", "serve"]
