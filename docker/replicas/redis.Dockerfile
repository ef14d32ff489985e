# Redis for the replicated stack (compose.replicas.yaml), from Debian 12's redis-server package
# on the same local debian:bookworm-slim base image as gradtape's (no registry needed).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
COPY redis.conf /etc/redis/gradtape.conf
USER redis
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "/etc/redis/gradtape.conf"]
