# c512k on Bun: the server (`serve`) and the client (`client`), one image.
# Build from the repository's root: docker build -f deploy/kubernetes/images/bun.Dockerfile -t c512k:bun .
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build && npm prune --omit=dev && rm -rf runtimes/node_modules

FROM oven/bun:1.4.5-slim
WORKDIR /app
COPY --from=build /app /app
ENTRYPOINT ["sh", "bin/c512k"]
CMD ["serve", "--runtime", "bun"]
