# Stand-in for redis:7-alpine, for `npm run test:docker`: Debian's redis-server (7.0) on the Debian
# root file system, run as the redis user with its data in /data. Like the public image, it does
# not refuse connections from other containers (protected mode off: see the entry point).
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data \
 && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME ["/data"]
WORKDIR /data
USER redis
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
