#!/usr/bin/env bash
# Builds the Debian package of the portal with cargo-deb (installed from crates.io when missing) and checks
# its systemd unit with `systemd-analyze verify`: bash packaging/build-deb.sh [--check]
#
# --check also installs the package (dpkg -i), runs the unit's ExecStart and ExecStartPost as the package's
# user with the environment systemd would give it (Environment=, /etc/default/mde), against DATABASE_URL or
# else a throwaway database on TEST_DATABASE_SERVER, shows that it serves, stops it with SIGTERM, then purges
# the package (and removes the mde user if the check created it). Run it as root, on a machine where the
# package is not in use.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
check=no
[ "${1:-}" = --check ] && check=yes

if ! command -v cargo-deb >/dev/null; then
  echo "== cargo install cargo-deb"
  env -u CARGO_TARGET_DIR cargo install cargo-deb --version 3.8.0 --locked --quiet
fi
if ! command -v systemd-analyze >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd
fi

echo "== cargo deb"
# The binary stripped in the package; its debug symbols in mde-dbgsym_*.ddeb beside it (Debian's way).
built=$(cargo deb --quiet --dbgsym --output "$CARGO_TARGET_DIR/debian/")
echo "$built"
deb=$(grep '\.deb$' <<<"$built")
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'
dpkg-deb --contents "$deb" | awk '{print $1, $2, $6}'

echo "== systemd-analyze verify"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
# The unit is verified inside the unpacked package (its ExecStart is the packaged /usr/bin/mde), beside the
# machine's own units (its default dependencies: sysinit.target …). systemd-analyze exits 0 on warnings
# (an unknown key, a value it cannot parse): any message is a failure.
cp -an /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
verify() {
  local out
  out=$(systemd-analyze verify "$@" 2>&1) || { echo "$out"; return 1; }
  [ -z "$out" ] || { echo "$out"; echo "systemd-analyze verify : messages ci-dessus"; return 1; }
}
verify --root="$root" mde@8080.service
echo "mde@8080.service : systemd-analyze verify sans message"
systemd-analyze security --offline=yes --root="$root" mde@8080.service 2>/dev/null | tail -n1 || true

[ "$check" = yes ] || exit 0

echo "== dpkg -i"
had_user=no
getent passwd mde >/dev/null && had_user=yes
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
db_url="${DATABASE_URL:-}"
throwaway=""
if [ -z "$db_url" ]; then
  throwaway="mde_deb_check_$$"
  db_url="$server/$throwaway"
fi
port=18380
pid=""
cleanup() {
  cd /
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  dpkg --purge mde >/dev/null 2>&1 || true
  [ "$had_user" = no ] && getent passwd mde >/dev/null && userdel mde || true
  [ -n "$throwaway" ] && psql -q "$server/postgres" -c "drop database if exists $throwaway with (force)" || true
  rm -rf "$root"
  dpkg -s mde >/dev/null 2>&1 && echo "mde est encore installé" || echo "paquet retiré (dpkg --purge), utilisateur et base de contrôle supprimés"
}
trap cleanup EXIT
dpkg -i "$deb"
verify mde@8080.service
echo "mde@8080.service (installé) : systemd-analyze verify sans message"
id mde
ls -ld /var/lib/mde /etc/default/mde

unit=/usr/lib/systemd/system/mde@.service
line() { sed -n "s/^$1=//p" "$unit" | head -n1 | sed "s/%i/$port/g"; }
exec_start=$(line ExecStart)
exec_post=$(line ExecStartPost)
# The environment systemd gives the service: Environment=, then the settings file (it wins).
environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/lib/mde USER=mde LOGNAME=mde)
while IFS= read -r kv; do environment+=("$kv"); done < <(sed -n 's/^Environment=//p' "$unit")
while IFS= read -r kv; do
  case "$kv" in ''|'#'*) continue ;; esac
  environment+=("$kv")
done </etc/default/mde
environment+=("DATABASE_URL=$db_url")
echo "== ExecStart, as the package's user: $exec_start"
cd /var/lib/mde
# shellcheck disable=SC2086 # the unit's command line, split as systemd splits it (no quoting in it)
runuser -u mde -- env -i "${environment[@]}" $exec_start >/tmp/mde-deb-check.log 2>&1 &
pid=$!
echo "== ExecStartPost: $exec_post"
# shellcheck disable=SC2086
runuser -u mde -- env -i "${environment[@]}" $exec_post
ps -o user=,pid=,args= -p "$(pgrep -P "$pid" -x mde || echo "$pid")"
code=$(curl -s -o /tmp/mde-deb-check.html -w '%{http_code}' "http://127.0.0.1:$port/connexion")
title=$(grep -o '<title>[^<]*' /tmp/mde-deb-check.html | head -n1 | sed 's/<title>//')
echo "GET /connexion → $code « $title »"
# An account made with the packaged binary, as the package's user, signs in: the cookie is Secure
# (MDE_SECURE_COOKIES=true in /etc/default/mde).
echo "une phrase de passe du paquet" | runuser -u mde -- env -i "${environment[@]}" /usr/bin/mde user create \
  --email admin@paquet.example --name "Admin du paquet" --role admin --password-stdin 2>&1 | tail -n1
login=$(curl -s -D - -o /dev/null -H "Origin: http://127.0.0.1:$port" \
  --data-urlencode email=admin@paquet.example --data-urlencode "password=une phrase de passe du paquet" \
  "http://127.0.0.1:$port/connexion")
echo "POST /connexion → $(head -n1 <<<"$login" | tr -d '\r')"
grep -i '^set-cookie' <<<"$login" | sed 's/mde_session=[^;]*/mde_session=…/' | tr -d '\r'
kill -TERM "$(pgrep -P "$pid" -x mde || echo "$pid")"
wait "$pid" && status=0 || status=$?
pid=""
echo "SIGTERM → code de sortie $status"
grep -v 'finished processing request' /tmp/mde-deb-check.log | sed 's/^/   journal : /' | tail -n 8
[ "$code" = 200 ] && [ "$status" = 0 ]
