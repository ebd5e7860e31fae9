# c512k on Deno: the server (`serve`) and the client (`client`), one image.
# Build from the repository's root: docker build -f deploy/kubernetes/images/deno.Dockerfile -t c512k:deno .
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build && npm prune --omit=dev && rm -rf runtimes/node_modules

FROM denoland/deno:debian-2.9.6
WORKDIR /app
COPY --from=build /app /app
ENTRYPOINT ["sh", "bin/c512k"]
CMD ["serve", "--runtime", "deno"]
