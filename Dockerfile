# ts-sentinel container image.
#
#   docker build -t ts-sentinel .
#   docker run -v sentinel-data:/data -e MASTER_HOST=10.0.0.5 ts-sentinel
#
# With -p port mapping, also set ANNOUNCE_IP/ANNOUNCE_PORT to the address and
# port the other sentinels reach this one at (docker/sentinel.conf lists all
# variables). Extra directives go after the image name: --sentinel ... .
#
# The config lives in the /data volume: the sentinel rewrites it (its ID,
# epochs, replicas and peers), so it must survive container replacement.
# docker/entrypoint.sh writes it from docker/sentinel.conf on first start.

# --- build: compiles TypeScript with the dev dependencies ---------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Lock files first, so the dependency layer is reused while only src/ changes.
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and compiled code only ------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Installed afresh rather than copied from the build stage, whose node_modules
# holds the compiler, test tools and their transitive dependencies.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY sentinel.conf.example ./
COPY docker/entrypoint.sh docker/sentinel.conf ./docker/
# The volume takes this ownership when Docker first populates it.
RUN mkdir /data && chown node:node /data
VOLUME /data
# Relative paths in the config (logfile, scripts) resolve from here.
WORKDIR /data
USER node
EXPOSE 26379
# The daemon flushes its config and exits 0 on SIGTERM.
STOPSIGNAL SIGTERM
# The image has no redis-cli: the daemon's own client PINGs 127.0.0.1:26379
# (add --port N here if the config listens elsewhere).
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "/app/dist/cli.js", "--healthcheck"]
# Exec form and `exec` in the script: node runs as PID 1 and gets SIGTERM.
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["node", "/app/dist/cli.js", "/data/sentinel.conf"]
