# One image for the gateway, the worker and the bundled model server; docker-compose.yml picks the
# entry point with `command`. Build: docker build -t nightshift .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY protos ./protos
COPY models ./models
# npm run build: tsc, then the workflow bundle (lib/workflow-bundle.js) the worker loads at start.
RUN node node_modules/typescript/bin/tsc -p . \
 && node lib/src/worker/bundleWorkflows.js \
 && node lib/src/model-server/generateModels.js

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Workers load lib/workflow-bundle.js (built above), so they run no webpack at start.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/lib ./lib
COPY --from=build /app/protos ./protos
COPY --from=build /app/models ./models
# The jobs page: static files served as they are (src/gateway/jobsPage.ts reads them from here).
COPY --from=build /app/src/gateway/ui ./src/gateway/ui
USER node
CMD ["node", "lib/src/worker/main.js"]
