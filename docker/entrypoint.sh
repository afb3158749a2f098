#!/bin/sh
# Container entrypoint: writes the sentinel config on first start, then replaces
# itself with the daemon so that node is PID 1 and receives SIGTERM directly.
#
#   SENTINEL_CONFIG    the config the sentinel reads and rewrites [/data/sentinel.conf]
#   SENTINEL_TEMPLATE  rendered into SENTINEL_CONFIG when that file does not exist
#                      [sentinel.conf next to this script]
#   MASTER_NAME, MASTER_HOST, ... placeholders of the template (see its header)
#
# Arguments: none, or redis-style directives starting with '-' (e.g.
# `--sentinel announce-port 26380`), run the daemon on SENTINEL_CONFIG;
# anything else is run as a command (e.g. `sh`).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
SENTINEL_CONFIG=${SENTINEL_CONFIG:-/data/sentinel.conf}
SENTINEL_TEMPLATE=${SENTINEL_TEMPLATE:-$here/sentinel.conf}

: "${MASTER_NAME:=mymaster}"
: "${MASTER_HOST:=127.0.0.1}"
: "${MASTER_PORT:=6379}"
: "${QUORUM:=2}"
: "${DOWN_AFTER_MS:=30000}"
: "${FAILOVER_TIMEOUT_MS:=180000}"
: "${ANNOUNCE_IP:=}"
: "${ANNOUNCE_PORT:=0}"
PLACEHOLDERS="MASTER_NAME MASTER_HOST MASTER_PORT QUORUM DOWN_AFTER_MS FAILOVER_TIMEOUT_MS ANNOUNCE_IP ANNOUNCE_PORT"

fail() {
  echo "entrypoint: $*" >&2
  exit 1
}

# A narrow alphabet keeps values from breaking the sed expression below or the
# config line's quoting; host names, IPs and numbers all fit in it.
for name in $PLACEHOLDERS; do
  eval "value=\${$name}"
  case $value in
    *[!A-Za-z0-9._:-]*) fail "$name='$value': only A-Z a-z 0-9 . _ : - are allowed" ;;
  esac
done

# Prints the template with every placeholder replaced, comment lines untouched.
render() {
  script=''
  for name in $PLACEHOLDERS; do
    eval "value=\${$name}"
    script="$script/^[[:space:]]*#/!s|\\\${$name}|$value|g
"
  done
  sed -e "$script" "$SENTINEL_TEMPLATE"
}

config_dir=$(dirname "$SENTINEL_CONFIG")
# The sentinel rewrites its config through a temp file in the same directory.
[ -w "$config_dir" ] || fail "$config_dir is not writable by uid $(id -u); the sentinel rewrites its config there"

# Never overwrite an existing config: it holds the sentinel's ID and epochs.
if [ ! -e "$SENTINEL_CONFIG" ]; then
  [ -r "$SENTINEL_TEMPLATE" ] || fail "no config at $SENTINEL_CONFIG and no template at $SENTINEL_TEMPLATE"
  tmp="$SENTINEL_CONFIG.tmp.$$"
  render >"$tmp" || { rm -f "$tmp"; exit 1; }
  if grep -v '^[[:space:]]*#' "$tmp" | grep -q '\${'; then
    rm -f "$tmp"
    fail "$SENTINEL_TEMPLATE has placeholders other than: $PLACEHOLDERS"
  fi
  # rename() so a container killed here never leaves half a config behind.
  mv "$tmp" "$SENTINEL_CONFIG"
  echo "entrypoint: wrote $SENTINEL_CONFIG from $SENTINEL_TEMPLATE" >&2
fi

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- node "$(dirname "$here")/dist/cli.js" "$SENTINEL_CONFIG" "$@"
fi
exec "$@"
