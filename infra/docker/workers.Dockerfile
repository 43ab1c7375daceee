# adt-stream workers (queue -> Kafka) and the topic-admin deploy step, for ECS Fargate.
# Build from the repository root:
#   docker build -f infra/docker/workers.Dockerfile -t adt-stream-workers:<version> .
# Default command runs the workers; the TopicAdminTask overrides it with
# `tsx infra/aws/admin/create-topics.ts`. Non-root, read-only root file system, /tmp writable.
ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ARG TSX_VERSION=4.23.15
ENV NODE_ENV=production \
    METRICS_PORT=9464 \
    VENDOR_PROFILES=/app/config/vendors.json
RUN npm install -g --no-audit --no-fund "tsx@${TSX_VERSION}" && npm cache clean --force
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY shared ./shared
COPY workers ./workers
COPY config ./config
COPY infra/aws/admin/create-topics.ts ./infra/aws/admin/create-topics.ts
USER node
EXPOSE 9464
STOPSIGNAL SIGTERM
CMD ["tsx", "workers/main.ts"]
