#!/bin/sh
# What the public postgres image does on its first start, as far as the compose file relies on it:
# an empty data directory is initialised with POSTGRES_USER (password POSTGRES_PASSWORD, required)
# and POSTGRES_DB; then the server listens on every address, passwords checked over TCP.
set -eu
if [ "${1:-}" = postgres ]; then
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
      echo 'Error: Database is uninitialized and superuser password is not specified.' >&2
      echo '       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser.' >&2
      exit 1
    fi
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 > /dev/null
    rm -f "$pwfile"
    echo 'host all all all scram-sha-256' >> "$PGDATA/pg_hba.conf"
    if [ "$db" != postgres ]; then
      pg_ctl --silent --wait --options="-c listen_addresses=''" start > /dev/null
      psql --quiet --username="$user" --dbname=postgres --set=ON_ERROR_STOP=1 \
        --command="CREATE DATABASE \"$db\" OWNER \"$user\""
      pg_ctl --silent --wait --mode=fast stop
    fi
    echo "PostgreSQL init process complete; ready for start up."
  fi
  set -- "$@" -c listen_addresses='*'
fi
exec "$@"
