#!/usr/bin/env bash
# Make sure a MariaDB server answers at 127.0.0.1:3306 (root, no password) for the tests:
# install mariadb-server if needed and start it when it is not running.
set -euo pipefail
ping_db() { mariadb-admin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1 \
  || mysqladmin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; }
ping_db && exit 0
sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  echo "installing mariadb-server"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_ apt-get update -qq
  $sudo_ apt-get install -y -qq mariadb-server >/dev/null
fi
echo "starting MariaDB"
$sudo_ mkdir -p /run/mysqld
$sudo_ chown mysql:mysql /run/mysqld 2>/dev/null || true
[ -d /var/lib/mysql/mysql ] || $sudo_ mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
$sudo_ start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
for _ in $(seq 1 60); do
  ping_db && exit 0
  sleep 1
done
echo "MariaDB did not start within 60 s" >&2
exit 1
