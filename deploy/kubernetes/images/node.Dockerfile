# c512k on Node 26: the server (`serve`) and the client (`client`), one image.
# Build from the repository's root: docker build -f deploy/kubernetes/images/node.Dockerfile -t c512k:node .
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build && npm prune --omit=dev && rm -rf runtimes/node_modules

FROM node:26-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENTRYPOINT ["sh", "bin/c512k"]
CMD ["serve", "--runtime", "node"]
