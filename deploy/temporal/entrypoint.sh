#!/bin/sh
# Sets up (or upgrades) the schema with the server's own SQL tool, starts the server,
# and makes sure the "default" namespace exists, as the official auto-setup image does.
set -eu
: "${DB_HOST:=postgresql}" "${DB_PORT:=5432}" "${DB_USER:=temporal}" "${DB_PASSWORD:?set DB_PASSWORD}"
: "${DEFAULT_NAMESPACE:=default}" "${NAMESPACE_RETENTION:=259200s}"
export DB_HOST DB_PORT DB_USER DB_PASSWORD
schema=/etc/temporal/schema/postgresql/v12

until nc -w 2 "$DB_HOST" "$DB_PORT" </dev/null >/dev/null 2>&1; do echo "waiting for $DB_HOST:$DB_PORT"; sleep 1; done
sql() { temporal-sql-tool --plugin postgres12 --ep "$DB_HOST" -p "$DB_PORT" -u "$DB_USER" --pw "$DB_PASSWORD" "$@"; }
for db in temporal temporal_visibility; do
  sql --db "$db" create-database 2>/dev/null || true            # exists after the first start
  sql --db "$db" setup-schema -v 0.0 2>/dev/null || true         # ditto: the version table exists
done
sql --db temporal update-schema -d "$schema/temporal/versioned"
sql --db temporal_visibility update-schema -d "$schema/visibility/versioned"

temporal-server --root / --config etc/temporal/config --env docker --allow-no-auth start &
server=$!
trap 'kill -TERM $server' TERM INT
until nc -w 2 127.0.0.1 7243 </dev/null >/dev/null 2>&1; do sleep 1; done
# The HTTP API of the frontend: register the namespace once (a conflict means it exists).
until wget -qO- "http://127.0.0.1:7243/api/v1/namespaces/$DEFAULT_NAMESPACE" >/dev/null 2>&1; do
  wget -qO- --header 'Content-Type: application/json' \
    --post-data "{\"namespace\":\"$DEFAULT_NAMESPACE\",\"workflowExecutionRetentionPeriod\":\"$NAMESPACE_RETENTION\"}" \
    http://127.0.0.1:7243/api/v1/namespaces >/dev/null 2>&1 || sleep 1
done
echo "namespace $DEFAULT_NAMESPACE ready"
wait $server
