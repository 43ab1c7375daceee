# adt-stream edge (HTTPS ingest API) for ECS Fargate. Build from the repository root:
#   docker build -f infra/docker/edge.Dockerfile -t adt-stream-edge:<version> .
# The project runs TypeScript directly with tsx (no build step). Runs as the non-root `node`
# user with a read-only root file system; /tmp is the only writable path (tsx's cache).
ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, exactly as locked; no install scripts run except those npm allows.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ARG TSX_VERSION=4.23.15
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    VENDOR_PROFILES=/app/config/vendors.json
# tsx is a dev dependency of the repository; the image pins the same version globally instead
# of pulling in every dev dependency.
RUN npm install -g --no-audit --no-fund "tsx@${TSX_VERSION}" && npm cache clean --force
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY shared ./shared
COPY edge ./edge
COPY config ./config
USER node
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["tsx", "edge/entries/node.ts"]
